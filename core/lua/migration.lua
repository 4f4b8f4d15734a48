-- The record of one mailbox moving from Aruba PEC to InfoCert Legalmail
-- (seed aruba-2fa-disable-for-infocert-migration.txt), kept across runs in
-- $XDG_DATA_HOME/pecctl/migrations/<old address>.json (0600, replaced
-- atomically). migrate-prepare writes it, migrate-finish completes it, and
-- while it says "migrating" twofa-enable refuses the old mailbox: the guide
-- forbids turning two-step back on until the messages have been copied.
--
-- It holds what the guides need and nothing secret: the two-step state, the
-- recovery contacts, the holder data, when each step was done.
--
--   { format = 1, from = "x@pec.it", from_provider = "aruba",
--     state = "migrating" | "ended" | "cancelled", created =, updated =,
--     twofa = { was_on =, device =, recorded = },
--     contacts = { email =, email_verified =, mobile =, mobile_verified = },
--     profile = { tipo =, nome =, ..., nazione = },
--     steps = { twofa_disabled =, contacts =, profile =, prepared = },
--     to = "y@legalmail.it",
--     finish = { password_started =, password =, contacts =, profile =, login_verified =, done = },
--     ended = }
local migration = {}

migration.FORMAT = 1

migration.profile_fields = { "tipo", "nome", "cognome", "ragione_sociale", "codice_fiscale", "partita_iva",
	"indirizzo", "cap", "citta", "provincia", "nazione" }

function migration.now()
	return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

function migration.dir()
	local data = os.getenv("XDG_DATA_HOME")
	if not data or data == "" then data = (os.getenv("HOME") or ".") .. "/.local/share" end
	return data .. "/pecctl/migrations"
end

-- The file of a mailbox; the address becomes a file name, so it is checked.
function migration.path(address)
	local name = tostring(address):lower()
	if not name:match("^[%w._%+%-]+@[%w.%-]+$") or name:match("^%.") then
		return pecctl.fail("usage", "'%s' is not a mailbox address", tostring(address))
	end
	return migration.dir() .. "/" .. name .. ".json"
end

-- record | nil (no migration for this address) | nil, err
function migration.load(address)
	local path, err = migration.path(address)
	if not path then return nil, err end
	local text
	text, err = pecctl.fs.read(path)
	if not text then
		if err.code == "noinput" then return nil end
		return nil, err
	end
	local record = pecctl.json.decode(text)
	if type(record) ~= "table" or record.from == nil or record.format ~= migration.FORMAT then
		return pecctl.fail("invalid", "%s is not a pecctl migration file (format %d)", path, migration.FORMAT)
	end
	record.steps = record.steps or {}
	return record
end

function migration.new(address, provider)
	local now = migration.now()
	return { format = migration.FORMAT, from = address:lower(), from_provider = provider,
		state = "migrating", created = now, updated = now, steps = {} }
end

-- A secret must never reach the file; finding one is a bug in the caller.
local function refuse_secrets(value, where)
	if pecctl.secrets.is_secret(value) then
		error("a secret cannot be written to the migration file (" .. where .. ")", 3)
	end
	if type(value) == "table" then
		for k, v in pairs(value) do refuse_secrets(v, where .. "." .. tostring(k)) end
	end
end

-- Written atomically and durably before the next step starts.
function migration.save(record)
	refuse_secrets(record, "record")
	local path, err = migration.path(record.from)
	if not path then return nil, err end
	local ok
	ok, err = pecctl.fs.mkdir(migration.dir())
	if not ok then return nil, err end
	record.updated = migration.now()
	return pecctl.fs.write_atomic(path, pecctl.json.encode(record, { pretty = true }) .. "\n", tonumber("600", 8))
end

-- One run at a time per migration: held until the returned lock is closed
-- (`local lock <close>, err = migration.lock(address, ctx.check)`); a check
-- only reads and writes no lock file either (the lock is then false).
function migration.lock(address, check)
	if check then return false end
	local path, err = migration.path(address)
	if not path then return nil, err end
	local ok
	ok, err = pecctl.fs.mkdir(migration.dir())
	if not ok then return nil, err end
	local lock
	lock, err = pecctl.fs.lock(path .. ".lock")
	if not lock and err.code == "rate_limited" then
		return pecctl.fail(err.code, "another pecctl is working on the migration of %s: wait for it to end", address)
	end
	return lock, err
end

-- Still migrating: two-step verification must stay off on the old mailbox.
function migration.active(record)
	return record ~= nil and record.state == "migrating"
end

-- How to end a migration (and how to call it off), for messages.
-- May two-step verification be turned on for address? true, or nil and
-- the refusal (policy) while a migration says it must stay off. Checked by
-- twofa-enable before anything is sent, and by the core on every call of
-- the twofa_enable operation (pecctl.guards), whoever makes it.
function migration.twofa_enable_allowed(address)
	local record, err = migration.load(address)
	if err then return nil, err end
	if not migration.active(record) then return true end
	local path = migration.path(address)
	local _, e = pecctl.fail("policy",
		"refused: %s is being migrated to InfoCert (%s) and two-step verification must stay off " ..
		"until its messages have been copied; when the migration is over, end it with '%s' " ..
		"(or call it off with '%s')",
		address, path, migration.end_command(record), migration.cancel_command(record))
	e.migration_file = path
	return nil, e
end

function migration.end_command(record)
	local to = record.to or "NEW@legalmail.it"
	return string.format("pecctl run migrate-finish --account %s --param from=%s --param end=true", to, record.from)
end

function migration.cancel_command(record)
	return string.format("pecctl run migrate-prepare --account %s --param cancel=true", record.from)
end

return migration
