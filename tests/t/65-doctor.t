#!/bin/sh
# pecctl doctor: every page and API a plugin depends on, fetched and checked
# against what the operations look for, without changing anything.
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || skip_all "$PECCTL_BIN is not built"
[ -x "$PECSIM_BIN" ] || skip_all "$PECSIM_BIN is not built"
[ -f "$BUILD/plugins/aruba.so" ] || skip_all "the aruba plugin is not built"
[ -f "$BUILD/plugins/infocert.so" ] || skip_all "the infocert plugin is not built"

plan 38
start_pecsim
export MARIO_PW=MarioRossi.2024 LUCA_PW=Marini.Studio7
MARIO=mario.rossi@pec.it
LUCA=luca.marini@legalmail.it

# The state without what every login writes (the access log, the lockout
# counter and its end): what doctor must leave as it found it.
state_sans_logins() {
	admin GET /__sandbox/state | python3 -c '
import json, sys
s = json.load(sys.stdin)
for m in s.get("mailboxes", []) + s.get("accounts", []):
    for k in ("access_log", "failed_logins", "locked_until"): m.pop(k, None)
print(json.dumps(s, sort_keys=True))'
}

# --- usage ---
run_pecctl doctor -h
is "$status" 0 "doctor -h exits 0"
like "$out" '^usage: pecctl doctor \[--provider NAME\] \[--account ADDR \[--secret REF\]\] \[--json\]' \
	"and prints the usage"
run_pecctl doctor --secret env:MARIO_PW
is "$status" 64 "--secret without --account is a usage error"

# --- without an account: the login pages only ---
run_sim --provider aruba doctor
is "$status" 0 "aruba without an account: all green (exit 0)"
like "$out" 'OK +/pec +form#login field casella' "the login forms are checked"
like "$out" 'SKIP +/cambio-password +password change: needs --account' \
	"pages behind the login are skipped: needs --account"
like "$out" '0 failed' "and the summary counts no failure"

# --- with test accounts: everything, nothing changed ---
before=$(state_sans_logins)
mark=$(sim_log_mark)
run_sim doctor --account $MARIO --secret env:MARIO_PW
is "$status" 0 "aruba with $MARIO: all green (exit 0)"
like "$out" '^gestionemail\.pec\.it$' "checks are grouped by site"
like "$out" 'OK +/cambio-password +form#cambio-password field nuova_password' \
	"a field of the password form is checked"
like "$out" 'OK +/cambio-password +message "La nuova password deve avere una lunghezza"' \
	"a known message is found in the rules text"
like "$out" 'OK +/smart/api/impostazioni +json account\.sicurezza_e_password' \
	"the webmail's JSON settings are checked"
like "$out" 'OK +/profilo/modifica +form#profilo field codice_fiscale' \
	"a page reached by a link is checked"
like "$out" '[0-9]+ checks: [0-9]+ ok, 0 failed, [0-9]+ skipped' "one summary line"
unlike "$out$err" 'MarioRossi' "the password shows nowhere"
requests=$(sim_requests_since "$mark")
like "$requests" '^POST /pec/login$' "(the logins were among them)"

run_sim doctor --account $LUCA --secret env:LUCA_PW
is "$status" 0 "infocert with $LUCA: all green (exit 0)"
like "$out" 'OK +/legalmail/api/v1/account +json mfa\.enabled' "the account JSON is checked"
like "$out" 'OK +/legalmail/api/v1/account/holder +json codice_fiscale' "and the holder JSON"
like "$out" 'SKIP +/legalmail/api/v1/account/password +POST' \
	"state-changing requests are named as not made"
requests=$(sim_requests_since "$mark")
is "$(printf '%s\n' "$requests" | grep -v '^GET ' | grep -Ev '^POST (/pec)?/login$|^POST /smart/api/login$|^POST /legalmail/api/v1/auth/login$')" "" \
	"after both providers: every request was a GET or a login POST"
is "$(state_sans_logins)" "$before" "the emulator's state is as it was (logins aside)"

# --- a renamed field ---
admin POST /__sandbox/variants '{"host":"gestionemail.pec.it","path":"/cambio-password",
	"rename_field":{"from":"nuova_password","to":"new_password"}}' >/dev/null
run_sim doctor --account $MARIO --secret env:MARIO_PW
is "$status" 76 "a renamed field: exit 76 (the portal changed)"
like "$out" 'FAIL +/cambio-password +form#cambio-password field nuova_password: no field "nuova_password"' \
	"names the page, the form and the field"
like "$out" 'its fields: .*new_password' "and shows the field the form has now"
like "$out" ' 1 failed' "nothing else is reported broken"
like "$out" 'the portal changed' "the summary says the portal changed"
like "$out" 'OK +/pec/password +form#cambio-password field nuova_password' \
	"the other site's password form still matches"
run_sim doctor --account $MARIO --secret env:MARIO_PW --json
is "$status" 76 "--json: exit 76 too"
is "$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
bad = [c for p in d["providers"] for c in p["checks"] if not c["ok"]]
print(";".join("%s %s %s" % (c["site"], c["page"], c["what"]) for c in bad))')" \
	"gestionemail.pec.it /cambio-password form#cambio-password field nuova_password" \
	"--json names exactly the site, the page and the field"

# --- a rewritten message ---
admin DELETE /__sandbox/variants >/dev/null
admin POST /__sandbox/variants '{"host":"gestionemail.pec.it","path":"/cambio-password",
	"replace_text":{"from":"La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri",
	"to":"La password deve essere lunga da 8 a 20 caratteri"}}' >/dev/null
run_sim doctor --account $MARIO --secret env:MARIO_PW
is "$status" 76 "a rewritten message: exit 76"
like "$out" 'FAIL +/cambio-password +message "La nuova password deve avere una lunghezza": no longer on the page' \
	"the message the portal rewrote is named, with its page"
like "$out" 'FAIL +/cambio-password +text "La nuova password deve avere' "and so is the rules text"
admin DELETE /__sandbox/variants >/dev/null

# --- the same for the JSON API: a renamed member ---
admin POST /__sandbox/variants '{"host":"webmail.infocert.it","path":"/legalmail/api/v1/account/holder",
	"rename_field":{"from":"codice_fiscale","to":"cf"}}' >/dev/null
run_sim doctor --account $LUCA --secret env:LUCA_PW
is "$status" 76 "a renamed JSON member: exit 76"
like "$out" 'FAIL +/legalmail/api/v1/account/holder +json codice_fiscale' "names the member and the API path"
admin DELETE /__sandbox/variants >/dev/null

# --- a wrong password is not a portal change ---
export WRONG=Sbagliata.123
run_sim doctor --account $LUCA --secret env:WRONG
is "$status" 77 "a refused login: exit 77, not 76"

# --- a provider without a doctor operation ---
mkdir -m 700 "$T/hello"
cc -shared -fPIC -I"$TOP/core/include" $(pkg-config --cflags libcjson) \
	-o "$T/hello/hello.so" "$TOP/examples/plugin-hello/hello.c" 2>"$T/cc.log"
run_pecctl --plugin-path "$T/hello" doctor
is "$status" 69 "a provider without a doctor operation: exit 69"
like "$err" 'has no doctor operation' "said clearly"
