#!/bin/sh
# pecsim contract: InfoCert Legalmail, the JSON API under /legalmail/api/v1.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sandbox/sim-helpers.sh"
start_pecsim
settings '{"login_rate_per_minute":1000}'
LM=webmail.infocert.it
API=/legalmail/api/v1
LUCA=luca.marini@legalmail.it
LUCA_PW=Marini.Studio7

# api METHOD ROUTE [JSON]: a call with the current bearer token ($TOKEN).
api() {
	_m=$1; _r=$2; shift 2
	if [ $# -ge 1 ]; then
		jreq $LM "$_m" "$API$_r" "$1" -H "Authorization: Bearer ${TOKEN:-none}"
	else
		req $LM "$API$_r" -X "$_m" -H "Authorization: Bearer ${TOKEN:-none}"
	fi
}
field() { printf '%s' "$body" | json "$1"; }

req $LM /legalmail/
is "$code" 200 "the webmail shell"

# --- login without MFA, by user id or by address
jreq $LM POST $API/auth/login "{\"username\":\"M3456789\",\"password\":\"nope\"}"
is "$code" 401 "wrong password: 401"
is "$body" '{"error":"invalid_credentials","message":"Credenziali non valide"}' "error shape {error,message}"
jreq $LM POST $API/auth/login "{\"username\":\"M3456789\",\"password\":\"$LUCA_PW\"}"
is "$code" 200 "login by user id"
TOKEN=$(field 'd["token"]')
like "$TOKEN" '^[0-9a-f]{64}$' "a bearer token"
is "$(field 'd["expires_in"]')" 1800 "expires_in is the 30-minute idle expiry"
jreq $LM POST $API/auth/login "{\"username\":\"$LUCA\",\"password\":\"$LUCA_PW\"}"
is "$code" 200 "login by address"
OTHER=$(field 'd["token"]')

api GET /account
is "$code" 200 "GET /account"
is "$(field '[d["userid"], d["address"], d["mfa"]["enabled"], d["recovery"]["mobile"]]')" \
	'["M3456789", "luca.marini@legalmail.it", false, "+393351234002"]' "account: userid, address, mfa, recovery"
is "$(field '"answer" in d["recovery"]')" false "the recovery answer is never returned"
TOKEN=bogus api GET /account
is "$code" 401 "a bad token: 401"

# --- password policy: 422 with violations named by rule
pw_rules() { # pw_rules NEW -> the violated rules, comma-separated
	api POST /account/password "{\"current\":\"$LUCA_PW\",\"new\":\"$1\"}"
	[ "$code" = 422 ] || { echo "status $code"; return; }
	field '",".join(v["rule"] for v in d["violations"])'
}
is "$(pw_rules 'Ab1')" length "too short: length"
is "$(pw_rules 'Abcdefgh1Abcdefgh1Abcdefgh1Abcdefgh1')" length "too long: length"
is "$(pw_rules 'abcdefg1')" uppercase "no upper-case letter"
is "$(pw_rules 'ABCDEFG1')" lowercase "no lower-case letter"
is "$(pw_rules 'Abcdefgh')" digit "no digit"
is "$(pw_rules 'Abcdefg1~')" special_chars "~ is not an allowed special"
is "$(pw_rules 'Abcdéfg1')" special_chars "accented letters are not allowed"
is "$(pw_rules 'Xm3456789y')" contains_userid "must not contain the user id"
is "$(pw_rules 'Luca.Marini9')" contains_local_part "must not contain the address's local part"
is "$(pw_rules "$LUCA_PW")" history "must not be the one in use"
api POST /account/password "{\"current\":\"$LUCA_PW\",\"new\":\"ab\"}"
is "$(field 'd["error"]')" password_policy "error code password_policy"
is "$(field '",".join(v["rule"] for v in d["violations"])')" length,uppercase,digit "several rules at once"
api POST /account/password '{"current":"wrong","new":"Valid.Pass1"}'
is "$code" 403 "a wrong current password: 403"
is "$(field 'd["message"]')" 'La password attuale non è corretta' "with La password attuale non è corretta"

api POST /account/password "{\"current\":\"$LUCA_PW\",\"new\":\"Nuova!Pass1\"}"
is "$code" 204 "a valid change: 204"
TOKEN=$OTHER api GET /account
is "$code" 401 "the other session of the mailbox ended"
api GET /account
is "$code" 200 "the session that changed it lives on"
for p in Nuova!Pass2 Nuova!Pass3 Nuova!Pass4 Nuova!Pass5; do
	cur=$(admin GET /__sandbox/state | json "[m for m in d['mailboxes'] if m['address']=='$LUCA'][0]['password']")
	api POST /account/password "{\"current\":\"$cur\",\"new\":\"$p\"}"
done
is "$(pw_rules_cur() { api POST /account/password "{\"current\":\"Nuova!Pass5\",\"new\":\"Nuova!Pass1\"}"; field '",".join(v["rule"] for v in d["violations"])'; }; pw_rules_cur)" history "none of the last 5"
api POST /account/password '{"current":"Nuova!Pass5","new":"Marini.Studio7"}'
is "$code" 204 "the sixth-last password is allowed again"
is "$(admin POST /__sandbox/check-mail-login "{\"address\":\"$LUCA\",\"password\":\"Marini.Studio7\"}" | json 'd["ok"]')" true "mail login follows the password"

