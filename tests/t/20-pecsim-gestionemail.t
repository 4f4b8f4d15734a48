#!/bin/sh
# pecsim contract: gestionemail.pec.it (GestioneMail) and what every HTML
# portal shares: _token, post/redirect/get, lockout, rate limit, expiry.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sandbox/sim-helpers.sh"
start_pecsim
GM=gestionemail.pec.it
MARIO=mario.rossi@pec.it
MARIO_PW=MarioRossi.2024

login_gm() { # login_gm ADDRESS PASSWORD
	submit $GM / login /login "casella=$1" "password=$2"
}

# --- login page and login
req $GM /
is "$code" 200 "login page answers 200"
like "$body" '<form id="login"[^>]*action="/login"' "login form #login posts to /login"
like "$body" 'name="casella"' "login form has casella"
like "$body" 'Password dimenticata\?' "login page links Password dimenticata?"
like "$headers" 'Set-Cookie: GMSESSID=[0-9a-f]+; Path=/; HttpOnly; Secure; SameSite=Lax' "session cookie is HttpOnly, Secure, SameSite=Lax"

login_gm $MARIO wrong-password
is "$code" 200 "wrong credentials re-render the form"
like "$body" '<div class="alert alert-danger">Credenziali non valide</div>' "wrong credentials: Credenziali non valide"
like "$body" '<span class="field-error" data-field="password">' "wrong credentials: field error on password"

login_gm $MARIO $MARIO_PW
is "$code" 303 "right credentials answer 303"
is "$location" /titolare "and redirect to /titolare"
req $GM /titolare
like "$body" '<nav id="menu">' "titolare page has the left menu"
like "$body" 'RSSMRA80A01H501U' "titolare shows the holder's codice fiscale"
for item in Titolare 'Posta in arrivo' 'Cambio Password' 'Regole Messaggi' 'Notifica Mail' 'Report Mail' Antispam Accessi 'Registro Imprese' 'Login Kit Firma'; do
	like "$body" ">$item</a>" "menu has $item"
done
unlike "$body" 'Caselle del dominio' "a plain mailbox has no Caselle del dominio"

# --- _token
req $GM /cambio-password
like "$body" 'Cambia la password della tua casella PEC' "password page heading"
like "$body" "lunghezza compresa fra gli 8 ed i 20 caratteri" "password page states the rules"
tok=$(form_token "$body" cambio-password)
like "$tok" '^[0-9a-f]{32}$' "the form carries a _token"
req $GM /cambio-password --data-urlencode password_attuale=$MARIO_PW \
	--data-urlencode nuova_password=Nuova.Pass1 --data-urlencode ripeti_password=Nuova.Pass1
is "$code" 403 "POST without _token: 403"
like "$body" 'Sessione scaduta, ricarica la pagina' "POST without _token: Sessione scaduta, ricarica la pagina"
post_form $GM /cambio-password deadbeefdeadbeefdeadbeefdeadbeef password_attuale=$MARIO_PW
is "$code" 403 "POST with a forged _token: 403"

# --- password rules, in the contract's order
check_pw() { # check_pw CURRENT NEW REPEAT MESSAGE FIELD
	submit $GM /cambio-password cambio-password /cambio-password \
		"password_attuale=$1" "nuova_password=$2" "ripeti_password=$3"
	is "$code" 200 "rejected password change re-renders ($4)"
	like "$body" "<div class=\"alert alert-danger\">$4</div>" "message: $4"
	like "$body" "<span class=\"field-error\" data-field=\"$5\">" "field error on $5"
}
check_pw wrong Nuova.Pass1 Nuova.Pass1 'La password attuale non è corretta' password_attuale
check_pw $MARIO_PW Nuova.Pass1 Altra.Pass1 'Le due password inserite non coincidono' ripeti_password
check_pw $MARIO_PW corta corta 'La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri' nuova_password
check_pw $MARIO_PW abcdefghilmnopqrstuvz abcdefghilmnopqrstuvz 'La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri' nuova_password
check_pw $MARIO_PW 'Città.2024x' 'Città.2024x' "La nuova password può contenere solo lettere non accentate, numeri ed i caratteri '.' e '-'" nuova_password
check_pw $MARIO_PW 'pass_word!1' 'pass_word!1' "La nuova password può contenere solo lettere non accentate, numeri ed i caratteri '.' e '-'" nuova_password
check_pw $MARIO_PW $MARIO_PW $MARIO_PW 'La nuova password non può essere uguale alla password in uso' nuova_password
# all wrong at once: the first rule wins
check_pw wrong x y 'La password attuale non è corretta' password_attuale

# a second session of the same mailbox on another host, to be ended
sub_login_account() {
	req account.aruba.it /pec
	post_form account.aruba.it /pec/login "$(form_token "$body" login)" "casella=$1" "password=$2"
}
sub_login_account $MARIO $MARIO_PW
is "$location" /pec/home "a second session on account.aruba.it"
jreq webmail.pec.it POST /smart/api/login "{\"casella\":\"$MARIO\",\"password\":\"$MARIO_PW\"}"
is "$(printf '%s' "$body" | json 'd["ok"]')" true "a third session on webmail.pec.it"

submit $GM /cambio-password cambio-password /cambio-password \
	password_attuale=$MARIO_PW nuova_password=Nuova.Pass-1 ripeti_password=Nuova.Pass-1
