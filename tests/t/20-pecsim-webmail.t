#!/bin/sh
# pecsim contract: webmail.pec.it (Webmail PEC Smart), a JSON application.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sandbox/sim-helpers.sh"
start_pecsim
WM=webmail.pec.it
MARIO=mario.rossi@pec.it
MARIO_PW=MarioRossi.2024
LAURA=studio.bianchi@pec.it
LAURA_PW=Bianchi-Studio.75

req $WM /smart/
is "$code" 200 "the application shell"
like "$body" 'id="app"' "shell has the app element"

req $WM /smart/api/cartelle
is "$code" 401 "API without a session: 401"

jreq $WM POST /smart/api/login "{\"casella\":\"$MARIO\",\"password\":\"sbagliata\"}"
is "$body" '{"ok":false,"errore":"Credenziali non valide"}' "wrong password: Credenziali non valide"

jreq $WM POST /smart/api/login "{\"casella\":\"$MARIO\",\"password\":\"$MARIO_PW\"}"
is "$body" '{"ok":true}' "right password: ok"
like "$headers" 'Set-Cookie: WMSESS=[0-9a-f]+; Path=/; HttpOnly; Secure; SameSite=Lax' "and the WMSESS cookie"

req $WM /smart/api/cartelle
is "$code" 200 "cartelle with a session"
is "$(printf '%s' "$body" | json 'd["cartelle"][0]["id"]')" INBOX "INBOX listed first"
req $WM '/smart/api/messaggi?cartella=INBOX&pagina=1'
is "$(printf '%s' "$body" | json 'len(d["messaggi"])')" 3 "a small list of messages"
req $WM /smart/api/impostazioni
like "$(printf '%s' "$body" | json 'd["account"]["sicurezza_e_password"]')" '^https://account\.aruba\.it/pec/sso\?ticket=' "impostazioni: the link to Gestione account"

# --- expiry: 401 on the API
settings '{"idle_expiry_seconds":1}'
sleep 1.2
req $WM /smart/api/cartelle
is "$code" 401 "an idle session answers 401 on the JSON API"
settings '{"idle_expiry_seconds":900}'

# --- two-step: push, poll, approve, POST
jreq $WM POST /smart/api/login "{\"casella\":\"$LAURA\",\"password\":\"$LAURA_PW\"}"
is "$(printf '%s' "$body" | json 'd["verifica"]')" push "two-step on: verifica push"
poll=$(printf '%s' "$body" | json 'd["poll"]')
like "$poll" '^/smart/api/login/verifica/[0-9a-f]+$' "with a poll URL"
req $WM "$poll"
is "$body" '{"stato":"in_attesa"}' "poll: in_attesa"
jreq $WM POST "$poll"
is "$code" 409 "finishing too early: 409"
admin POST "/__sandbox/push/${poll##*/}/approve" >/dev/null
req $WM "$poll"
is "$body" '{"stato":"autorizzato"}' "poll: autorizzato"
jreq $WM POST "$poll"
is "$body" '{"ok":true}' "POST after approval: ok"
like "$headers" 'Set-Cookie: WMSESS=' "and a session cookie"
jreq $WM POST "$poll"
is "$code" 403 "an approval is used once"

jreq $WM POST /smart/api/login "{\"casella\":\"$LAURA\",\"password\":\"$LAURA_PW\"}"
poll=$(printf '%s' "$body" | json 'd["poll"]')
admin POST "/__sandbox/push/${poll##*/}/deny" >/dev/null
req $WM "$poll"
is "$body" '{"stato":"negato"}' "poll: negato"
jreq $WM POST "$poll"
is "$(printf '%s' "$body" | json 'd["errore"]')" 'Operazione non autorizzata' "denied: Operazione non autorizzata"

settings '{"push_timeout_seconds":1}'
jreq $WM POST /smart/api/login "{\"casella\":\"$LAURA\",\"password\":\"$LAURA_PW\"}"
poll=$(printf '%s' "$body" | json 'd["poll"]')
sleep 1.3
req $WM "$poll"
is "$body" '{"stato":"scaduto"}' "poll: scaduto after the push timeout"

# auto_approve_ms approves by itself
settings '{"push_timeout_seconds":120,"auto_approve_ms":0}'
jreq $WM POST /smart/api/login "{\"casella\":\"$LAURA\",\"password\":\"$LAURA_PW\"}"
poll=$(printf '%s' "$body" | json 'd["poll"]')
req $WM "$poll"
is "$body" '{"stato":"autorizzato"}' "auto_approve_ms approves without the admin"

# --- lockout applies to the JSON login too
reset_sim
for i in 1 2 3 4 5; do
	jreq $WM POST /smart/api/login "{\"casella\":\"$MARIO\",\"password\":\"no$i\"}"
done
is "$(printf '%s' "$body" | json 'd["errore"]')" 'Accesso temporaneamente bloccato per troppi tentativi errati' "five failures lock the mailbox"
submit gestionemail.pec.it / login /login casella=$MARIO password=$MARIO_PW
like "$body" 'Accesso temporaneamente bloccato' "the lock holds on every host"

# --- rate limit on the JSON login
reset_sim
settings '{"login_rate_per_minute":2}'
for i in 1 2 3; do
	jreq $WM POST /smart/api/login '{"casella":"x@pec.it","password":"x"}'
done
is "$code" 429 "too many login POSTs: 429"
like "$headers" 'Retry-After: [0-9]+' "with Retry-After"

stop_pecsim
done_testing
