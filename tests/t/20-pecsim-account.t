#!/bin/sh
# pecsim contract: account.aruba.it (Gestione account PEC): contacts with
# codes, password, app passwords, two-step on/off, history, expiry, SSO.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sandbox/sim-helpers.sh"
start_pecsim
settings '{"login_rate_per_minute":1000}'
ACC=account.aruba.it
MARIO=mario.rossi@pec.it
MARIO_PW=MarioRossi.2024
LAURA=studio.bianchi@pec.it
LAURA_PW=Bianchi-Studio.75

login_acc() { # login_acc ADDRESS PASSWORD
	submit $ACC /pec login /pec/login "casella=$1" "password=$2"
}

# --- login and home
login_acc $MARIO $MARIO_PW
is "$code" 303 "login answers 303"
is "$location" /pec/home "to /pec/home"
req $ACC /pec/home
like "$body" '<div id="contatto-email" data-verificato="false">' "email contact not verified"
like "$body" '<div id="contatto-cellulare" data-verificato="true">' "mobile contact verified"
like "$body" "Non hai ancora verificato l'indirizzo email di riferimento del tuo account PEC" "banner for an unverified email"
like "$body" '<a href="/pec/password">Password PEC</a>' "with two-step off the menu says Password PEC"
for href in /pec/contatti /pec/password-programmi /pec/verifica-2-passaggi /pec/storico-accessi /pec/password/scadenza; do
	like "$body" "<a href=\"$href\">" "menu links $href"
done

# --- contacts: a code to the new email and one to the new mobile
submit $ACC /pec/contatti contatti /pec/contatti email=non-una-email cellulare=3331234567
is "$code" 200 "invalid contacts re-render"
like "$body" 'data-field="email"' "field error on email"
like "$body" 'data-field="cellulare"' "field error on cellulare"
submit $ACC /pec/contatti contatti /pec/contatti email=mario.nuovo@example.com cellulare=+393339998877
is "$code" 303 "valid contacts answer 303"
is "$location" /pec/contatti/verifica "to the verification form"
email_code=$(last_code mario.nuovo@example.com)
sms_code=$(last_code +393339998877)
like "$email_code" '^[0-9]{6}$' "a 6-digit code reached the outbox for the email"
like "$sms_code" '^[0-9]{6}$' "a 6-digit code reached the outbox for the mobile"
req $ACC /pec/contatti/verifica
unlike "$body" "$email_code" "the code is never shown on the page"
wrong=$(printf '%06d' $(( (1${email_code} + 1) % 1000000 )))
post_form $ACC /pec/contatti/verifica "$(form_token "$body" verifica-contatti)" codice_email=$wrong codice_sms=$sms_code
is "$code" 200 "a wrong code re-renders"
like "$body" '<div class="alert alert-danger">Codice non valido</div>' "wrong code: Codice non valido"
like "$body" '<span class="field-error" data-field="codice_email">Codice non valido</span>' "on the email code field"
post_form $ACC /pec/contatti/verifica "$(form_token "$body" verifica-contatti)" codice_email=$email_code
is "$code" 303 "the right code completes"
req $ACC /pec/home
like "$body" '<div class="alert alert-success">Dati di contatto aggiornati</div>' "Dati di contatto aggiornati"
like "$body" '<div id="contatto-email" data-verificato="true">.*mario.nuovo@example.com' "new email, verified"
unlike "$body" "Non hai ancora verificato" "no more banner"

# three wrong tries use a code up
submit $ACC /pec/contatti contatti /pec/contatti email=terzo@example.com cellulare=+393330000001
for i in 1 2 3; do
	req $ACC /pec/contatti/verifica
	post_form $ACC /pec/contatti/verifica "$(form_token "$body" verifica-contatti)" codice_email=000000 codice_sms=000000
done
req $ACC /pec/contatti/verifica
post_form $ACC /pec/contatti/verifica "$(form_token "$body" verifica-contatti)" \
	codice_email=$(last_code terzo@example.com) codice_sms=$(last_code +393330000001)
unlike "$body" 'alert-success' "after 3 wrong tries even the right code fails"
like "$body" 'Codice scaduto' "the code is used up"

# codes are valid for code_validity_seconds (600 by default)
settings '{"code_validity_seconds":1}'
submit $ACC /pec/contatti contatti /pec/contatti email=quarto@example.com cellulare=+393330000002
sleep 1.2
req $ACC /pec/contatti/verifica
post_form $ACC /pec/contatti/verifica "$(form_token "$body" verifica-contatti)" \
	codice_email=$(last_code quarto@example.com) codice_sms=$(last_code +393330000002)