# --- recovery data: SMS code to the new mobile
api PUT /account/recovery '{"email":"bad","mobile":"12","question":"","answer":"x"}'
is "$code" 422 "invalid recovery data: 422"
is "$(field '",".join(v["field"] for v in d["violations"])')" question,email,mobile "violations name the fields"
api PUT /account/recovery '{"email":"luca@example.org","mobile":"+393209876543","question":"Colore preferito","answer":"Blu"}'
is "$code" 202 "recovery update: 202"
ver=$(field 'd["verification"]')
like "$ver" '^[0-9a-f]+$' "with a verification id"
otp=$(last_code +393209876543)
like "$otp" '^[0-9]{6}$' "an SMS code to the new mobile"
api POST /account/recovery/verify "{\"verification\":\"$ver\",\"otp\":\"000000\"}"
is "$code" 422 "wrong OTP: 422"
is "$(field 'd["message"]')" 'Codice non valido' "Codice non valido"
api POST /account/recovery/verify "{\"verification\":\"$ver\",\"otp\":\"$otp\"}"
is "$code" 204 "right OTP: 204"
api GET /account
is "$(field 'd["recovery"]')" '{"email": "luca@example.org", "mobile": "+393209876543", "question": "Colore preferito"}' "recovery updated"

# --- holder data
api GET /account/holder
is "$(field 'd["codice_fiscale"]')" MRNLCU90E05A662E "GET holder"
api PUT /account/holder '{"codice_fiscale":"MRNLCU90E05A662F"}'
is "$code" 422 "a wrong check character: 422"
is "$(field 'd["violations"][0]')" '{"field": "codice_fiscale", "message": "Codice fiscale non valido"}' "violation names the field"
api PUT /account/holder '{"codice_fiscale":"RSSMRA80A01H501U"}'
is "$code" 409 "a different codice fiscale: 409"
is "$(field 'd["message"]')" 'Per cambiare il titolare della casella segui la procedura di cambio titolare' "change of holder refused"
api PUT /account/holder '{"partita_iva":"12345678901"}'
is "$(field 'd["violations"][0]["field"]')" partita_iva "a wrong partita IVA check digit"
api PUT /account/holder '{"indirizzo":"Via Argiro 1","cap":"70122","partita_iva":"09998887773"}'
is "$code" 200 "a valid holder update"
is "$(field '[d["indirizzo"], d["partita_iva"], d["citta"]]')" '["Via Argiro 1", "09998887773", "Bari"]' "fields changed, the rest kept"

# --- access log, 20 a page
for i in $(seq 1 22); do jreq $LM POST $API/auth/login '{"username":"M3456789","password":"x"}' >/dev/null; \
	[ $((i % 4)) = 0 ] && jreq $LM POST $API/auth/login '{"username":"M3456789","password":"Marini.Studio7"}'; done
api GET /account/access-log
is "$(field 'len(d["items"])')" 20 "first page: 20 entries"
is "$(field 'd["next"]')" "$API/account/access-log?page=2" "next page link"
is "$(field 'sorted(d["items"][0].keys())')" '["ip", "outcome", "service", "time"]' "entries have time, ip, service, outcome"
api GET '/account/access-log?page=2'
is "$(field 'd["page"]')" 2 "page 2"
like "$(field 'd["total"]')" '^[0-9]+$' "total count"

