-- The InfoCert Legalmail plugin against pecsim's Legalmail API, driven as a
-- user's script would drive it. Run by tests/t/45-infocert-ops.t:
--   pecctl --sandbox ... --cacert ... --otp-command $T/otp.sh script THIS
-- The OTP command answers with the newest code in the emulator's outbox,
-- or "000000" while $INFOCERT_TEST_DIR/otp.mode says "wrong".
local t = dofile(arg[0]:match("(.*/)") .. "tap.lua")
io.stdout:setvbuf("line")  -- results so far survive a crash

local DIR = assert(os.getenv("INFOCERT_TEST_DIR"), "INFOCERT_TEST_DIR is not set")
local API = "/legalmail/api/v1"
local LUCA, LUCA_PW = "luca.marini@legalmail.it", "Marini.Studio7"
local FRANCESCA, FRANCESCA_PW = "francesca.neri@legalmail.it", "Pec!Sicura2024"
local ANNA, ANNA_PW = "anna.colombo@legalmail.it", "Colombo_Lm2024"

-- ---- the emulator's admin API, through the same --sandbox mapping ----
local admin_http = pecctl.session()
local function admin(method, path, body)
	local r, err = admin_http:request { method = method, url = "https://gestionemail.pec.it/__sandbox/" .. path,
		json = body }
	assert(r, err and err.message)
	assert(r.status < 300, method .. " " .. path .. ": " .. r.status .. " " .. r.body)
	return #r.body > 0 and pecctl.json.decode(r.body) or nil
end

local BASE_SETTINGS = { login_rate_per_minute = 1000, auto_approve_ms = -1 }
local function reset()
	admin("POST", "reset")
	admin("PATCH", "settings", BASE_SETTINGS)
end
local function mailbox(address)
	for _, m in ipairs(admin("GET", "state").mailboxes) do
		if m.address == address then return m end
	end
end
local function log_mark() local log = admin("GET", "log"); return #log > 0 and log[#log].seq or 0 end
-- requests since mark with this method and API route
local function count_requests(mark, method, route)
	local n = 0
	for _, e in ipairs(admin("GET", "log?since=" .. mark)) do
		if e.seq > mark and e.method == method and e.path:gsub("%?.*", "") == API .. route then n = n + 1 end
	end
	return n
end
local function otp_mode(mode)
	local f = assert(io.open(DIR .. "/otp.mode", "w"))
	f:write(mode)
	f:close()
end
local function otp_prompts()
	local f = io.open(DIR .. "/otp.asked")
	if not f then return 0 end
	local n = 0
	for _ in f:lines() do n = n + 1 end
	f:close()
	return n
end

local function account(address, password)
	return pecctl.account { address = address, password = pecctl.secret(password) }
end
local function why(err) return err and (tostring(err.code) .. ": " .. tostring(err.message)) or "" end
local function has(list, value)
	for _, v in ipairs(list or {}) do if v == value then return true end end
	return false
end

reset()

-- ---- what the provider declares ----
local p = pecctl.providers.find("infocert")
t.is(p and p.title, "InfoCert Legalmail", "the provider is InfoCert Legalmail")
t.is(p.domains[1], "legalmail.it", "it serves legalmail.it")
t.is(p.hosts[1], "webmail.infocert.it", "it talks to webmail.infocert.it")
t.is(p.policy.min_length .. "-" .. p.policy.max_length, "8-32", "passwords of 8 to 32 characters")
t.is(p.policy.allowed_specials, "!#$%&()*+,-./:;=?@[]_{|}", "the specials Legalmail allows")
t.is(p.policy.history, 5, "none of the last 5 passwords")
t.ok(p.may_need_human, "logins may need a human")
t.is(p.operations.app_password_create, nil, "no app_password_create: Legalmail has no mail-program passwords")
local generated = pecctl.providers.generate_password("infocert", { userid = LUCA })
t.ok(pecctl.providers.check_password("infocert", generated, { userid = LUCA }),
	"a generated password meets the policy")

-- ---- login ----
local luca = account(LUCA, LUCA_PW)
local res, err = luca:login {}
t.ok(res and res.logged_in, "login by address " .. why(err))
t.is(res and res.twofa, false, "no second factor for an account without it")
t.is(res and res.site, "webmail.infocert.it", "the login names its site")
res, err = luca:login { username = "M3456789" }
t.ok(res and res.logged_in, "login by user id " .. why(err))
t.is(res and res.username, "M3456789", "as the user id")

