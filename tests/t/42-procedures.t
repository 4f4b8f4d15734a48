#!/bin/sh
# Every procedure of the guides, run with the real binary against pecsim as a
# user would: the happy path, the portal's refusals with their message and
# exit code, the portal state afterwards, and what each run cost in requests
# and TLS handshakes.
. "$(dirname "$0")/../lib.sh"
start_pecsim
export PECCTL_NO_TTY=1
# This file logs in far more than 20 times a minute; the rate limit itself
# is pinned by the emulator's and the plugins' own tests.
admin PATCH /__sandbox/settings '{"login_rate_per_minute":1000}' >/dev/null

# steps SEQ: the requests since SEQ in one line, polls of a pending
# approval left out (their number depends on how fast the app answers).
steps() {
	sim_requests_since "$1" | grep -v -E '^GET .*(/stato|/login/verifica/[0-9a-f]+)$' | tr '\n' ' '
}

MARIO=mario.rossi@pec.it
export MARIO_PW='MarioRossi.2024' NEW_PW='Rossi.Nuova-2025' BAD_PW='troppo corta' \
	BIANCHI_PW='Bianchi-Studio.75' PM_PW='Verdi-Postmaster.1' SEG_PW='Segreteria.Nuova-7' \
	WRONG_PW='Sbagliata.123'

# --- verify-login ---------------------------------------------------------
mark=$(sim_log_mark)
run_sim run verify-login --account $MARIO --secret env:MARIO_PW
is "$status" 0 "verify-login with the right password exits 0"
like "$out" "^$MARIO: login ok" "and says so"
is "$(sim_requests_since "$mark" | tr '\n' ' ')" "GET / POST /login GET /titolare " \
	"a login costs the form, the POST and the page it leads to, nothing else"
is "$(sim_connections_since "$mark")" "gestionemail.pec.it 1" "over one TLS connection"

run_sim run verify-login --account $MARIO --secret env:WRONG_PW
is "$status" 77 "a wrong password exits 77"
like "$err" "Credenziali non valide" "with the portal's message"

# --- password-change ------------------------------------------------------
run_sim run password-change --account $MARIO --secret env:MARIO_PW --param new_password=env:BAD_PW
is "$status" 65 "a new password the rules refuse exits 65"
like "$err" "length|characters" "naming the broken rules"
is "$(sim_mail_login $MARIO "$MARIO_PW")" true "and the password is unchanged"

mark=$(sim_log_mark)
run_sim run password-change --account $MARIO --secret env:MARIO_PW --param new_password=env:NEW_PW --check
is "$status" 0 "--check exits 0"
like "$out" "nothing submitted" "and says nothing was submitted"
like "$out" "nuova_password: \*\*\*" "showing the fields it would submit, secrets as ***"
unlike "$(sim_requests_since "$mark")" "POST /cambio-password" "no change was posted"
is "$(sim_mail_login $MARIO "$MARIO_PW")" true "the password is unchanged"

run_sim run password-change --account $MARIO --secret env:WRONG_PW --param new_password=env:NEW_PW
is "$status" 77 "a wrong current password exits 77"

run_sim run password-change --account $MARIO --secret env:MARIO_PW --param new_password=env:MARIO_PW
is "$status" 65 "the password in use as the new one exits 65"
like "$err" "differ|uguale" "saying it must differ"

mark=$(sim_log_mark)
run_sim run password-change --account $MARIO --secret env:MARIO_PW --param new_password=env:NEW_PW
is "$status" 0 "password-change exits 0"
like "$out" "La password è stata modificata correttamente" "with the portal's confirmation"
is "$(sim_requests_since "$mark" | tr '\n' ' ')" \
	"GET / POST /login GET /titolare GET /cambio-password POST /cambio-password GET /cambio-password " \
	"login, the form, the POST and its confirmation: nothing more"
is "$(sim_connections_since "$mark")" "gestionemail.pec.it 1" "over one TLS connection"
is "$(sim_mail_login $MARIO "$NEW_PW")" true "the new password now works"
is "$(sim_mail_login $MARIO "$MARIO_PW")" false "the old one no longer does"
unlike "$out$err" "$NEW_PW|$MARIO_PW" "no password printed"

# --- lockout --------------------------------------------------------------
for i in 1 2 3 4; do run_sim run verify-login --account avv.verdi@studiolegale-verdi.it --provider aruba --secret env:WRONG_PW; done
run_sim run verify-login --account avv.verdi@studiolegale-verdi.it --provider aruba --secret env:WRONG_PW
is "$status" 77 "the fifth wrong password exits 77"
like "$err" "Accesso temporaneamente bloccato per troppi tentativi errati" "with the lockout message"

# --- domain-password-set --------------------------------------------------
mark=$(sim_log_mark)
run_sim --provider aruba run domain-password-set --account postmaster@studiolegale-verdi.it \
	--secret env:PM_PW --param mailbox=segreteria@studiolegale-verdi.it --param new_password=env:SEG_PW
