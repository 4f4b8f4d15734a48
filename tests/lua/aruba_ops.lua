-- The Aruba PEC plugin against pecsim: every operation, its dry run and
-- the errors a user meets. Run by tests/t/40-aruba-ops.t as
--   pecctl --sandbox ... --otp-command OTP script aruba_ops.lua SCRATCH_DIR
-- SCRATCH_DIR/deny-next.sh denies the next push in the emulator;
-- SCRATCH_DIR/wrong-code makes the OTP command answer one wrong code.
local t = dofile(arg[0]:match("(.*/)") .. "tap.lua")
local scratch = assert(arg[1], "usage: aruba_ops.lua SCRATCH_DIR")
local secret = pecctl.secrets.new

-- ---- the emulator's admin API ----
local admin_session = pecctl.session()
local function admin(method, path, body)
	local r, err = admin_session:request{ method = method, url = "https://gestionemail.pec.it/__sandbox/" .. path,
		json = body }
	assert(r, err and err.message)
	assert(r.status < 300, method .. " " .. path .. ": " .. r.status .. " " .. r.body)
	return r.body ~= "" and pecctl.json.decode(r.body) or nil
end
local function settings(values) admin("POST", "settings", values) end
local function reset()
	admin("POST", "reset")
	-- a whole suite of logins from one client would trip the per-minute limit
	settings{ login_rate_per_minute = 10000 }
end
local function mailbox(address)
	for _, m in ipairs(admin("GET", "state").mailboxes) do
		if m.address == address then return m end
	end