local wrong = account(LUCA, "Not.The.Password1")
res, err = wrong:login {}
t.fails("auth", "a wrong password is an auth error", res, err)
t.is(err and err.message, "Credenziali non valide", "with the portal's own message")
t.is(err and err.status, 401, "and the status")
res, err = wrong:twofa_status {}
t.fails("auth", "an operation with a wrong password fails at the login", res, err)
for _ = 1, 3 do wrong:login {} end  -- five wrong in a row lock the mailbox
res, err = luca:login {}
t.fails("auth", "a locked mailbox is an auth error even with the right password", res, err)
t.is(err and err.message, "Accesso temporaneamente bloccato per troppi tentativi errati",
	"with the portal's message")
reset()

t.is(luca.app_password_create, nil, "the account has no app_password_create method")
res, err = luca:call("app_password_create", {})
t.fails("unsupported", "app_password_create is unsupported", res, err)
t.ok(not luca:supports("app_password_create"), "supports() says so too")

-- ---- change_password ----
local mark = log_mark()
res, err = luca:change_password { new_password = pecctl.secret("Nuova.Pass2025"), dry_run = true }
t.ok(res and res.dry_run, "a dry run " .. why(err))
local body = res and res.would_submit and res.would_submit.body or {}
t.is(body.new, "***", "shows the new password as ***")
t.is(body.current, "***", "and the current one as ***")
t.like(res and res.would_submit.url, "/legalmail/api/v1/account/password$", "with the URL it would post to")
t.is(count_requests(mark, "POST", "/account/password"), 0, "and posts nothing")
t.is(mailbox(LUCA).password, LUCA_PW, "the password is unchanged")

-- each rule the portal checks comes back in the policy's own names
local violations = {
	{ "Ab1.x", "length", "da 8 a 32 caratteri" },
	{ "abcdefg1.x", "upper", "lettera maiuscola" },
	{ "ABCDEFG1.X", "lower", "lettera minuscola" },
	{ "Abcdefgh.x", "digit", "almeno un numero" },
	{ "Abcdefg1~x", "characters", "caratteri speciali" },
	{ "Xm3456789.y", "contains_userid", "codice utente" },
	{ "Luca.Marini.7x", "contains_userid", "nome della casella" },
	{ "Marini.Studio7", "reused", "ultime 5 password" },
}
for _, v in ipairs(violations) do
	res, err = luca:change_password { new_password = pecctl.secret(v[1]) }
	t.fails("policy", "policy: " .. v[2] .. " refused", res, err)
	t.like(err and err.field, v[2], "policy: " .. v[2] .. " named in err.field")
	t.like(err and err.message, v[3], "policy: " .. v[2] .. " with the portal's words")
end
t.like(err and err.message, "^La nuova password non rispetta i criteri di sicurezza",
	"the portal's summary comes first")
t.is(err and err.status, 422, "a policy refusal is a 422")

res, err = luca:change_password { new_password = pecctl.secret("Nuova.Pass2025"),
	password = pecctl.secret("Wrong.Current1") }
t.fails("auth", "a wrong current password is an auth error", res, err)
t.is(err and err.message, "La password attuale non è corretta", "with the portal's message")

res, err = luca:change_password { new_password = pecctl.secret("Nuova.Pass2025") }
t.ok(res and res.changed, "the password changes " .. why(err))
t.is(mailbox(LUCA).password, "Nuova.Pass2025", "the portal has the new password")
luca.password = pecctl.secret("Nuova.Pass2025")
res, err = luca:login {}
t.ok(res, "the new password logs in " .. why(err))
res, err = account(LUCA, LUCA_PW):login {}
t.fails("auth", "the old one does not", res, err)

-- an answer lost after the portal changed the password: reported, never
-- resent by the plugin
reset()
luca = account(LUCA, LUCA_PW)
luca:login {}
admin("POST", "faults", { host = "webmail.infocert.it", method = "POST", path = API .. "/account/password",
	when = "after", action = "status:502", times = 1 })
mark = log_mark()
res, err = luca:change_password { new_password = pecctl.secret("Nuova.Pass2025") }
t.fails("unknown_outcome", "a 5xx after the change is an unknown outcome", res, err)
t.is(err and err.status, 502, "with the status")
t.is(count_requests(mark, "POST", "/account/password"), 1, "the change is not sent again")
t.is(mailbox(LUCA).password, "Nuova.Pass2025", "(the portal did change it)")

reset()
luca = account(LUCA, LUCA_PW)
luca:login {}
admin("POST", "faults", { host = "webmail.infocert.it", method = "POST", path = API .. "/account/password",
	when = "after", action = "drop", times = 1 })
res, err = luca:change_password { new_password = pecctl.secret("Nuova.Pass2025") }
t.fails("unknown_outcome", "a dropped answer after the change is an unknown outcome", res, err)

-- ---- token expiry and rate limits ----
reset()
luca = account(LUCA, LUCA_PW)
luca:login {}
admin("POST", "faults", { host = "webmail.infocert.it", path = API .. "/account", action = "expire_session",
	times = 1 })