like "$body" 'Codice scaduto' "an expired code is refused"
settings '{"code_validity_seconds":600}'

# --- password programmi di posta needs two-step
req $ACC /pec/password-programmi
like "$body" 'Per generare una password per i programmi di posta devi attivare la verifica in 2 passaggi' "app password needs two-step"
unlike "$body" 'id="password-programmi"' "no app password state with two-step off"

# --- storico accessi: 20 a page, a[rel=next]
admin PUT /__sandbox/state "$(admin GET /__sandbox/state | "$PY" -c 'import json,sys
d=json.load(sys.stdin)
for m in d["mailboxes"]:
    if m["address"]=="mario.rossi@pec.it":
        m["access_log"]=[{"time":1700000000+i*60,"ip":"10.0.0.%d"%i,"service":"Webmail PEC","outcome":"riuscito"} for i in range(25)]
print(json.dumps(d))')" >/dev/null
req $ACC /pec/storico-accessi
is "$(printf '%s\n' "$body" | grep -c '^<tr><td>')" 20 "first page has 20 rows"
like "$body" '<tr><td>[0-9/]+ [0-9:]+</td><td>10\.0\.0\.24</td><td>Webmail PEC</td><td>riuscito</td></tr>' "newest first"
like "$body" '<a rel="next" href="/pec/storico-accessi\?pagina=2">' "a[rel=next] to page 2"
req $ACC '/pec/storico-accessi?pagina=2'
is "$(printf '%s\n' "$body" | grep -c '^<tr><td>')" 5 "second page has the other 5"
unlike "$body" 'rel="next"' "no next on the last page"

# --- scadenza password
submit $ACC /pec/password/scadenza scadenza-password /pec/password/scadenza attiva=1 giorni=1 preavviso=1
like "$body" '<span class="field-error" data-field="giorni">Il campo giorni deve essere un numero compreso fra 2 e 90</span>' "giorni below 2 refused"
submit $ACC /pec/password/scadenza scadenza-password /pec/password/scadenza attiva=1 giorni=91 preavviso=1
like "$body" 'data-field="giorni"' "giorni above 90 refused"
submit $ACC /pec/password/scadenza scadenza-password /pec/password/scadenza attiva=1 giorni=30 preavviso=30
like "$body" '<span class="field-error" data-field="preavviso">Il campo preavviso deve essere un numero compreso fra 1 e 29</span>' "preavviso must be below giorni"
submit $ACC /pec/password/scadenza scadenza-password /pec/password/scadenza attiva=1 giorni=30 preavviso=5 notifica_email=1
is "$code" 303 "valid expiry answers 303"
req $ACC /pec/password/scadenza
like "$body" 'Scadenza password aggiornata' "expiry saved"
like "$body" 'name="giorni" value="30"' "giorni kept"
is "$(admin GET /__sandbox/state | json '[m for m in d["mailboxes"] if m["address"]=="mario.rossi@pec.it"][0]["password_expiry"]')" \
	'{"attiva": true, "giorni": 30, "preavviso": 5, "notifica_email": true}' "state holds the expiry"

# --- two-step activation: SMS code, then the app is paired (admin API)
submit $ACC /pec/verifica-2-passaggi attiva /pec/verifica-2-passaggi/attiva
is "$location" /pec/verifica-2-passaggi/attiva "activation asks for an SMS code"
submit $ACC /pec/verifica-2-passaggi/attiva attiva-codice /pec/verifica-2-passaggi/attiva/conferma codice=000000
like "$body" 'Codice non valido' "wrong activation code"
sms=$(last_code +393339998877)
submit $ACC /pec/verifica-2-passaggi/attiva attiva-codice /pec/verifica-2-passaggi/attiva/conferma codice=$sms
is "$code" 303 "right activation code"
req $ACC /pec/verifica-2-passaggi
like "$body" 'id="associazione-in-corso"' "waiting for the app pairing"
admin POST /__sandbox/pair '{"address":"mario.rossi@pec.it","device":"Galaxy di Mario"}' >/dev/null
req $ACC /pec/verifica-2-passaggi
like "$body" '<div id="verifica-2-passaggi" data-stato="attiva">' "two-step now on"
like "$body" 'Galaxy di Mario' "with the paired device"
like "$body" '<a href="/pec/password">Password webmail e app</a>' "with two-step on the menu says Password webmail e app"

