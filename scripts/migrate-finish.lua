-- migrate-finish: the InfoCert half of a move from Aruba PEC. The new
-- Legalmail mailbox gets a password of its own (kept in the vault through a
-- rotation that never locks anyone out), the recovery contacts and the
-- holder data recorded by migrate-prepare, and its login is checked with
-- the new password. The old mailbox stays marked as migrating (two-step off)
-- until `--param end=true` says the messages have been copied.
--
-- Each step is recorded in the migration file once done; a second run finds
-- the portal already as wanted and changes nothing.
local migration = require "pecctl.migration"
local rotation = require "pecctl.rotation"
local ids = require "pecctl.ids"

local fail = pecctl.fail

local function text(v)
	if v == nil or v == pecctl.json.null then return "" end
	return tostring(v)
end

local function save(ctx, record)
	if ctx.check then return true end
	return migration.save(record)
end

-- The password to log in with. Once this migration changed it, the new one
-- is in the vault (or was given as new_password), whatever --secret says.
local function password_in_use(ctx, finish)
	if finish.password then
		local vault = pecctl.vault
		if vault.available() then
			local current = vault.get(ctx.account)
			if current then return current end
		end
		if ctx.params.new_password then return ctx.params.new_password end
	end
	return ctx.session.password
end

-- A run that stopped inside the password change: the vault knows how it
-- ended (a pending password reconciled, or a current one newer than the
-- start of the change).
local function recover_password_step(ctx, finish)
	local vault = pecctl.vault
	if not vault.available() or ctx.check then return true end
	local pending = vault.pending(ctx.account)
	if pending then
		pecctl.log.warn("%s: a password change was interrupted; checking which password works", ctx.account)
		local rec, err = vault.reconcile(ctx.account, ctx.provider)
		if not rec then return nil, err end
		if rec.outcome == "promoted" then
			-- the portal has the pending password: log in with it from now on
			if finish.password_started then finish.password = migration.now() end
			local current = vault.get(ctx.account)
			if current then ctx.session.password = current end
		end
		return true
	end
	if finish.password_started and not finish.password then
		local list = vault.list() or {}
		for _, entry in ipairs(list) do
			if entry.key == ctx.account and entry.current and entry.updated and
				entry.updated >= finish.password_started then
				finish.password = entry.updated
			end
		end
	end
	return true
end