mark = log_mark()
res, err = luca:twofa_status {}
t.ok(res, "an expired token is renewed by logging in again " .. why(err))
t.is(count_requests(mark, "POST", "/auth/login"), 1, "with one login")
t.is(count_requests(mark, "GET", "/account"), 2, "and the request repeated once")

admin("POST", "faults", { host = "webmail.infocert.it", method = "PUT", path = API .. "/account/holder",
	action = "expire_session", times = 1 })
res, err = luca:profile_update { indirizzo = "Via Sparano 42" }
t.ok(res and res.changed, "a change survives an expired token too " .. why(err))
t.is(mailbox(LUCA).profile.indirizzo, "Via Sparano 42", "and is made once")

admin("POST", "faults", { host = "webmail.infocert.it", path = API .. "/account", action = "rate_limit:1",
	times = 1 })
mark = log_mark()
local started = os.time()
res, err = luca:twofa_status {}
t.ok(res, "a 429 with a short Retry-After is waited out " .. why(err))
t.is(count_requests(mark, "GET", "/account"), 2, "then the request is repeated")
t.ok(os.time() - started >= 1, "after waiting")

admin("POST", "faults", { host = "webmail.infocert.it", path = API .. "/account", action = "rate_limit:3600",
	times = 1 })
res, err = luca:twofa_status {}
t.fails("rate_limited", "a Retry-After beyond the cap is reported", res, err)
t.like(err and err.message, "%(retry after 3600 s%)$", "saying when to retry")
t.is(err and err.status, 429, "with the status")

admin("POST", "faults", { host = "webmail.infocert.it", path = API .. "/auth/login", action = "status:503",
	times = 1 })
res, err = account(LUCA, LUCA_PW):login {}
t.ok(not res and err and err.status == 503, "a 5xx at login is reported with its status " .. why(err))

-- ---- two-step: status, push approval, deactivation ----
reset()
res, err = luca:twofa_status {}
t.is(res and res.enabled, false, "twofa_status: off " .. why(err))
res, err = luca:twofa_disable {}
t.ok(res and res.changed == false and res.enabled == false, "twofa_disable when off changes nothing")

admin("PATCH", "settings", { auto_approve_ms = 200 })
local francesca = account(FRANCESCA, FRANCESCA_PW)
res, err = francesca:login {}
t.ok(res and res.twofa, "a login approved in the app " .. why(err))
res, err = francesca:twofa_status {}
t.ok(res and res.enabled and has(res.methods, "push"), "twofa_status: on, by push")
mark = log_mark()
res, err = francesca:twofa_disable { dry_run = true }
t.ok(res and res.dry_run and res.would_submit.method == "POST", "twofa_disable dry run " .. why(err))
t.is(count_requests(mark, "POST", "/account/mfa/disable"), 0, "posts nothing")
res, err = francesca:twofa_disable {}
t.ok(res and res.changed and res.enabled == false, "twofa_disable confirmed in the app " .. why(err))
t.is(mailbox(FRANCESCA).mfa.enabled, false, "the portal has two-step off")
res, err = francesca:twofa_disable {}
t.ok(res and res.changed == false, "running it again changes nothing")

