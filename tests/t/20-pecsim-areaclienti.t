#!/bin/sh
# pecsim contract: areaclienti.pec.it (Area clienti PEC), holder profiles
# through an Aruba account or through a PEC login.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sandbox/sim-helpers.sh"
start_pecsim
settings '{"login_rate_per_minute":1000}'
AC=areaclienti.pec.it

login_ac() { submit $AC / login /login "username=$1" "password=$2"; }

req $AC /
like "$body" '<form id="login"[^>]*action="/login"' "login form"
like "$body" 'name="username"' "with a username field"

login_ac 1234567@aruba.it sbagliata
like "$body" 'Credenziali non valide' "wrong account password"

# --- Aruba account: services, profiles, edit, linked mailboxes
login_ac 1234567@aruba.it Aruba.Account-1
is "$location" /servizi "an Aruba account lands on /servizi"
req $AC /servizi
like "$body" '<tr data-servizio="PEC-100200">.*<a href="/pec/PEC-100200">Gestisci</a>' "each service has a Gestisci link"
req $AC /pec/PEC-100200
like "$body" '<a href="/pec/PEC-100200/profili">Gestisci profili titolare</a>' "the service menu has Gestisci profili titolare"
req $AC /pec/PEC-100200/profili
like "$body" '<tr data-profilo="P1">' "profile P1 listed"
like "$body" '<tr data-profilo="P2">' "profile P2 listed"
like "$body" 'href="/pec/PEC-100200/profili/P1/modifica"' "pencil link to edit"
like "$body" 'href="/pec/PEC-100200/profili/P1/caselle"' "arrow link to the linked mailboxes"
req $AC /pec/PEC-100200/profili/P2/caselle
like "$body" '<li data-casella="studio.bianchi@pec.it">' "P2 is linked to studio.bianchi@pec.it"

EDIT=/pec/PEC-100200/profili/P1/modifica
P1="tipo=persona_fisica nome=Mario cognome=Rossi ragione_sociale= partita_iva= indirizzo=Via_Roma_2 citta=Roma nazione=IT"
edit_p1() { # edit_p1 KEY=VALUE... (on top of valid data; the first value of a field counts)
	# shellcheck disable=SC2086
	submit $AC $EDIT profilo $EDIT "$@" $P1 codice_fiscale=RSSMRA80A01H501U cap=00100 provincia=RM
}
req $AC $EDIT
like "$body" '<form id="profilo"' "the edit form"
for f in tipo nome cognome ragione_sociale codice_fiscale partita_iva indirizzo cap citta provincia nazione; do
	like "$body" "name=\"$f\"" "the form has $f"
done

edit_p1 codice_fiscale=RSSMRA80A01H501A
is "$code" 200 "a wrong check character re-renders"
like "$body" '<span class="field-error" data-field="codice_fiscale">Codice fiscale non valido</span>' "Codice fiscale non valido"
edit_p1 codice_fiscale=RSSMRA80A01H502Z
like "$body" '<div class="alert alert-danger">Per cambiare il titolare della casella segui la procedura di cambio titolare</div>' "a different (valid) codice fiscale is a change of holder"
edit_p1 partita_iva=12345678901
like "$body" '<span class="field-error" data-field="partita_iva">Partita IVA non valida</span>' "a wrong partita IVA check digit"
edit_p1 cap=0010
like "$body" '<span class="field-error" data-field="cap">CAP non valido</span>' "a 4-digit CAP"
edit_p1 provincia=Roma
like "$body" '<span class="field-error" data-field="provincia">Provincia non valida</span>' "a provincia that is not 2 letters"
like "$body" 'value="Roma"' "the submitted values are kept on errors"
edit_p1 partita_iva=12345678903 indirizzo="Via Roma 2"
is "$code" 303 "valid data answer 303"
is "$location" /pec/PEC-100200/profili "back to the profiles"
req $AC /pec/PEC-100200/profili
like "$body" '<div class="alert alert-success">Dati del profilo aggiornati</div>' "Dati del profilo aggiornati"
is "$(admin GET /__sandbox/state | json '[p for p in d["accounts"][0]["services"][0]["profiles"] if p["id"]=="P1"][0]["partita_iva"]')" 12345678903 "state holds the new partita IVA"
req $AC /pec/PEC-100200/profili/P9/modifica
is "$code" 404 "an unknown profile: 404"
req $AC /pec/NOPE/profili
is "$code" 404 "an unknown service: 404"

# --- PEC login: only that mailbox's profile
rm -f "$T/cookies.$AC"
login_ac mario.rossi@pec.it MarioRossi.2024
is "$location" /home "a PEC login lands on /home"
req $AC /home
like "$body" '<dl id="profilo-titolare">' "dl#profilo-titolare"
like "$body" 'Via Roma 2' "shows the corrected profile"
like "$body" '<a href="/profilo/modifica">Correggi i dati</a>' "Correggi i dati"
req $AC /pec/PEC-100200/profili
is "$code" 404 "a PEC login cannot reach the account's profiles"
submit $AC /profilo/modifica profilo /profilo/modifica tipo=persona_fisica nome=Mario cognome=Rossi \
	codice_fiscale=RSSMRA80A01H501U indirizzo="Piazza Navona 1" cap=00186 citta=Roma provincia=rm nazione=IT
is "$location" /home "PEC profile correction answers 303 /home"
req $AC /home
like "$body" 'Dati del profilo aggiornati' "success message"
like "$body" 'Piazza Navona 1' "new address"
like "$body" '<dd data-campo="provincia">RM</dd>' "provincia stored upper-case"

# --- a legal person needs a valid partita IVA; its CF may be numeric
rm -f "$T/cookies.$AC"
login_ac postmaster@studiolegale-verdi.it Verdi-Postmaster.1
submit $AC /profilo/modifica profilo /profilo/modifica tipo=persona_giuridica ragione_sociale="Studio Legale Verdi" \
	codice_fiscale=07654321095 partita_iva= indirizzo="Corso Magenta 12" cap=20123 citta=Milano provincia=MI nazione=IT
like "$body" 'data-field="partita_iva"' "a legal person without partita IVA is refused"
submit $AC /profilo/modifica profilo /profilo/modifica tipo=persona_giuridica ragione_sociale="Studio Legale Verdi e Associati" \
	codice_fiscale=07654321095 partita_iva=07654321095 indirizzo="Corso Magenta 12" cap=20123 citta=Milano provincia=MI nazione=IT
is "$code" 303 "a legal person with numeric CF and valid partita IVA"

# --- two-step mailboxes need the push here too
rm -f "$T/cookies.$AC"
login_ac studio.bianchi@pec.it Bianchi-Studio.75
is "$location" /verifica "two-step on: waiting page on areaclienti too"

stop_pecsim
done_testing
