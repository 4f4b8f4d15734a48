#!/bin/sh
# pecsim contract: the admin API's faults and variants, every fault kind,
# before and after the request's state change.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sandbox/sim-helpers.sh"
start_pecsim
settings '{"login_rate_per_minute":1000}'
GM=gestionemail.pec.it
MARIO=mario.rossi@pec.it

password_of() {
	admin GET /__sandbox/state | json "[m for m in d['mailboxes'] if m['address']=='$1'][0]['password']"
}
fresh_login() {
	reset_sim
	settings '{"login_rate_per_minute":1000}'
	submit $GM / login /login casella=$MARIO password=MarioRossi.2024
}
change_password() { # change_password NEW [CURL ARGS...] -> $code, $curl_status
	req $GM /cambio-password
	_tok=$(form_token "$body" cambio-password)
	_new=$1; shift
	sim_curl $GM /cambio-password -o "$T/resp.b" -w '%{http_code}' --data-urlencode "_token=$_tok" \
		--data-urlencode password_attuale="$(password_of $MARIO)" --data-urlencode nuova_password="$_new" \
		--data-urlencode ripeti_password="$_new" "$@" >"$T/code" 2>/dev/null
	curl_status=$?
	code=$(cat "$T/code")
}

# --- rule syntax
is "$(admin POST /__sandbox/faults '{"action":"explode"}' | json 'd["error"]')" bad_rule "an unknown action is refused"
is "$(admin POST /__sandbox/faults '{"action":"drop","when":"later"}' | json 'd["error"]')" bad_rule "an unknown when is refused"
is "$(admin POST /__sandbox/faults 'not json' | json 'd["error"]')" bad_request "a body that is not JSON is refused"

# --- status:<code>, before: nothing changes
fresh_login
admin POST /__sandbox/faults '{"host":"gestionemail.pec.it","method":"POST","path":"/cambio-password","action":"status:503","times":1}' >/dev/null
change_password Prima.Prova1
is "$code" 503 "status:503 before: the client gets 503"
is "$(password_of $MARIO)" MarioRossi.2024 "and the password did not change"
change_password Prima.Prova1
is "$code" 303 "times 1: the next request is normal"
is "$(password_of $MARIO)" Prima.Prova1 "and changes the password"

# --- status:<code>, after: the change happened, the answer says otherwise
admin POST /__sandbox/faults '{"method":"POST","path":"/cambio-password","when":"after","action":"status:500","times":1}' >/dev/null
change_password Seconda.Prova2
is "$code" 500 "status:500 after: the client gets 500"
is "$(password_of $MARIO)" Seconda.Prova2 "but the password did change (outcome unknown)"

# --- drop, before and after
admin POST /__sandbox/faults '{"path":"/cambio-password","method":"POST","action":"drop","times":1}' >/dev/null
change_password Terza.Prova3
isnt_zero=$([ "$curl_status" -ne 0 ] && echo yes || echo no)
is "$isnt_zero" yes "drop before: the connection closes without an answer"
is "$(password_of $MARIO)" Seconda.Prova2 "and nothing changed"
admin POST /__sandbox/faults '{"path":"/cambio-password","method":"POST","when":"after","action":"drop","times":1}' >/dev/null
change_password Quarta.Prova4
is "$([ "$curl_status" -ne 0 ] && echo yes || echo no)" yes "drop after: no answer either"
is "$(password_of $MARIO)" Quarta.Prova4 "but the password changed"

# --- delay, before and after
admin POST /__sandbox/faults '{"path":"/titolare","action":"delay:400","times":1}' >/dev/null
t=$(sim_curl $GM /titolare -o /dev/null -w '%{time_total}')
is "$("$PY" -c "print($t >= 0.4)")" True "delay:400 before waits 400 ms"
admin POST /__sandbox/faults '{"path":"/titolare","when":"after","action":"delay:400","times":1}' >/dev/null
t=$(sim_curl $GM /titolare -o /dev/null -w '%{time_total}')
is "$("$PY" -c "print($t >= 0.4)")" True "delay:400 after waits too"
is "$(admin GET /__sandbox/faults)" '[]' "then the delay rules are spent"

# --- rate_limit:<seconds>
admin POST /__sandbox/faults '{"host":"gestionemail.*","path":"/titolare","action":"rate_limit:7","times":1}' >/dev/null
req $GM /titolare
is "$code" 429 "rate_limit:7 answers 429"
like "$headers" 'Retry-After: 7' "with Retry-After: 7"

