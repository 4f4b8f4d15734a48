#!/bin/sh
# pecsim contract: the command line, TLS, routing by Host, robustness
# against malformed input, keep-alive, and the admin state/log/outbox API.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sandbox/sim-helpers.sh"

# --- command line
"$PECSIM_BIN" --help >"$T/out" 2>&1
is "$?" 0 "--help exits 0"
like "$(cat "$T/out")" 'usage: pecsim --listen' "--help prints the usage"
"$PECSIM_BIN" --listen 127.0.0.1:0 >"$T/out" 2>&1
is "$?" 2 "missing options: exit 2"
printf '{"mailboxes": 3}' >"$T/bad.json"
"$PECSIM_BIN" --listen 127.0.0.1:0 --state "$T/bad.json" --tls-dir "$T/tls0" >"$T/out" 2>&1
is "$?" 1 "a bad state file: exit 1"
like "$(cat "$T/out")" 'mailboxes' "naming what is wrong"

start_pecsim

# --- TLS material
for f in ca.pem server.pem server-key.pem; do
	[ -s "$T/tls/$f" ]; ok $? "the TLS dir now holds $f"
done
cert=$(openssl x509 -in "$T/tls/server.pem" -noout -text)
for name in gestionemail.pec.it account.aruba.it webmail.pec.it areaclienti.pec.it webmail.infocert.it localhost; do
	like "$cert" "DNS:$name" "the certificate names $name"
done
like "$cert" 'IP Address:127\.0\.0\.1' "and 127.0.0.1"
like "$cert" 'prime256v1|P-256' "with an EC P-256 key"
openssl verify -CAfile "$T/tls/ca.pem" "$T/tls/server.pem" >/dev/null 2>&1
ok $? "signed by the sandbox CA"

# --- routing by Host
req gestionemail.pec.it /
is "$code" 200 "a known host answers"
code=$(curl -sS --cacert "$SIM_CA" -o /dev/null -w '%{http_code}' --connect-to "www.example.it:443:$SIM" -k https://www.example.it/)
is "$code" 421 "an unknown host: 421"
code=$(curl -sS --cacert "$SIM_CA" -o /dev/null -w '%{http_code}' "https://localhost:$SIM_PORT/")
is "$code" 421 "localhost is no portal either"
code=$(curl -sS --cacert "$SIM_CA" -o /dev/null -w '%{http_code}' "https://localhost:$SIM_PORT/__sandbox/state")
is "$code" 200 "but the admin API answers on any host"

# --- malformed input never crashes it
req gestionemail.pec.it /no/such/page
is "$code" 404 "an unknown path: 404"
req webmail.infocert.it /legalmail/api/v1/auth/login -H 'Content-Type: application/json' --data-binary '{"username":'
is "$code" 400 "malformed JSON: 400"
head -c 400000 /dev/zero | tr '\0' a >"$T/big"
req webmail.pec.it /smart/api/login -H 'Content-Type: application/json' --data-binary @"$T/big"
is "$code" 413 "an oversized body: 413"
printf 'casella=\377\376%%ZZ&password=\300\200&&=&_token' >"$T/latin1"
req gestionemail.pec.it /login -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$T/latin1"
is "$code" 403 "non-UTF-8 form without a valid token: 403"
req gestionemail.pec.it /
post_form gestionemail.pec.it /login "$(form_token "$body" login)" "casella=$(printf '\377<script>')" password=x
is "$code" 200 "non-UTF-8 login: an ordinary failure"
unlike "$body" '<script>' "input is HTML-escaped"
req gestionemail.pec.it "/%FF%FE/../x"
is "$code" 404 "a non-UTF-8 path: 404"
curl -s -o /dev/null --max-time 3 "http://127.0.0.1:$SIM_PORT/" 2>/dev/null
printf 'GARBAGE\r\n\r\n' | curl -s -o /dev/null --max-time 3 -T - "http://127.0.0.1:$SIM_PORT/x" 2>/dev/null
req gestionemail.pec.it /
is "$code" 200 "plain HTTP and garbage on the TLS port leave it running"

# --- keep-alive: one connection for several requests
admin DELETE /__sandbox/log >/dev/null
sim_curl gestionemail.pec.it / -o /dev/null -o /dev/null "https://gestionemail.pec.it/password-dimenticata"
conns=$(admin GET /__sandbox/log | json 'sorted(set(e["conn"] for e in d if e["host"]=="gestionemail.pec.it" and e["path"] != "/__sandbox/log"))')
is "$(printf '%s' "$conns" | json 'len(d)')" 1 "two requests on one curl run share one connection"
sim_curl gestionemail.pec.it / -o /dev/null
conns=$(admin GET /__sandbox/log | json 'len(set(e["conn"] for e in d if e["path"] in ("/", "/password-dimenticata")))')
is "$conns" 2 "a second curl run is a second connection"
is "$(admin GET /__sandbox/log | json 'sorted(d[0].keys())')" '["conn", "host", "ip", "method", "path", "seq", "status", "time", "time_ms"]' "log entries: time, host, method, path, status, conn"
is "$(admin GET /__sandbox/log | json '[e["status"] for e in d if e["path"] == "/password-dimenticata"][0]')" 200 "with the status"
like "$(cat "$T/pecsim.log")" 'conn=[0-9]+ 127\.0\.0\.1 gestionemail\.pec\.it GET / -> 200' "one line per request on stderr"

# --- admin: state, reset, settings, outbox
state=$(admin GET /__sandbox/state)
is "$(printf '%s' "$state" | json 'sorted(d["settings"].keys())')" \
	'["app_password_months", "code_max_tries", "code_validity_seconds", "idle_expiry_seconds", "legalmail_idle_expiry_seconds", "lockout_seconds", "lockout_threshold", "login_rate_per_minute", "push_timeout_seconds", "sso_ticket_seconds"]' \
	"settings are all in the state"
is "$(printf '%s' "$state" | json '[d["settings"]["lockout_threshold"], d["settings"]["login_rate_per_minute"], d["settings"]["push_timeout_seconds"]]')" \
	'[5, 20, 120]' "the demo state keeps the contract's defaults"
is "$(admin PUT /__sandbox/state '{"settings":{}}' | json 'd["error"]')" bad_state "a state without mailboxes is refused"
is "$(admin PUT /__sandbox/state '{"mailboxes":[{"address":"nuova@pec.it","provider":"aruba","password":"Nuova.Casella1","twofa":false}]}' | json 'd["ok"]')" true "PUT replaces the state"
submit gestionemail.pec.it / login /login casella=nuova@pec.it password=Nuova.Casella1
is "$location" /titolare "a mailbox from the new state logs in"
rm -f "$T"/cookies.*
submit gestionemail.pec.it / login /login casella=mario.rossi@pec.it password=MarioRossi.2024
like "$body" 'Credenziali non valide' "the old mailboxes are gone"
admin POST /__sandbox/reset >/dev/null
submit gestionemail.pec.it / login /login casella=mario.rossi@pec.it password=MarioRossi.2024
is "$location" /titolare "reset brings back the state file as loaded"
is "$(admin PATCH /__sandbox/settings '{"lockout_threshold":2}' | json 'd["lockout_threshold"]')" 2 "PATCH /__sandbox/settings merges"
is "$(admin GET /__sandbox/outbox | json 'd')" '[]' "the outbox starts empty"
is "$(admin GET /__sandbox/push | json 'd')" '[]' "no pending pushes"
is "$(admin GET /__sandbox/nothing | json 'd["error"]')" not_found "an unknown admin endpoint: 404"

stop_pecsim
done_testing