end
-- The POSTs to path in the emulator's request log.
local function posts(path)
	local list = {}
	for _, e in ipairs(admin("GET", "log")) do
		if e.method == "POST" and e.path == path then list[#list + 1] = e end
	end
	return list
end
-- Those the portal carried out: answered, and not refused as a stale form.
local function posts_acted_on(path)
	local n = 0
	for _, e in ipairs(posts(path)) do
		if e.status ~= 0 and e.status ~= 403 then n = n + 1 end
	end
	return n
end
local function touch(name) assert(io.open(scratch .. "/" .. name, "w")):close() end
-- The phone denies the next push (from a background process, since the
-- plugin blocks while it waits).
local function deny_next_push()
	os.execute(scratch .. "/deny-next.sh >/dev/null 2>&1 &")
end

local function account(address, password)
	return pecctl.account{ address = address, provider = "aruba", password = secret(password) }
end
local function why(err) return err and (err.code .. ": " .. err.message) or "" end

local MARIO, MARIO_PW = "mario.rossi@pec.it", "MarioRossi.2024"
local BIANCHI, BIANCHI_PW = "studio.bianchi@pec.it", "Bianchi-Studio.75"
local POSTMASTER, POSTMASTER_PW = "postmaster@studiolegale-verdi.it", "Verdi-Postmaster.1"
local VERDI = "avv.verdi@studiolegale-verdi.it"

reset()

-- ---- the provider as data ----
local p = pecctl.providers.find("aruba")
t.ok(p ~= nil, "the aruba provider is registered")
t.is(p and p.title, "Aruba PEC", "its title")
t.is(p and p.domains[1], "pec.it", "it serves pec.it")
t.is(p and p.policy.min_length, 8, "password policy: at least 8 characters")
t.is(p and p.policy.max_length, 20, "password policy: at most 20 characters")
t.is(p and p.policy.allowed_specials, ".-", "password policy: only '.' and '-' besides letters and digits")

-- ---- logins ----
local mario = account(MARIO, MARIO_PW)
for _, site in ipairs{ "gestionemail", "account", "webmail", "areaclienti" } do
	local r, err = mario:login{ site = site }
	t.ok(r and r.logged_in and r.twofa == false, "login on " .. site .. " " .. why(err))
end
local r, err = mario:login{}
t.ok(r and r.logged_in, "logging in again over a live session " .. why(err))
r, err = account(MARIO, "Sbagliata.1"):login{}
t.fails("auth", "a wrong password is an auth error", r, err)
t.is(err and err.message, "Credenziali non valide", "with the portal's words")
r, err = account(MARIO, "Sbagliata.1"):login{ site = "webmail" }
t.is(err and err.message, "Credenziali non valide", "the webmail's JSON refusal too")
for _ = 1, 3 do account(MARIO, "Sbagliata.1"):login{} end
r, err = account(MARIO, MARIO_PW):login{}
t.fails("auth", "after 5 wrong passwords the mailbox is locked", r, err)
t.like(err and err.message, "^Accesso temporaneamente bloccato", "and the lockout message is shown")
r, err = mario:login{ site = "nowhere" }
t.fails("invalid", "an unknown site is refused", r, err)
reset()

-- ---- change_password: dry run, every portal message, success ----
mario = account(MARIO, MARIO_PW)
r, err = mario:change_password{ new_password = secret("Nuova.Pass-1"), dry_run = true }
t.ok(r and r.dry_run, "dry run " .. why(err))
t.is(r and r.would_submit.url, "https://gestionemail.pec.it/cambio-password", "dry run names the form's URL")
t.is(r and r.would_submit.fields.nuova_password, "***", "dry run hides the new password")
t.is(r and r.would_submit.fields.password_attuale, "***", "and the current one")
t.is(mailbox(MARIO).password, MARIO_PW, "a dry run changes nothing")

local policy_cases = {
	{ "Le due password inserite non coincidono", "ripeti_password",
		{ new_password = secret("Nuova.Pass-1"), repeat_password = secret("Nuova.Pass-2") } },
	{ "La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri", "nuova_password",
		{ new_password = secret("Corta1") } },
	{ "La nuova password può contenere solo lettere non accentate, numeri ed i caratteri '.' e '-'",
		"nuova_password", { new_password = secret("Però_sicura1") } },
	{ "La nuova password non può essere uguale alla password in uso", "nuova_password",
		{ new_password = secret(MARIO_PW) } },
}
for _, case in ipairs(policy_cases) do
	r, err = mario:change_password(case[3])
	t.fails("policy", case[1], r, err)
	t.is(err and err.message, case[1], "the portal's message verbatim: " .. case[2])
	t.is(err and err.field, case[2], "blames " .. case[2])
end
r, err = mario:change_password{ password = secret("Non.Questa1"), new_password = secret("Nuova.Pass-1") }
t.fails("auth", "a wrong current password (session already open) is an auth error", r, err)
t.is(err and err.message, "La password attuale non è corretta", "with the portal's message")

r, err = mario:change_password{ new_password = secret("Nuova.Pass-1") }
t.ok(r and r.changed, "change_password " .. why(err))
t.is(r and r.message, "La password è stata modificata correttamente", "with the portal's confirmation")
t.is(mailbox(MARIO).password, "Nuova.Pass-1", "the portal holds the new password")
mario.password = secret("Nuova.Pass-1")
r, err = mario:change_password{ via = "account", new_password = secret("Terza.Pass-3") }
t.ok(r and r.changed and r.site == "account.aruba.it", "change_password via Gestione account " .. why(err))
t.is(mailbox(MARIO).password, "Terza.Pass-3", "the portal holds that one too")
r, err = mario:change_password{ via = "posta", new_password = secret("Quarta.Pass-4") }
t.fails("invalid", "an unknown route is refused", r, err)
reset()

-- ---- failures around the POST ----
mario = account(MARIO, MARIO_PW)
admin("POST", "faults", { host = "gestionemail.pec.it", method = "POST", path = "/cambio-password",
	when = "after", action = "drop", times = 1 })
admin("DELETE", "log")
r, err = mario:change_password{ new_password = secret("Nuova.Pass-1") }
t.fails("unknown_outcome", "a connection dropped after the POST is an unknown outcome", r, err)
-- libcurl may resend once on a dead kept-alive connection (the core then
-- reports unknown_outcome); the form's one-time _token refuses the copy
t.is(posts_acted_on("/cambio-password"), 0, "and no second POST is carried out")
t.is(mailbox(MARIO).password, "Nuova.Pass-1", "(the portal did change it)")
reset()
mario = account(MARIO, MARIO_PW)
admin("POST", "faults", { host = "gestionemail.pec.it", method = "POST", path = "/cambio-password",
	when = "after", action = "status:502", times = 1 })
r, err = mario:change_password{ new_password = secret("Nuova.Pass-1") }
t.fails("unknown_outcome", "a 5xx after the POST is an unknown outcome too", r, err)
reset()
mario = account(MARIO, MARIO_PW)
t.ok(mario:login{}, "logged in")
admin("POST", "faults", { host = "gestionemail.pec.it", path = "/cambio-password", action = "expire_session",
	times = 1 })
r, err = mario:change_password{ new_password = secret("Nuova.Pass-1") }
t.ok(r and r.changed, "an expired session is logged into again, then the change goes through " .. why(err))
reset()
mario = account(MARIO, MARIO_PW)
t.ok(mario:login{}, "logged in")
admin("POST", "faults", { host = "gestionemail.pec.it", method = "POST", path = "/cambio-password",
	action = "expire_session", times = 1 })
r, err = mario:change_password{ new_password = secret("Nuova.Pass-1") }
t.ok(r and r.changed, "a POST bounced to the login page is sent again after logging in " .. why(err))
reset()
mario = account(MARIO, MARIO_PW)
-- every render carries a token the portal no longer knows
admin("POST", "variants", { host = "gestionemail.pec.it", path = "/cambio-password",
	replace_text = { from = 'name="_token" value="', to = 'name="_token" value="scaduto' } })
admin("DELETE", "log")
r, err = mario:change_password{ new_password = secret("Nuova.Pass-1") }
t.is(err and err.message, "Sessione scaduta, ricarica la pagina", "a stale form is reloaded once, then reported")
t.is(#posts("/cambio-password"), 2, "(two POSTs, both refused)")
reset()
mario = account(MARIO, MARIO_PW)
admin("POST", "faults", { host = "gestionemail.pec.it", method = "POST", path = "/login",
	action = "rate_limit:1", times = 1 })
r, err = mario:login{}
t.ok(r and r.logged_in, "a 429 with a short Retry-After is waited out " .. why(err))
reset()

-- ---- a portal that changed ----
mario = account(MARIO, MARIO_PW)
admin("POST", "variants", { host = "gestionemail.pec.it", path = "/cambio-password",
	rename_field = { from = "password_attuale", to = "vecchia_password" } })
r, err = mario:change_password{ new_password = secret("Nuova.Pass-1"), dry_run = true }
t.fails("portal_changed", "a renamed field is portal_changed, even in a dry run", r, err)
t.like(err and err.message, "password_attuale", "naming the field that is missing")
t.like(err and err.message, "gestionemail.pec.it/cambio%-password", "and the page")
admin("DELETE", "variants")
admin("POST", "variants", { host = "gestionemail.pec.it", path = "/login",
	replace_text = { from = "Credenziali non valide", to = "Servizio momentaneamente non disponibile" } })
r, err = account(MARIO, "Sbagliata.1"):login{}
t.fails("portal", "a message the plugin does not know is a portal error", r, err)
t.is(err and err.message, "Servizio momentaneamente non disponibile", "in the portal's words")
admin("DELETE", "variants")
admin("POST", "variants", { host = "account.aruba.it", path = "/pec/verifica-2-passaggi",
	replace_text = { from = "id=\"verifica-2-passaggi\"", to = "id=\"due-passaggi\"" } })
r, err = mario:twofa_status{}
t.fails("portal_changed", "a page without its state element is portal_changed", r, err)
t.like(err and err.message, "#verifica%-2%-passaggi", "naming what is missing")
reset()

-- ---- PEC on own domain: the postmaster sets a mailbox's password ----
local postmaster = account(POSTMASTER, POSTMASTER_PW)
r, err = postmaster:domain_password_set{ address = VERDI, new_password = secret("Nuova.Verdi-1"), dry_run = true }
t.like(r and r.would_submit.url, "/dominio/caselle/avv%.verdi@studiolegale%-verdi%.it/password$",
	"domain dry run reaches the mailbox's page from the list " .. why(err))
r, err = postmaster:domain_password_set{ address = VERDI, new_password = secret("Nuova.Verdi-1") }
t.ok(r and r.changed, "domain_password_set " .. why(err))
t.is(r and r.message, "Password della casella " .. VERDI .. " modificata", "with the portal's confirmation")
t.is(mailbox(VERDI).password, "Nuova.Verdi-1", "the mailbox has the new password")
r, err = postmaster:domain_password_set{ address = "altro@example.it", new_password = secret("Nuova.Verdi-1") }
t.fails("invalid", "a mailbox of another domain is refused", r, err)
r, err = postmaster:domain_password_set{ address = "nessuno@studiolegale-verdi.it", new_password = secret("Nuova.Verdi-1") }
t.fails("invalid", "a mailbox not in the domain list is refused", r, err)
local verdi = account(VERDI, "x")
r, err = verdi:domain_password_set{ postmaster_password = secret(POSTMASTER_PW),
	new_password = secret("Ancora.Verdi-2") }
t.ok(r and r.changed, "from the mailbox itself, logging in as its postmaster " .. why(err))
t.is(mailbox(VERDI).password, "Ancora.Verdi-2", "the mailbox has that password")
verdi.password = secret("Ancora.Verdi-2")
r, err = verdi:change_password{ new_password = secret("Propria.Verdi-3") }
t.ok(r and r.changed, "then its own change_password logs in as the mailbox again " .. why(err))
t.is(mailbox(VERDI).password, "Propria.Verdi-3", "and changes the mailbox's password")
t.is(mailbox(POSTMASTER).password, POSTMASTER_PW, "not the postmaster's")
r, err = postmaster:domain_password_set{ address = VERDI, new_password = secret("corta") }
t.fails("policy", "the same rules apply", r, err)
reset()

-- ---- contacts: codes by email and SMS through --otp-command ----
mario = account(MARIO, MARIO_PW)
r, err = mario:contacts_get{}
t.is(r and r.email, "mario.rossi@example.com", "contacts_get: the email " .. why(err))
t.is(r and r.email_verified, false, "not verified")
t.is(r and r.mobile, "+393331234567", "the mobile")
t.is(r and r.unverified_banner, true, "the portal's banner is reported")
r, err = mario:contacts_update{ email = "m.rossi@example.org", mobile = "333 765 4321", dry_run = true }
t.is(r and r.would_submit.fields.cellulare, "+393337654321", "dry run: the mobile as the portal wants it " .. why(err))
touch("wrong-code")
r, err = mario:contacts_update{ email = "m.rossi@example.org", mobile = "333 765 4321" }
t.ok(r and r.changed, "contacts_update, asking again after a wrong code " .. why(err))
t.is(r and r.message, "Dati di contatto aggiornati", "with the portal's confirmation")
r = mario:contacts_get{}
t.ok(r and r.email == "m.rossi@example.org" and r.email_verified and r.mobile_verified,
	"both new contacts are verified")
r, err = mario:contacts_update{ email = "non-una-email" }
t.fails("invalid", "a malformed email is refused before anything is sent", r, err)
r, err = mario:contacts_update{ email = "x@y" }
t.fails("policy", "one the portal refuses is policy", r, err)
t.is(err and err.message, "Indirizzo email non valido", "with its message")
reset()

-- ---- password expiry ----
mario = account(MARIO, MARIO_PW)
r, err = mario:password_expiry_get{}
t.ok(r and r.enabled == false and r.days == 90 and r.notice_days == 10 and r.notify_email == true,
	"password_expiry_get " .. why(err))
r, err = mario:password_expiry_set{ enabled = true, days = 60, notice_days = 5, notify_email = false, dry_run = true }
t.ok(r and r.would_submit.fields.attiva == true and r.would_submit.fields.giorni == "60", "expiry dry run " .. why(err))
r, err = mario:password_expiry_set{ enabled = true, days = 60, notice_days = 5, notify_email = false }
t.ok(r and r.changed and r.enabled and r.days == 60 and r.notice_days == 5 and not r.notify_email,
	"password_expiry_set " .. why(err))
t.is(mailbox(MARIO).password_expiry.giorni, 60, "the portal holds 60 days")
r, err = mario:password_expiry_set{ days = 120 }
t.fails("policy", "120 days is refused by the portal", r, err)
t.is(err and err.field, "giorni", "naming the field")
r, err = mario:password_expiry_set{ days = "tanti" }
t.fails("invalid", "a non-number is refused before anything is sent", r, err)

-- ---- access history ----
for _ = 1, 21 do account(MARIO, MARIO_PW):login{ site = "account" } end
r, err = mario:access_history{}
t.ok(r and #r.entries >= 22 and r.pages == 2 and r.complete, "access_history follows rel=next " .. why(err))
t.like(r and r.entries[1].time, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d$", "times are ISO")
t.ok(r and r.entries[1].ip and r.entries[1].service and r.entries[1].outcome, "with ip, service and outcome")
r = mario:access_history{ max_pages = 1 }
t.ok(r and #r.entries == 20 and r.complete == false, "max_pages stops early and says so")
reset()

-- ---- holder profile ----
mario = account(MARIO, MARIO_PW)
r, err = mario:profile_get{}
t.is(r and r.codice_fiscale, "RSSMRA80A01H501U", "profile_get with the mailbox's login " .. why(err))
r, err = mario:profile_update{ indirizzo = "Via Milano 2", dry_run = true }
t.is(r and r.would_submit.url, "https://areaclienti.pec.it/profilo/modifica", "profile dry run " .. why(err))
r, err = mario:profile_update{ cap = "123" }
t.fails("policy", "a bad CAP is policy", r, err)
t.is(err and err.field, "cap", "naming cap")
r, err = mario:profile_update{ codice_fiscale = "VRDGPP70M10L219D" }
t.fails("policy", "a new codice fiscale is a change of holder", r, err)
t.like(err and err.message, "^Per cambiare il titolare", "with the portal's message")
r, err = mario:profile_update{ indirizzo = "Via Milano 2" }
t.is(r and r.message, "Dati del profilo aggiornati", "profile_update " .. why(err))
local via_account = { aruba_account = "1234567@aruba.it", aruba_password = secret("Aruba.Account-1") }
r, err = mario:profile_get(via_account)
t.is(r and r.profile_id, "P1", "with the Aruba account: the profile linking the mailbox " .. why(err))
t.is(r and r.indirizzo, "Via Milano 2", "shows the change")
via_account.citta = "Roma Capitale"
r, err = mario:profile_update(via_account)
t.ok(r and r.changed, "profile_update with the Aruba account " .. why(err))
r, err = account(BIANCHI, "x"):profile_get{ aruba_account = "1234567@aruba.it",
	aruba_password = secret("Aruba.Account-1") }
t.is(r and r.ragione_sociale, "Studio Bianchi Associati", "another mailbox, another profile " .. why(err))
r, err = account(BIANCHI, "x"):profile_get{ aruba_account = "1234567@aruba.it",
	aruba_password = secret("Aruba.Account-1"), profile_id = "P9" }
t.fails("invalid", "an unknown profile_id", r, err)
reset()

-- ---- two-step verification, app passwords, push approvals ----
settings{ auto_approve_ms = 100 }
local bianchi = account(BIANCHI, BIANCHI_PW)
r, err = bianchi:login{}
t.ok(r and r.logged_in and r.twofa == true, "a login approved in the app " .. why(err))
r, err = bianchi:twofa_status{}
t.ok(r and r.enabled == true and r.device == "iPhone di Laura Bianchi", "twofa_status " .. why(err))
r, err = bianchi:app_password_status{}
t.is(r and r.state, "assente", "no app password yet " .. why(err))
r, err = bianchi:app_password_extend{}
t.fails("invalid", "nothing to extend", r, err)
r, err = bianchi:app_password_create{ dry_run = true }
t.like(r and r.would_submit.url, "/pec/password%-programmi/genera$", "create dry run " .. why(err))
r, err = bianchi:app_password_create{}
t.ok(r and r.state == "attiva" and r.valid_until:match("^%d%d%d%d%-%d%d%-%d%d$"), "app_password_create " .. why(err))
t.ok(r and pecctl.secrets.is_secret(r.app_password), "the generated password is a secret")
t.is(r and tostring(r.app_password), "***", "that prints as ***")
t.is(r and #r.app_password, 16, "of 16 characters")
t.unlike(pecctl.json.encode(r and { state = r.state, valid_until = r.valid_until, message = r.message } or {}),
	"[A-Za-z0-9]{16}", "and is nowhere in the plain result")
r, err = bianchi:app_password_create{}
t.fails("invalid", "creating twice says to regenerate", r, err)
r, err = bianchi:app_password_regenerate{}
t.ok(r and pecctl.secrets.is_secret(r.app_password), "app_password_regenerate " .. why(err))
r, err = bianchi:app_password_extend{}
t.is(r and r.message, "Validità della password per i programmi di posta estesa", "app_password_extend " .. why(err))
r, err = account(MARIO, MARIO_PW):app_password_create{}
t.fails("portal", "without two-step there is no app password", r, err)
t.like(err and err.message, "^Per generare una password per i programmi di posta", "the portal says why")

-- twofa_disable: denied, expired, approved, then already off
r, err = bianchi:twofa_disable{ dry_run = true }
t.like(r and r.would_submit.url, "/pec/verifica%-2%-passaggi/disattiva$", "disable dry run via the webmail " .. why(err))
settings{ auto_approve_ms = -1 }
deny_next_push()
r, err = bianchi:twofa_disable{}
t.fails("denied", "a push denied in the app", r, err)
t.is(mailbox(BIANCHI).twofa, true, "two-step stays on")
settings{ push_timeout_seconds = 1 }
r, err = bianchi:twofa_disable{}
t.fails("expired", "a push nobody answers expires", r, err)
settings{ push_timeout_seconds = 120, auto_approve_ms = 100 }
r, err = bianchi:twofa_disable{}
t.ok(r and r.changed == true and r.enabled == false, "twofa_disable " .. why(err))
t.is(r and r.message, "La verifica in 2 passaggi è stata disattivata", "with the portal's confirmation")
t.is(mailbox(BIANCHI).twofa, false, "two-step is off on the portal")
r, err = bianchi:twofa_disable{}
t.ok(r and r.changed == false and r.enabled == false, "disabling again changes nothing " .. why(err))
reset()
settings{ auto_approve_ms = -1 }
deny_next_push()
r, err = account(BIANCHI, BIANCHI_PW):login{}
t.fails("denied", "a login denied in the app", r, err)
t.like(err and err.message, "^Operazione non autorizzata", "in the portal's words")
local recorded = false
for _, e in ipairs(mailbox(BIANCHI).access_log or {}) do
	recorded = recorded or (e.service == "GestioneMail" and e.outcome == "negato")
end
t.ok(recorded, "the portal recorded the denied login in its history")
deny_next_push()
r, err = account(BIANCHI, BIANCHI_PW):login{ site = "webmail" }
t.fails("denied", "a webmail login denied in the app", r, err)
reset()

-- ---- logout ----
mario = account(MARIO, MARIO_PW)
mario:login{}
mario:login{ site = "account" }
r, err = mario:logout{}
t.is(r and #r.logged_out, 2, "logout ends the sessions it opened " .. why(err))

t.done()