is "$code" 303 "a valid change answers 303"
is "$location" /cambio-password "back to the form page (PRG)"
req $GM /cambio-password
like "$body" '<div class="alert alert-success">La password è stata modificata correttamente</div>' "success message shown after the redirect"
req $GM /cambio-password
unlike "$body" 'alert-success' "the success message is shown once"
req account.aruba.it /pec/home
is "$code" 303 "the session on account.aruba.it was ended"
req webmail.pec.it /smart/api/cartelle
is "$code" 401 "the session on webmail.pec.it was ended"
req $GM /titolare
is "$code" 200 "the session that changed the password lives on"
is "$(admin POST /__sandbox/check-mail-login "{\"address\":\"$MARIO\",\"password\":\"Nuova.Pass-1\"}" | json 'd["ok"]')" true "IMAP would accept the new password"
is "$(admin POST /__sandbox/check-mail-login "{\"address\":\"$MARIO\",\"password\":\"$MARIO_PW\"}" | json 'd["ok"]')" false "and refuse the old one"

# --- Accessi: the history of logins
req $GM /accessi
like "$body" '<table id="storico">' "Accessi shows table#storico"
like "$body" '<tr><td>[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}</td><td>127\.0\.0\.1</td><td>GestioneMail</td><td>riuscito</td></tr>' "a row per login: date, IP, service, outcome"
like "$body" '<td>GestioneMail</td><td>fallito</td>' "failed logins are recorded too"

# --- stale session: logout, then the old cookie is worthless
req $GM /logout
is "$location" / "logout goes back to the login page"
req $GM /titolare
is "$code" 303 "after logout a page redirects (303)"
is "$location" / "to the login page"

# --- PEC on own domain: the postmaster
reset_sim
login_gm postmaster@studiolegale-verdi.it Verdi-Postmaster.1
req $GM /titolare
like "$body" '<a href="/dominio/caselle">Caselle del dominio</a>' "the postmaster's menu adds Caselle del dominio"
req $GM /dominio/caselle
like "$body" '<tr data-casella="avv.verdi@studiolegale-verdi.it">' "domain table lists avv.verdi"
like "$body" '<tr data-casella="segreteria@studiolegale-verdi.it">' "domain table lists segreteria"
unlike "$body" 'data-casella="mario.rossi@pec.it"' "other domains are not listed"
submit $GM /dominio/caselle/segreteria@studiolegale-verdi.it/password cambio-password \
	/dominio/caselle/segreteria@studiolegale-verdi.it/password nuova_password=Segr.2025 ripeti_password=Segr.2025x
like "$body" 'Le due password inserite non coincidono' "domain password: same rules"
unlike "$body" 'name="password_attuale"' "domain password form has no current password"
submit $GM /dominio/caselle/segreteria@studiolegale-verdi.it/password cambio-password \
	/dominio/caselle/segreteria@studiolegale-verdi.it/password nuova_password=Segr.2025 ripeti_password=Segr.2025
is "$code" 303 "domain password change answers 303"
req $GM "$location"
like "$body" '<div class="alert alert-success">Password della casella segreteria@studiolegale-verdi.it modificata</div>' "domain password success message"
req $GM /dominio/caselle/mario.rossi@pec.it/password
is "$code" 404 "a mailbox of another domain is out of reach"
login_gm_other() { rm -f "$T/cookies.$GM"; login_gm "$@"; }
login_gm_other segreteria@studiolegale-verdi.it Segr.2025
is "$location" /titolare "the domain mailbox logs in with its new password"
req $GM /dominio/caselle
is "$code" 404 "a non-postmaster cannot reach /dominio/caselle"

# --- lockout after 5 failures in a row
reset_sim
for i in 1 2 3 4; do login_gm $MARIO bad$i; done
like "$body" 'Credenziali non valide' "four failures: still Credenziali non valide"
login_gm $MARIO bad5
like "$body" 'Accesso temporaneamente bloccato per troppi tentativi errati' "the fifth failure locks the mailbox"
login_gm $MARIO $MARIO_PW
is "$code" 200 "while locked even the right password is refused"
like "$body" 'Accesso temporaneamente bloccato per troppi tentativi errati' "with the lockout message"
settings '{"lockout_seconds":1}'
admin PUT /__sandbox/state "$(admin GET /__sandbox/state | "$PY" -c 'import json,sys
d=json.load(sys.stdin)
for m in d["mailboxes"]:
    if m["address"]=="mario.rossi@pec.it": m["locked_until"]=0
print(json.dumps(d))')" >/dev/null
login_gm $MARIO $MARIO_PW
is "$location" /titolare "once the lock ends the right password works"

# --- rate limit: more than N login POSTs a minute from one client
reset_sim
settings '{"login_rate_per_minute":3}'
for i in 1 2 3; do login_gm nobody@pec.it x; done
is "$code" 200 "three login POSTs are fine"
login_gm nobody@pec.it x
is "$code" 429 "the fourth within the minute: 429"
like "$headers" 'Retry-After: [0-9]+' "429 carries Retry-After"

# --- idle expiry: a page redirects to the login
reset_sim
settings '{"idle_expiry_seconds":1}'
login_gm $MARIO $MARIO_PW
req $GM /titolare
is "$code" 200 "fresh session works"
sleep 1.2
req $GM /titolare
is "$code" 303 "an idle session: 303"
is "$location" / "to the login page"

stop_pecsim
done_testing