# --- app password: genera, shown once, IMAP only
req $ACC /pec/password-programmi
like "$body" '<div id="password-programmi" data-stato="assente">' "no app password yet"
post_form $ACC /pec/password-programmi/genera "$(form_token "$body" genera)"
is "$code" 303 "Genera answers 303"
req $ACC /pec/password-programmi
like "$body" '<div class="alert alert-success">Password per i programmi di posta generata</div>' "generated"
app=$(printf '%s\n' "$body" | sed -n 's/.*<div id="password-generata">\([^<]*\)<.*/\1/p')
like "$app" '^[A-Za-z0-9]{16}$' "a 16-character password in #password-generata"
like "$body" '<div id="password-programmi" data-stato="attiva"><p class="validita">Valida fino al [0-9]{2}/[0-9]{2}/[0-9]{4}</p>' "state attiva with its validity"
req $ACC /pec/password-programmi
unlike "$body" 'password-generata' "shown once only"
is "$(admin POST /__sandbox/check-mail-login "{\"address\":\"$MARIO\",\"password\":\"$app\"}")" '{"ok":true,"via":"app_password"}' "IMAP accepts the app password"
is "$(admin POST /__sandbox/check-mail-login "{\"address\":\"$MARIO\",\"password\":\"$MARIO_PW\"}" | json 'd["ok"]')" false "IMAP refuses the web password with two-step on"
jreq webmail.pec.it POST /smart/api/login "{\"casella\":\"$MARIO\",\"password\":\"$app\"}"
is "$(printf '%s' "$body" | json 'd.get("errore")')" 'Credenziali non valide' "the app password does not open the webmail"
post_form $ACC /pec/password-programmi/genera "$(form_token "$body" genera)"
req $ACC /pec/password-programmi
post_form $ACC /pec/password-programmi/genera "$(form_token "$body" rigenera)"
like "$body" 'alert-danger' "Genera again is refused: use Rigenera"
req $ACC /pec/password-programmi
post_form $ACC /pec/password-programmi/rigenera "$(form_token "$body" rigenera)"
req $ACC /pec/password-programmi
like "$body" 'Password per i programmi di posta rigenerata' "Rigenera"
app2=$(printf '%s\n' "$body" | sed -n 's/.*<div id="password-generata">\([^<]*\)<.*/\1/p')
is "$(admin POST /__sandbox/check-mail-login "{\"address\":\"$MARIO\",\"password\":\"$app\"}" | json 'd["ok"]')" false "the old app password stops working"
is "$(admin POST /__sandbox/check-mail-login "{\"address\":\"$MARIO\",\"password\":\"$app2\"}" | json 'd["ok"]')" true "the new one works"
# an expired one: Estendi brings it back
admin PUT /__sandbox/state "$(admin GET /__sandbox/state | "$PY" -c 'import json,sys
d=json.load(sys.stdin)
for m in d["mailboxes"]:
    if m["address"]=="mario.rossi@pec.it": m["app_password"]["expires"]=1700000000
print(json.dumps(d))')" >/dev/null
req $ACC /pec/password-programmi
like "$body" 'data-stato="scaduta"' "an expired app password shows scaduta"
post_form $ACC /pec/password-programmi/estendi "$(form_token "$body" estendi)"
req $ACC /pec/password-programmi
like "$body" 'data-stato="attiva"' "Estendi makes it attiva again"
settings '{"app_password_months":12}'
post_form $ACC /pec/password-programmi/estendi "$(form_token "$body" estendi)"
req $ACC /pec/password-programmi
like "$body" "Valida fino al [0-9]{2}/[0-9]{2}/$(( $(date +%Y) + 1 ))" "the validity period is a setting"