-- step 2: a new password, through the vault's rotation
local function change_password(ctx, record, finish, done)
	local mailbox = ctx.session
	if finish.password then return true end
	local new, err, generated = rotation.new_password(ctx, ctx.params.new_password, mailbox.password, ctx.account)
	if not new then return nil, err end
	if ctx.check then
		local plan
		plan, err = mailbox:change_password { new_password = new, dry_run = true }
		if not plan then return nil, err end
		done[#done + 1] = "would set a new password"
		return true
	end
	finish.password_started = migration.now()
	local ok, serr = save(ctx, record)
	if not ok then return nil, serr end
	local result
	result, err = rotation.rotate {
		key = ctx.account, provider = ctx.provider, new = new, current = mailbox.password,
		submit = function() return mailbox:change_password { new_password = new } end,
	}
	if not result then return nil, err end
	mailbox.password = new
	finish.password = migration.now()
	ok, serr = save(ctx, record)
	if not ok then return nil, serr end
	done[#done + 1] = generated and "new password set (generated, kept in the vault)" or "new password set"
	return true
end

-- The recovery contacts to copy from the old mailbox, read before anything
-- changes: a missing answer stops the run before the password is touched.
local function plan_contacts(ctx, record)
	local p = ctx.params
	local want = { email = text(record.contacts and record.contacts.email),
		mobile = text(record.contacts and record.contacts.mobile), question = p.question }
	if want.email ~= "" then
		local ok, why = ids.email(want.email)
		if not ok then return fail("invalid", "the recorded recovery email: %s", why) end
	else
		want.email = nil
	end
	if want.mobile ~= "" then
		local ok, why = ids.mobile(want.mobile)
		if not ok then return fail("invalid", "the recorded recovery mobile: %s", why) end
	else
		want.mobile = nil
	end
	local have, err = ctx.session:contacts_get {}
	if not have then return nil, err end
	local differs = {}
	for _, k in ipairs { "email", "mobile", "question" } do
		if want[k] and want[k] ~= text(have[k]) then differs[#differs + 1] = k end
	end
	if #differs > 0 and not p.answer then
		return fail("usage", "%s wants the answer to the security question with every change of the recovery " ..
			"contacts (%s to change): give --param answer=REF (env:VAR, file:PATH, cmd:COMMAND or prompt:), " ..
			"and --param question=… to change the question too", ctx.account, table.concat(differs, ", "))
	end
	return { want = want, differs = differs }
end

-- step 3: the recovery contacts from the old mailbox
local function copy_contacts(ctx, record, finish, done, plan)
	if #plan.differs == 0 then
		if not finish.contacts then finish.contacts = migration.now() end
		return true
	end
	local want = plan.want
	local result, err = ctx.session:contacts_update { email = want.email, mobile = want.mobile,
		question = want.question, answer = ctx.params.answer, dry_run = ctx.check or nil }
	if not result then return nil, err end
	if ctx.check then
		done[#done + 1] = "would change the recovery " .. table.concat(plan.differs, ", ")
		return true
	end
	finish.contacts = migration.now()
	local ok, serr = save(ctx, record)
	if not ok then return nil, serr end
	done[#done + 1] = "recovery " .. table.concat(plan.differs, ", ") .. " copied"
	return true
end

-- step 4: the holder data, which must be the same holder's
local function copy_profile(ctx, record, finish, done)
	local mailbox = ctx.session
	if not record.profile then return true end
	local have, err = mailbox:profile_get {}
	if not have then return nil, err end
	have = have.profile or have
	local want = record.profile
	local cf_want, cf_have = text(want.codice_fiscale):upper(), text(have.codice_fiscale):upper()
	if cf_want ~= "" and cf_have ~= "" and cf_want ~= cf_have then
		return fail("policy", "%s belongs to another holder (codice fiscale %s, not %s as %s): a move keeps " ..
			"the holder; a change of holder has its own procedure", ctx.account, cf_have, cf_want, record.from)
	end
	local args, changed = {}, {}
	for _, f in ipairs(migration.profile_fields) do
		if text(want[f]) ~= text(have[f]) then
			args[f] = text(want[f])
			changed[#changed + 1] = f
		end
	end
	if #changed == 0 then
		if not finish.profile then finish.profile = migration.now() end
		return true
	end
	args.dry_run = ctx.check or nil
	local result
	result, err = mailbox:profile_update(args)
	if not result then return nil, err end
	if ctx.check then
		done[#done + 1] = "would copy the holder's " .. table.concat(changed, ", ")
		return true
	end
	finish.profile = migration.now()
	local ok, serr = save(ctx, record)
	if not ok then return nil, serr end
	done[#done + 1] = "holder's " .. table.concat(changed, ", ") .. " copied"
	return true
end

return {
	name = "migrate-finish",
	summary = "after migrate-prepare: set up the new Legalmail mailbox (new password through the vault, " ..
		"recovery contacts, holder data) and check its login; --param end=true ends the migration",
	operations = { "login", "change_password", "contacts_get", "contacts_update", "profile_get", "profile_update" },
	params = {
		from = { help = "the Aruba mailbox being moved (the one migrate-prepare ran on)" },
		new_password = { secret = true, optional = true,
			help = "the new password; without it one is generated from the provider's rules and kept in the vault" },
		question = { optional = true, help = "a new security question for the recovery (default: keep the current one)" },
		answer = { secret = true, optional = true,
			help = "the security answer, needed when the recovery contacts change" },
		["end"] = { type = "boolean", optional = true,
			help = "the messages have been copied: end the migration, so that two-step verification " ..
				"may be turned on again on the old mailbox" },
	},
	changes_state = true,

	run = function(ctx)
		local p = ctx.params
		local mailbox = ctx.session
		-- the migration file that migrate-prepare wrote
		local lock <close>, lerr = migration.lock(p.from, ctx.check)
		if lerr then return nil, lerr end
		local record, err = migration.load(p.from)
		if err then return nil, err end
		local path = migration.path(p.from)
		if not record then
			return fail("noinput", "no migration of %s (no %s): run 'pecctl run migrate-prepare --account %s' first",
				p.from, path, p.from)
		end
		if record.state == "cancelled" then
			return fail("policy", "the migration of %s was called off on %s (%s)", p.from, record.cancelled, path)
		end
		if not record.steps.prepared then
			return fail("usage", "the preparation of %s did not finish: run 'pecctl run migrate-prepare --account %s' again",
				p.from, p.from)
		end
		if ctx.account:lower() == record.from then
			return fail("usage", "--account is the new Legalmail mailbox and --param from the old one (%s); " ..
				"they cannot be the same", record.from)
		end
		if record.to and record.to ~= ctx.account:lower() then
			return fail("policy", "%s is being moved to %s, not %s (%s)", p.from, record.to, ctx.account, path)
		end
		if record.state == "ended" then
			return { message = "the migration from " .. p.from .. " ended on " .. tostring(record.ended) ..
				"; nothing to do", changed = false, migration_file = path }
		end
		record.to = ctx.account:lower()   -- bound to this mailbox with the first step saved
		record.finish = record.finish or {}
		local finish, done = record.finish, {}

		-- 1) log in to the new mailbox (after an interrupted run, with the password it has now)
		local ok
		ok, err = recover_password_step(ctx, finish)
		if not ok then return nil, err end
		mailbox.password = password_in_use(ctx, finish)
		ok, err = mailbox:login {}
		if not ok then return nil, err end
		local contacts
		contacts, err = plan_contacts(ctx, record)
		if not contacts then return nil, err end

		-- 2) Account → Salva password: a password of its own
		ok, err = change_password(ctx, record, finish, done)
		if not ok then return nil, err end
		-- 3) the recovery email and mobile of the old mailbox
		ok, err = copy_contacts(ctx, record, finish, done, contacts)
		if not ok then return nil, err end
		-- 4) the holder data of the old mailbox
		ok, err = copy_profile(ctx, record, finish, done)
		if not ok then return nil, err end

		if ctx.check then
			return { message = "check passed: " .. (#done > 0 and table.concat(done, "; ") or "nothing to change") ..
				"; nothing submitted, nothing written", migration_file = path }
		end

		-- 5) the new password opens the mailbox, in a session of its own
		local probe = pecctl.account { address = ctx.account, provider = ctx.provider, password = mailbox.password }
		ok, err = probe:login {}
		if not ok then
			return fail(err.code or "auth", "%s: the login with the new password failed: %s", ctx.account, err.message)
		end
		finish.login_verified = migration.now()
		if not finish.done then finish.done = migration.now() end

		-- the end of the migration, when the person says so
		local ended = false
		if p["end"] then
			record.state, record.ended, ended = "ended", migration.now(), true
		end
		ok, err = migration.save(record)
		if not ok then return nil, err end

		local message
		if #done > 0 then
			message = table.concat(done, ", ") .. "; login with the new password checked"
		else
			message = "already set up from " .. p.from .. ": password, recovery contacts and holder data as " ..
				"recorded, login checked; nothing changed"
		end
		if ended then
			message = message .. "; migration ended: two-step verification may be turned on again on " .. p.from
		else
			message = message .. "; " .. p.from .. " stays marked as migrating (two-step off) until the messages " ..
				"have been copied, then: " .. migration.end_command(record)
		end
		local result = { message = message, changed = #done > 0 or ended, migration_file = path,
			state = record.state }
		if record.twofa and record.twofa.was_on then
			-- "Tale funzionalità potrà successivamente essere attivata nella nuova casella"
			result.note = string.format("two-step verification was on for %s; %s can have it again on its " ..
				"provider's portal (Legalmail: MyInfoCert app)", p.from, ctx.account)
		end
		return result
	end,
}