is "$status" 0 "domain-password-set exits 0"
like "$out" "Password della casella segreteria@studiolegale-verdi.it modificata" "with the portal's message"
is "$(sim_mail_login segreteria@studiolegale-verdi.it "$SEG_PW")" true "the mailbox takes the new password"
S=segreteria@studiolegale-verdi.it
is "$(steps "$mark")" "GET / POST /login GET /titolare GET /dominio/caselle GET /dominio/caselle/$S/password POST /dominio/caselle/$S/password GET /dominio/caselle/$S/password " \
	"domain-password-set: the list, the mailbox's form, the POST, nothing more"
is "$(sim_connections_since "$mark")" "gestionemail.pec.it 1" "over one TLS connection"

# --- access-history -------------------------------------------------------
mark=$(sim_log_mark)
run_sim run access-history --account $MARIO --secret env:NEW_PW
is "$status" 0 "access-history exits 0"
is "$(steps "$mark")" "GET /pec POST /pec/login GET /pec/home GET /pec/storico-accessi " \
	"access-history: login and the one page of history there is"
is "$(printf '%s\n' "$out" | head -n 1)" "time,ip,service,outcome" "CSV with a header"
like "$out" ",127\.0\.0\.1,GestioneMail,fallito" "the failed login is listed"
run_sim run access-history --account $MARIO --secret env:NEW_PW --param format=json
printf '%s' "$out" | python3 -c 'import json,sys; l=json.load(sys.stdin); assert len(l) > 3 and "outcome" in l[0]'
is "$?" 0 "format=json gives a JSON list of logins"

# --- password-expiry ------------------------------------------------------
run_sim run password-expiry --account $MARIO --secret env:NEW_PW --param enabled=true --param days=120
is "$status" 65 "days outside 2-90 exits 65"
mark=$(sim_log_mark)
run_sim run password-expiry --account $MARIO --secret env:NEW_PW --param enabled=true --param days=30 --param notice_days=5
is "$status" 0 "password-expiry exits 0"
is "$(steps "$mark")" "GET /pec POST /pec/login GET /pec/home GET /pec/password/scadenza POST /pec/password/scadenza GET /pec/password/scadenza " \
	"password-expiry: login, the form, the POST, its confirmation"
is "$(sim_connections_since "$mark")" "account.aruba.it 1" "over one TLS connection"
is "$(sim_state_get 'm["mario.rossi@pec.it"]["password_expiry"]["giorni"]')" 30 "the portal keeps 30 days"
is "$(sim_state_get 'm["mario.rossi@pec.it"]["password_expiry"]["preavviso"]')" 5 "and 5 days of notice"

# --- contacts-update, the codes read from the emulator's outbox --------------
cat > "$T/otp.sh" <<OTP
#!/bin/sh
# Answers pecctl's code prompts from the emulator's outbox, as a person
# reading their email and SMS would.
case "\$PECCTL_PROMPT" in *SMS*) channel=sms ;; *) channel=email ;; esac
curl -sS --cacert "$SIM_CA" --connect-to "gestionemail.pec.it:443:$SIM" \
	https://gestionemail.pec.it/__sandbox/outbox |
	python3 -c "import json,sys; print([e for e in json.load(sys.stdin) if e['channel']=='\$channel'][-1]['code'])"
OTP
chmod +x "$T/otp.sh"
mark=$(sim_log_mark)
run_sim --otp-command "$T/otp.sh" run contacts-update --account $MARIO --secret env:NEW_PW \
	--param email=mario@example.org --param mobile=+393331112233
is "$status" 0 "contacts-update exits 0"
is "$(steps "$mark")" "GET /pec POST /pec/login GET /pec/home GET /pec/contatti POST /pec/contatti GET /pec/contatti/verifica POST /pec/contatti/verifica GET /pec/home " \
	"contacts-update: the form, the codes' form, nothing more"
is "$(sim_state_get 'm["mario.rossi@pec.it"]["contacts"]["email_verified"]')" true "the new email is verified"
is "$(sim_state_get 'm["mario.rossi@pec.it"]["contacts"]["mobile"]')" "+393331112233" "the new mobile is set"
printf '#!/bin/sh\necho 000000\n' > "$T/wrong-otp.sh"; chmod +x "$T/wrong-otp.sh"
run_sim --otp-command "$T/wrong-otp.sh" run contacts-update --account $MARIO --secret env:NEW_PW \
	--param email=other@example.org
isnt_zero=$([ "$status" -ne 0 ] && echo yes || echo no)
is "$isnt_zero" yes "a wrong code fails"
like "$err" "Codice non valido" "with the portal's message"
run_sim run contacts-update --account $MARIO --secret env:NEW_PW --param email=other@example.org
is "$status" 20 "without a terminal or --otp-command, a code needs a human: exit 20"
run_sim run contacts-update --account $MARIO --secret env:NEW_PW --param mobile=3331112233
is "$status" 65 "a mobile without country code is refused before anything is sent"