# --- two-step login: push approval on every host
rm -f "$T/cookies.$ACC"
login_acc $LAURA $LAURA_PW
is "$location" /pec/verifica "two-step on: to the waiting page"
req $ACC /pec/verifica
like "$body" '<div id="verifica-accesso" data-poll-url="/pec/verifica/stato">' "#verifica-accesso with data-poll-url"
req $ACC /pec/verifica/stato
is "$body" '{"stato":"in_attesa"}' "poll: in_attesa"
push=$(pending_push $LAURA)
like "$push" '^[0-9a-f]{32}$' "the push is pending in the admin API"
req $ACC /pec/verifica
post_form $ACC /pec/verifica "$(form_token "$body" verifica)"
is "$code" 200 "finishing before approval re-renders"
like "$body" 'alert-danger' "with an error"
admin POST /__sandbox/push/$push/approve >/dev/null
req $ACC /pec/verifica/stato
is "$body" '{"stato":"autorizzato"}' "poll: autorizzato"
req $ACC /pec/verifica
post_form $ACC /pec/verifica "$(form_token "$body" verifica)"
is "$location" /pec/home "after approval the form POST logs in"

# --- two-step disable: push, then approve / deny / expire
submit $ACC /pec/verifica-2-passaggi disattiva /pec/verifica-2-passaggi/disattiva
is "$location" /pec/verifica-2-passaggi/disattiva "disable goes to a waiting page"
is "$(admin GET /__sandbox/push | json 'd[0]["title"]')" 'Disattivazione verifica in 2 passaggi' "a push titled Disattivazione verifica in 2 passaggi"
push=$(pending_push $LAURA)
admin POST /__sandbox/push/$push/deny >/dev/null
submit $ACC /pec/verifica-2-passaggi/disattiva verifica /pec/verifica-2-passaggi/disattiva/conferma
like "$body" '<div class="alert alert-danger">Operazione non autorizzata</div>' "denied: Operazione non autorizzata"
like "$body" 'data-stato="attiva"' "two-step still on"

settings '{"push_timeout_seconds":1}'
submit $ACC /pec/verifica-2-passaggi disattiva /pec/verifica-2-passaggi/disattiva
sleep 1.3
req $ACC /pec/verifica-2-passaggi/disattiva/stato
is "$body" '{"stato":"scaduto"}' "an unanswered push expires"
submit $ACC /pec/verifica-2-passaggi/disattiva verifica /pec/verifica-2-passaggi/disattiva/conferma
like "$body" 'Operazione non autorizzata' "expired: Operazione non autorizzata"
settings '{"push_timeout_seconds":120}'

submit $ACC /pec/verifica-2-passaggi disattiva /pec/verifica-2-passaggi/disattiva
admin POST /__sandbox/push/$(pending_push $LAURA)/approve >/dev/null
submit $ACC /pec/verifica-2-passaggi/disattiva verifica /pec/verifica-2-passaggi/disattiva/conferma
is "$code" 303 "approved disable answers 303"
req $ACC /pec/verifica-2-passaggi
like "$body" 'La verifica in 2 passaggi è stata disattivata' "La verifica in 2 passaggi è stata disattivata"
like "$body" 'data-stato="disattiva"' "two-step now off"

# --- password change here uses the same rules
submit $ACC /pec/password cambio-password /pec/password password_attuale=$LAURA_PW nuova_password=abc ripeti_password=abc
like "$body" 'La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri' "same length rule"
submit $ACC /pec/password cambio-password /pec/password password_attuale=$LAURA_PW nuova_password=Laura.2025-x ripeti_password=Laura.2025-x
req $ACC /pec/password
like "$body" 'La password è stata modificata correttamente' "password changed from Gestione account"

# --- SSO from the webmail: no password, no push
reset_sim
settings '{"login_rate_per_minute":1000}'
admin PATCH /__sandbox/settings '{"auto_approve_ms":0}' >/dev/null
jreq webmail.pec.it POST /smart/api/login "{\"casella\":\"$LAURA\",\"password\":\"$LAURA_PW\"}"
poll=$(printf '%s' "$body" | json 'd["poll"]')
jreq webmail.pec.it POST "$poll"
req webmail.pec.it /smart/api/impostazioni
link=$(printf '%s' "$body" | json 'd["account"]["sicurezza_e_password"]')
like "$link" '^https://account\.aruba\.it/pec/sso\?ticket=[0-9a-f]+$' "impostazioni gives the SSO link"
settings '{"auto_approve_ms":-1}'
rm -f "$T/cookies.$ACC"
req $ACC "${link#https://account.aruba.it}"
is "$location" /pec/home "the ticket opens Gestione account"
req $ACC /pec/home
like "$body" "<strong id=\"casella-corrente\">$LAURA</strong>" "as the webmail's mailbox"
rm -f "$T/cookies.$ACC"
req $ACC "${link#https://account.aruba.it}"
is "$location" /pec "a ticket works once"

stop_pecsim
done_testing