# --- MFA push
jreq $LM POST $API/auth/login '{"username":"francesca.neri@legalmail.it","password":"Pec!Sicura2024"}'
is "$(field '[d["mfa_required"], d["methods"]]')" '[true, ["push"]]' "MFA push: mfa_required with methods"
ch=$(field 'd["challenge"]')
req $LM $API/auth/mfa/$ch
is "$body" '{"status":"pending"}' "poll: pending"
jreq $LM POST $API/auth/mfa/$ch '{}'
is "$code" 409 "finishing while pending: 409"
admin POST /__sandbox/push/$ch/approve >/dev/null
req $LM $API/auth/mfa/$ch
is "$body" '{"status":"approved"}' "poll: approved"
jreq $LM POST $API/auth/mfa/$ch '{}'
is "$code" 200 "POST after approval gives the token"
FTOKEN=$(field 'd["token"]')
jreq $LM POST $API/auth/login '{"username":"M1234567","password":"Pec!Sicura2024"}'
ch=$(field 'd["challenge"]')
admin POST /__sandbox/push/$ch/deny >/dev/null
req $LM $API/auth/mfa/$ch
is "$body" '{"status":"denied"}' "poll: denied"
jreq $LM POST $API/auth/mfa/$ch '{}'
is "$code" 403 "denied: 403"

# --- MFA OTP (SMS to the recovery mobile)
jreq $LM POST $API/auth/login '{"username":"M2345678","password":"Colombo_Lm2024"}'
is "$(field 'd["methods"]')" '["otp"]' "MFA otp"
ch=$(field 'd["challenge"]')
is "$(admin GET /__sandbox/push | json 'len(d)')" 0 "an OTP challenge sends no push"
otp=$(last_code +393351234001)
jreq $LM POST $API/auth/mfa/$ch '{"otp":"123"}'
is "$code" 422 "wrong OTP: 422"
jreq $LM POST $API/auth/mfa/$ch "{\"otp\":\"$otp\"}"
is "$code" 200 "right OTP: token"
ATOKEN=$(field 'd["token"]')

# --- MFA disable, confirmed like a login
TOKEN=$FTOKEN api POST /account/mfa/disable
is "$code" 202 "disable MFA: 202"
ch=$(field 'd["challenge"]')
admin POST /__sandbox/push/$ch/approve >/dev/null
TOKEN=$FTOKEN api POST /auth/mfa/$ch '{}'
is "$code" 200 "approved: MFA disabled"
TOKEN=$FTOKEN api GET /account
is "$(field 'd["mfa"]["enabled"]')" false "account shows MFA off"
TOKEN=$FTOKEN api POST /account/mfa/disable
is "$code" 409 "disabling again: 409"
TOKEN=$ATOKEN api POST /account/mfa/disable
ch=$(field 'd["challenge"]')
TOKEN=$ATOKEN api POST /auth/mfa/$ch "{\"otp\":\"$(last_code +393351234001)\"}"
is "$code" 200 "OTP-confirmed MFA disable"

# --- idle expiry: 401
settings '{"legalmail_idle_expiry_seconds":1}'
sleep 1.2
TOKEN=$ATOKEN api GET /account
is "$code" 401 "an idle token: 401"
is "$(field 'd["error"]')" session_expired "error session_expired"

# --- lockout, and the rate limit as 429
reset_sim
for i in 1 2 3 4 5; do jreq $LM POST $API/auth/login '{"username":"M3456789","password":"x"}'; done
is "$code" 403 "locked after 5 failures: 403"
is "$(field 'd["message"]')" 'Accesso temporaneamente bloccato per troppi tentativi errati' "with the lockout message"
settings '{"login_rate_per_minute":1}'
jreq $LM POST $API/auth/login '{"username":"M3456789","password":"x"}'
is "$code" 429 "rate limit: 429"
is "$(field 'd["error"]')" rate_limited "error rate_limited"
like "$headers" 'Retry-After: [0-9]+' "with Retry-After"

# --- the contract's "twofa" flag works for Legalmail too (push by default)
admin PUT /__sandbox/state '{"mailboxes":[{"address":"nuova@legalmail.it","provider":"infocert","userid":"M9999999","password":"Nuova!Casella1","twofa":true}]}' >/dev/null
jreq $LM POST $API/auth/login '{"username":"M9999999","password":"Nuova!Casella1"}'
is "$(field '[d["mfa_required"], d["methods"]]')" '[true, ["push"]]' "twofa:true without an mfa object: MFA by push"

stop_pecsim
done_testing