-- a push nobody answers: the portal expires it
reset()
admin("PATCH", "settings", { push_timeout_seconds = 1 })
res, err = account(FRANCESCA, FRANCESCA_PW):login {}
t.fails("expired", "an unanswered push expires", res, err)
t.like(err and err.message, "not given in time.*Operazione non autorizzata", "as the portal says")
local attempts = mailbox(FRANCESCA).access_log or {}
t.is(attempts[#attempts] and attempts[#attempts].outcome, "scaduto", "and the portal records the attempt")

-- ---- codes: login by OTP, wrong codes ----
reset()
otp_mode("right")
local anna = account(ANNA, ANNA_PW)
res, err = anna:login {}
t.ok(res and res.twofa, "a login confirmed with the SMS code " .. why(err))
otp_mode("wrong")
local asked = otp_prompts()
res, err = account(ANNA, ANNA_PW):login {}
t.fails("auth", "a wrong code is an auth error", res, err)
t.is(err and err.message, "Codice non valido", "with the portal's message")
t.is(otp_prompts() - asked, 3, "after asking three times")
otp_mode("right")
asked = otp_prompts()
res, err = anna:twofa_disable {}
t.ok(res and res.changed, "two-step turned off with an SMS code " .. why(err))
t.is(otp_prompts() - asked, 1, "asked once")
t.is(mailbox(ANNA).mfa.enabled, false, "the portal has two-step off")

-- ---- recovery contacts ----
reset()
luca = account(LUCA, LUCA_PW)
res, err = luca:contacts_get {}
t.is(res and res.mobile, "+393351234002", "contacts_get: the recovery mobile " .. why(err))
res, err = luca:contacts_update { email = "luca@example.org" }
t.fails("invalid", "a change without the security answer is refused before sending", res, err)
t.is(err and err.field, "answer", "naming the answer")
res, err = luca:contacts_update { email = "luca@example.org", answer = pecctl.secret("Ancona"), dry_run = true }
t.ok(res and res.dry_run, "contacts dry run " .. why(err))
t.is(res and res.would_submit.body.answer, "***", "the answer is shown as ***")
t.is(res and res.would_submit.body.mobile, "+393351234002", "the members not given keep their value")
res, err = luca:contacts_update { email = "not-an-email", answer = pecctl.secret("Ancona") }
t.fails("policy", "an invalid email is refused by the portal", res, err)
t.is(err and err.field, "email", "naming the field")
otp_mode("wrong")
res, err = luca:contacts_update { mobile = "+393351239999", answer = pecctl.secret("Ancona") }
t.fails("auth", "a wrong SMS code leaves the contacts as they were", res, err)
t.is(mailbox(LUCA).recovery.mobile, "+393351234002", "(unchanged)")
otp_mode("right")
res, err = luca:contacts_update { email = "luca@example.org", mobile = "+393351239999",
	question = "Colore preferito", answer = pecctl.secret("Blu") }
t.ok(res and res.changed and res.verified, "contacts changed and verified by SMS " .. why(err))
local recovery = mailbox(LUCA).recovery
t.is(recovery.email .. " " .. recovery.mobile .. " " .. recovery.answer,
	"luca@example.org +393351239999 Blu", "the portal has the new contacts")
res, err = luca:contacts_update { email = "luca@example.org", mobile = "+393351239999" }
t.ok(res and res.changed == false, "the same contacts again change nothing " .. why(err))

-- ---- holder data ----
res, err = luca:profile_get {}
t.is(res and res.codice_fiscale, "MRNLCU90E05A662E", "profile_get: the holder's codice fiscale " .. why(err))
t.is(res and res.tipo, "persona_fisica", "and Aruba's field names")
res, err = luca:profile_update { cap = "12" }
t.fails("policy", "an invalid CAP is refused", res, err)
t.is(err and err.field, "cap", "naming the field")
t.is(err and err.message, "CAP non valido", "with the portal's message")
res, err = luca:profile_update { codice_fiscale = "RSSMRA80A01H501U" }
t.fails("policy", "a new codice fiscale is a change of holder", res, err)
t.like(err and err.message, "cambio titolare", "as the portal says")
res, err = luca:profile_update { citta = "Bari (BA)", dry_run = true }
t.ok(res and res.dry_run and res.would_submit.body.citta == "Bari (BA)", "profile dry run " .. why(err))
t.is(mailbox(LUCA).profile.citta, "Bari", "changes nothing")
res, err = luca:profile_update { indirizzo = "Via Sparano 41", cap = "70121", profile_id = "P9" }
t.ok(res and res.changed, "profile_update " .. why(err))
t.is(res and res.profile.indirizzo, "Via Sparano 41", "returns the holder data")
t.is(mailbox(LUCA).profile.indirizzo, "Via Sparano 41", "the portal has them")
res, err = luca:profile_update { indirizzo = "Via Sparano 41" }
t.ok(res and res.changed == false, "the same data again change nothing")

-- ---- access history, every page ----
reset()
local state = admin("GET", "state")
for _, m in ipairs(state.mailboxes) do
	if m.address == LUCA then
		m.access_log = {}
		for i = 1, 45 do
			m.access_log[i] = { time = 1767225600 + i * 60, ip = "192.0.2." .. i, service = "Legalmail",
				outcome = i % 5 == 0 and "fallito" or "riuscito" }
		end
	end
end
admin("PUT", "state", state)
admin("PATCH", "settings", BASE_SETTINGS)
luca = account(LUCA, LUCA_PW)
res, err = luca:access_history {}
t.is(res and #res.entries, 46, "access_history reads every page (45 + this login) " .. why(err))
t.is(res and res.pages, 3, "three pages of 20")
t.is(res and res.complete, true, "complete")
local e = res and res.entries[2] or {}
t.ok(e.time and e.ip == "192.0.2.45" and e.service == "Legalmail" and e.outcome == "fallito",
	"entries carry time, ip, service, outcome")
res, err = luca:access_history { max_pages = 1 }
t.ok(res and #res.entries == 20 and res.complete == false, "max_pages=1 stops after one page")

-- ---- logout ----
res, err = luca:logout {}
t.is(res and res.logged_out[1], "webmail.infocert.it", "logout ends the session " .. why(err))
mark = log_mark()
res, err = luca:twofa_status {}
t.ok(res, "the next operation logs in again " .. why(err))
t.is(count_requests(mark, "POST", "/auth/login"), 1, "with one login")

t.done()