# --- expire_session, before and after
admin POST /__sandbox/faults '{"path":"/titolare","action":"expire_session","times":1}' >/dev/null
req $GM /titolare
is "$code" 303 "expire_session before: the page sees no session (303)"
is "$location" / "to the login page"
fresh_login
admin POST /__sandbox/faults '{"path":"/titolare","when":"after","action":"expire_session","times":1}' >/dev/null
req $GM /titolare
is "$code" 200 "expire_session after: this answer is normal"
req $GM /titolare
is "$code" 303 "but the session is gone"

# --- matching by host, method and path glob; times N; list and clear
fresh_login
admin POST /__sandbox/faults '{"host":"account.aruba.it","action":"status:502"}' >/dev/null
req $GM /titolare
is "$code" 200 "a rule for another host does not apply"
req account.aruba.it /pec
is "$code" 502 "it applies to its host"
admin POST /__sandbox/faults '{"host":"gestionemail.pec.it","method":"GET","path":"/acc*","action":"status:504","times":2}' >/dev/null
req $GM /accessi
is "$code" 504 "path glob /acc* matches /accessi (1)"
req $GM /accessi
is "$code" 504 "times 2 (2)"
req $GM /accessi
is "$code" 200 "and then the rule is spent"
is "$(admin GET /__sandbox/faults | json '[f["action"] for f in d]')" '["status:502"]' "GET lists the rules still active"
admin DELETE /__sandbox/faults >/dev/null
req account.aruba.it /pec
is "$code" 200 "DELETE clears the faults"
admin POST /__sandbox/faults '[{"path":"/a","action":"drop"},{"path":"/b","action":"delay:1"}]' >/dev/null
is "$(admin GET /__sandbox/faults | json 'len(d)')" 2 "an array adds several rules"
admin DELETE /__sandbox/faults >/dev/null
is "$(admin GET /__sandbox/state | json 'd["mailboxes"][0]["address"]')" "$MARIO" "the admin API is never faulted"

# --- variants: a portal that renamed a field
fresh_login
admin POST /__sandbox/variants '{"host":"gestionemail.pec.it","path":"/cambio-password","rename_field":{"from":"nuova_password","to":"new_password"}}' >/dev/null
req $GM /cambio-password
like "$body" 'name="new_password"' "rename_field: the form shows the new name"
unlike "$body" 'name="nuova_password"' "and not the old one"
tok=$(form_token "$body" cambio-password)
post_form $GM /cambio-password "$tok" password_attuale=MarioRossi.2024 nuova_password=Rinom.Pass1 ripeti_password=Rinom.Pass1
is "$code" 200 "the old field name is no longer understood"
req $GM /cambio-password
post_form $GM /cambio-password "$(form_token "$body" cambio-password)" password_attuale=MarioRossi.2024 new_password=Rinom.Pass1 ripeti_password=Rinom.Pass1
is "$code" 303 "the new name works"
is "$(password_of $MARIO)" Rinom.Pass1 "and changes the password"
admin POST /__sandbox/variants '{"host":"*","path":"/cambio-password","replace_text":{"from":"Cambia Password","to":"Aggiorna password"}}' >/dev/null
req $GM /cambio-password
like "$body" 'Aggiorna password' "replace_text rewrites the page"
is "$(admin GET /__sandbox/variants | json 'len(d)')" 2 "GET lists the variants"
admin DELETE /__sandbox/variants >/dev/null
req $GM /cambio-password
like "$body" '>Cambia Password<' "DELETE restores the portal's text"
like "$body" 'name="nuova_password"' "with its field names"

# --- variants on JSON: a renamed key
admin POST /__sandbox/variants '{"host":"webmail.pec.it","path":"/smart/api/login","rename_field":{"from":"casella","to":"username"}}' >/dev/null
jreq webmail.pec.it POST /smart/api/login '{"casella":"mario.rossi@pec.it","password":"Rinom.Pass1"}'
is "$(printf '%s' "$body" | json 'd["ok"]')" false "JSON: the old key is ignored"
jreq webmail.pec.it POST /smart/api/login '{"username":"mario.rossi@pec.it","password":"Rinom.Pass1"}'
is "$(printf '%s' "$body" | json 'd["ok"]')" true "JSON: the new key works"

stop_pecsim
done_testing