# --- profile-correction ---------------------------------------------------
mark=$(sim_log_mark)
run_sim run profile-correction --account $MARIO --secret env:NEW_PW --param indirizzo='Via Po 3' --param cap=20121
is "$status" 0 "profile-correction exits 0"
is "$(steps "$mark")" "GET / POST /login GET /home GET /profilo/modifica POST /profilo/modifica GET /home " \
	"profile-correction: login lands on the profile, Correggi i dati, the POST"
is "$(sim_connections_since "$mark")" "areaclienti.pec.it 1" "over one TLS connection"
mark=$(sim_log_mark)
run_sim run profile-correction --account $MARIO --secret env:NEW_PW --param indirizzo='Via Po 3'
like "$out" "already has these data" "the same correction again changes nothing"
unlike "$(steps "$mark")" "POST /profilo" "and posts nothing"
is "$(sim_state_get '[p for a in s["accounts"] for v in a["services"] for p in v["profiles"] if "mario.rossi@pec.it" in p["mailboxes"]][0]["indirizzo"]')" \
	"Via Po 3" "the address is corrected in the holder profile"
run_sim run profile-correction --account $MARIO --secret env:NEW_PW --param codice_fiscale=RSSMRA80A01H501X
is "$status" 65 "a codice fiscale with a wrong check character is refused locally"
like "$err" "check character" "saying why"
run_sim run profile-correction --account $MARIO --secret env:NEW_PW --param codice_fiscale=VRDGPP70A01F205V
is "$status" 65 "changing the codice fiscale is refused"
like "$err" "cambio titolare" "as a change of holder"
run_sim run profile-correction --account $MARIO --secret env:NEW_PW --param partita_iva=12345678901
is "$status" 65 "a partita IVA with a wrong check digit is refused locally"

# --- twofa-disable: approve, deny, expire -----------------------------------
admin PATCH /__sandbox/settings '{"push_timeout_seconds":2}' >/dev/null
run_sim --timeout 10 run twofa-disable --account studio.bianchi@pec.it --secret env:BIANCHI_PW
is "$status" 22 "a login push nobody answers expires: exit 22"
admin PATCH /__sandbox/settings '{"push_timeout_seconds":30}' >/dev/null
# the phone's owner denies the push as soon as it shows up
( for i in $(seq 100); do
	id=$(admin GET /__sandbox/push | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[0]["id"] if l else "")')
	[ -n "$id" ] && { admin POST "/__sandbox/push/$id/deny" >/dev/null; break; }
	sleep 0.1
done ) &
denier=$!
run_sim run twofa-disable --account studio.bianchi@pec.it --secret env:BIANCHI_PW
wait $denier
is "$status" 21 "a denied push exits 21"
like "$err" "Operazione non autorizzata" "with the portal's message"
is "$(sim_state_get 'm["studio.bianchi@pec.it"]["twofa"]')" true "two-step verification is still on"

admin PATCH /__sandbox/settings '{"push_timeout_seconds":120,"auto_approve_ms":300}' >/dev/null
run_sim run twofa-disable --account studio.bianchi@pec.it --secret env:BIANCHI_PW --check
is "$status" 0 "twofa-disable --check exits 0"
is "$(sim_state_get 'm["studio.bianchi@pec.it"]["twofa"]')" true "and changes nothing"
mark=$(sim_log_mark)
run_sim run twofa-disable --account studio.bianchi@pec.it --secret env:BIANCHI_PW
is "$status" 0 "twofa-disable with the push approved exits 0"
is "$(steps "$mark")" "POST /smart/api/login POST /smart/api/login/verifica/$(sim_requests_since "$mark" | sed -n 's|^POST /smart/api/login/verifica/||p') GET /smart/api/impostazioni GET /pec/sso GET /pec/home GET /pec/verifica-2-passaggi POST /pec/verifica-2-passaggi/disattiva GET /pec/verifica-2-passaggi/disattiva POST /pec/verifica-2-passaggi/disattiva/conferma GET /pec/verifica-2-passaggi " \
	"twofa-disable follows the guide's route: webmail, Impostazioni, Sicurezza e password, Disattiva"
is "$(sim_connections_since "$mark" | tr '\n' ' ')" "account.aruba.it 1 webmail.pec.it 1 " "one TLS connection per host"
is "$(sim_state_get 'm["studio.bianchi@pec.it"]["twofa"]')" false "two-step verification is off"
run_sim run twofa-disable --account studio.bianchi@pec.it --secret env:BIANCHI_PW
is "$status" 0 "running it again exits 0"
like "$out" "already off" "and says there was nothing to do"

# --- app-password ---------------------------------------------------------
run_sim run app-password --account $MARIO --secret env:NEW_PW
is "$status" 64 "app-password with nowhere to keep the password exits 64"
export PECCTL_VAULT_PASSPHRASE='passphrase for the tests'
"$PECCTL_BIN" vault init >/dev/null 2>&1
run_sim run app-password --account $MARIO --secret env:NEW_PW
is "$status" 1 "app-password with two-step off is refused by the portal"
like "$err" "Per generare una password per i programmi di posta devi attivare la verifica in 2 passaggi" \
	"with the portal's message"

done_testing
