#!/bin/sh
# The move of an Aruba mailbox to InfoCert Legalmail (seed
# aruba-2fa-disable-for-infocert-migration.txt), with the real binary against
# pecsim: migrate-prepare turns two-step off and records what the new mailbox
# needs, two-step cannot come back while the mailbox is migrating,
# migrate-finish sets the Legalmail mailbox up, and running either again
# changes nothing.
. "$(dirname "$0")/../lib.sh"

OLD=studio.bianchi@pec.it
NEW=studio.bianchi@legalmail.it
# The Legalmail counterpart: the same holder (codice fiscale), with the
# provider's first password, its own recovery data and an old address.
python3 - "$TOP/tests/sandbox/demo-state.json" > "$T/state.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["settings"]["login_rate_per_minute"] = 1000
s["settings"]["auto_approve_ms"] = 300
s["mailboxes"].append({
    "address": "studio.bianchi@legalmail.it", "provider": "infocert", "userid": "M4567890",
    "plan": "Legalmail Professional", "password": "Benvenuto.2026", "twofa": False,
    "mfa": {"enabled": False, "methods": []},
    "recovery": {"email": "attivazioni@infocert.example", "mobile": "+393350000001",
                 "question": "Animale preferito", "answer": "Gatto Silvestro"},
    "profile": {"tipo": "persona_giuridica", "nome": "", "cognome": "",
                "ragione_sociale": "Studio Bianchi", "codice_fiscale": "12345678903",
                "partita_iva": "12345678903", "indirizzo": "Via Vecchia 1", "cap": "20121",
                "citta": "Milano", "provincia": "MI", "nazione": "IT"}})
json.dump(s, sys.stdout)
PY
start_pecsim "$T/state.json"
# app approvals arrive after 300 ms: look for them often
mkdir -p "$XDG_CONFIG_HOME/pecctl"
echo 'aruba.push_poll_ms = 100' > "$XDG_CONFIG_HOME/pecctl/config"
export PECCTL_NO_TTY=1
export OLD_PW='Bianchi-Studio.75' LM_PW='Benvenuto.2026' ANSWER='Gatto Silvestro'
export PECCTL_VAULT_PASSPHRASE='passphrase for the migration test'
PECCTL_VAULT_KDF=interactive "$PECCTL_BIN" vault init >/dev/null 2>&1
FILE="$XDG_DATA_HOME/pecctl/migrations/$OLD.json"

# Codes sent by SMS, read from the emulator's outbox as the person would.
cat > "$T/otp.sh" <<OTP
#!/bin/sh
curl -sS --cacert "$SIM_CA" --connect-to "gestionemail.pec.it:443:$SIM" \
	https://gestionemail.pec.it/__sandbox/outbox |
	python3 -c "import json,sys; print([e for e in json.load(sys.stdin) if e['channel']=='sms'][-1]['code'])"
OTP
chmod +x "$T/otp.sh"

# The emulator's state of one mailbox without what every login changes.
mailbox_state() {
	sim_state_get "{k: v for k, v in m[\"$1\"].items() if k not in ('access_log', 'failed_logins', 'locked_until')}"
}
holder() {  # the holder profile of the Aruba mailbox (its Aruba account's)
	sim_state_get "[p for a in s['accounts'] for v in a['services'] for p in v['profiles'] if '$OLD' in p['mailboxes']][0]"
}
# The requests since MARK that change something (logins and app approvals aside).
changing_requests() {
	sim_requests_since "$1" | grep -Ev '^GET |/login$|/auth/login$|/api/login|/verifica$' || true
}
all_output=""

# --- migrate-prepare --------------------------------------------------------
mark=$(sim_log_mark)
run_sim run migrate-prepare --account $OLD --secret env:OLD_PW --check
all_output="$all_output$out$err"
is "$status" 0 "migrate-prepare --check exits 0"
like "$out" "two-step verification is on.*nothing changed, nothing written" "and says what it found, changing nothing"
is "$(sim_state_get "m['$OLD']['twofa']")" true "two-step verification is still on"
is "$(changing_requests "$mark")" "" "nothing was submitted"
is "$(ls -A "$XDG_DATA_HOME/pecctl" 2>/dev/null | grep -v '^vault' || true)" "" "no migration file (or lock) is written"

run_sim -vv run migrate-prepare --account $OLD --secret env:OLD_PW
all_output="$all_output$out$err"
is "$status" 0 "migrate-prepare exits 0 (the app approval arrives)"
like "$out" "two-step verification turned off" "saying two-step verification was turned off"
like "$out" "migrate-finish --account NEW@legalmail.it --param from=$OLD" "and what to run next"
is "$(sim_state_get "m['$OLD']['twofa']")" false "the portal has two-step verification off"
is "$(stat -c %a "$FILE")" 600 "the migration file is private (0600)"
record() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2])))' "$FILE" "$1"; }
is "$(record 'r["state"], r["twofa"]["was_on"], r["twofa"]["device"]')" \
	'["migrating", true, "iPhone di Laura Bianchi"]' "it records the mailbox as migrating and two-step as it was"
is "$(record 'r["contacts"]["email"], r["contacts"]["mobile"]')" \
	'["laura.bianchi@example.com", "+393401112233"]' "with the recovery contacts"
is "$(record 'r["profile"]["ragione_sociale"], r["profile"]["codice_fiscale"], r["profile"]["indirizzo"]')" \
	'["Studio Bianchi Associati", "12345678903", "Via Dante 7"]' "and the holder data"

# --- two-step stays off while migrating --------------------------------------
mark=$(sim_log_mark)
run_sim run twofa-enable --account $OLD --secret env:OLD_PW
all_output="$all_output$out$err"
is "$status" 65 "twofa-enable on a migrating mailbox is refused: exit 65"
like "$err" "being migrated" "saying why"
like "$err" "$FILE" "naming the migration file"
like "$err" "migrate-finish .*--param end=true" "and how to end the migration"
is "$(sim_requests_since "$mark")" "" "without a request to the portal"
is "$(sim_state_get "m['$OLD']['twofa']")" false "two-step verification is still off"
# the same refusal when a custom script (or the REPL) calls the operation itself
cat > "$T/enable.lua" <<'LUA'
local acct = pecctl.account { address = arg[1], password = pecctl.secrets.resolve("env:OLD_PW") }
local ok, err = acct:twofa_enable {}
io.write(ok and "enabled" or (err.code .. ": " .. err.message), "\n")
LUA
run_sim script "$T/enable.lua" $OLD
like "$out" "^policy: refused: $OLD is being migrated" "a script calling twofa_enable directly is refused too"
is "$(sim_requests_since "$mark")" "" "still without a request to the portal"

# --- one run at a time per migration ----------------------------------------
flock "$FILE.lock" "$PECCTL_BIN" --sandbox "$SIM" --cacert "$SIM_CA" run migrate-prepare --account $OLD \
	--secret env:OLD_PW >"$T/out" 2>"$T/err" </dev/null
is "$?" 75 "a second run while another holds the migration exits 75 (try again later)"
like "$(cat "$T/err")" "another pecctl is working on the migration of $OLD" "saying why"

# --- migrate-prepare again changes nothing -----------------------------------
before=$(mailbox_state $OLD; holder)
mark=$(sim_log_mark)
run_sim run migrate-prepare --account $OLD --secret env:OLD_PW
all_output="$all_output$out$err"
is "$status" 0 "migrate-prepare run again exits 0"
like "$out" "already prepared.*nothing changed" "and says there was nothing to do"
is "$(mailbox_state $OLD; holder)" "$before" "the Aruba mailbox is as it was"
is "$(changing_requests "$mark")" "" "no state-changing request was sent"

# --- migrate-finish -----------------------------------------------------------
before=$(mailbox_state $NEW)
mark=$(sim_log_mark)
run_sim run migrate-finish --account $NEW --secret env:LM_PW --param from=$OLD
all_output="$all_output$out$err"
is "$status" 64 "migrate-finish without the security answer its recovery change needs: exit 64"
like "$err" "answer=REF" "asking for --param answer"
run_sim run migrate-finish --account $NEW --secret env:LM_PW --param from=$OLD --param answer=env:ANSWER --check
all_output="$all_output$out$err"
is "$status" 0 "migrate-finish --check exits 0"
like "$out" "would set a new password.*would change the recovery email, mobile.*would copy the holder's ragione_sociale, indirizzo.*nothing submitted" \
	"saying what it would do"
is "$(mailbox_state $NEW)" "$before" "neither changed the Legalmail mailbox"
is "$(changing_requests "$mark")" "" "nothing was submitted"

# pecctl is killed while the portal applies the new password: the vault
# holds it as pending, and the next run finds out that it is in force.
admin POST /__sandbox/faults '{"host":"webmail.infocert.it","method":"POST","path":"/legalmail/api/v1/account/password","when":"after","action":"delay:2000","times":1}' >/dev/null
mark=$(sim_log_mark)
"$PECCTL_BIN" --sandbox "$SIM" --cacert "$SIM_CA" run migrate-finish --account $NEW --secret env:LM_PW \
	--param from=$OLD --param answer=env:ANSWER >"$T/killed.out" 2>&1 </dev/null &
victim=$!
i=0
until sim_requests_since "$mark" | grep -q "POST /legalmail/api/v1/account/password" || [ $i -gt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -9 $victim; wait $victim 2>/dev/null
like "$("$PECCTL_BIN" vault list 2>&1)" "$NEW.*PENDING" "killed during the password change, the vault keeps the new password as pending"

# The recovery change then fails at the portal: the run stops after the
# password step, and the next run resumes from there.
admin POST /__sandbox/faults '{"host":"webmail.infocert.it","method":"PUT","path":"/legalmail/api/v1/account/recovery","action":"status:503","times":1}' >/dev/null
mark=$(sim_log_mark)
run_sim --otp-command "$T/otp.sh" run migrate-finish --account $NEW --secret env:LM_PW --param from=$OLD \
	--param answer=env:ANSWER
all_output="$all_output$out$err"
isnt_zero=$([ "$status" -ne 0 ] && echo yes || echo no)
is "$isnt_zero" yes "migrate-finish stopped by a portal failure exits non-zero"
unlike "$(sim_requests_since "$mark")" "POST /legalmail/api/v1/account/password" \
	"the interrupted password change was reconciled, not sent again"
unlike "$("$PECCTL_BIN" vault list 2>&1)" "$NEW.*PENDING" "nothing is pending in the vault any more"
NEW_PW=$("$PECCTL_BIN" vault get $NEW 2>/dev/null)
is "$(sim_mail_login $NEW "$NEW_PW")" true "the new password, kept in the vault, is in force"

mark=$(sim_log_mark)
run_sim -vv --otp-command "$T/otp.sh" run migrate-finish --account $NEW --secret env:LM_PW --param from=$OLD \
	--param answer=env:ANSWER
all_output="$all_output$out$err"
is "$status" 0 "migrate-finish run again exits 0"
unlike "$out" "new password set" "the password, changed already, is not changed again"
unlike "$(sim_requests_since "$mark")" "POST /legalmail/api/v1/account/password" "no password change is sent"
like "$out" "recovery email, mobile copied" "the recovery contacts are copied"
like "$out" "holder's ragione_sociale, indirizzo copied" "and the holder data that differed"
like "$out" "login with the new password checked" "the new login is checked"
like "$out" "stays marked as migrating.*--param end=true" "and the old mailbox stays migrating until told"
is "$(sim_state_get "m['$NEW']['recovery']['email'], m['$NEW']['recovery']['mobile'], m['$NEW']['recovery']['question']")" \
	'["laura.bianchi@example.com", "+393401112233", "Animale preferito"]' \
	"the portal has the recovery email and mobile of the old mailbox, the question kept"
is "$(sim_state_get "[m['$NEW']['profile'][k] for k in ('ragione_sociale', 'codice_fiscale', 'partita_iva', 'indirizzo', 'cap', 'citta')]")" \
	'["Studio Bianchi Associati", "12345678903", "12345678903", "Via Dante 7", "20121", "Milano"]' \
	"and the holder data of the old mailbox"
is "$(sim_mail_login $NEW "$NEW_PW")" true "the new password works"
is "$(sim_mail_login $NEW "$LM_PW")" false "the first one no longer does"
is "$(record 'r["to"], bool(r["finish"]["done"]), r["state"]')" "[\"$NEW\", true, \"migrating\"]" \
	"the migration file records the completion"

before=$(mailbox_state $NEW)
mark=$(sim_log_mark)
run_sim --otp-command "$T/otp.sh" run migrate-finish --account $NEW --secret env:LM_PW --param from=$OLD \
	--param answer=env:ANSWER
all_output="$all_output$out$err"
is "$status" 0 "migrate-finish run once more exits 0 (with the vault's password)"
like "$out" "already set up.*nothing changed" "and says there was nothing to do"
is "$(mailbox_state $NEW)" "$before" "the Legalmail mailbox is as it was"
is "$(changing_requests "$mark")" "" "no state-changing request was sent"

# --- no secret anywhere ---------------------------------------------------
secrets_found=no
for s in "$OLD_PW" "$LM_PW" "$NEW_PW" "$ANSWER"; do
	if grep -qF -- "$s" "$FILE" || printf '%s' "$all_output" | grep -qF -- "$s"; then secrets_found=yes; fi
done
is "$secrets_found" no "no password or answer in the migration file or the output (-vv included)"

# --- ending the migration ----------------------------------------------------
run_sim --otp-command "$T/otp.sh" run migrate-finish --account $NEW --secret env:LM_PW --param from=$OLD --param end=true
is "$status" 0 "migrate-finish --param end=true exits 0"
like "$out" "migration ended" "saying the migration is over"
is "$(record 'r["state"]')" '"ended"' "the migration file says so"
run_sim --otp-command "$T/otp.sh" run twofa-enable --account $OLD --secret env:OLD_PW
is "$status" 0 "twofa-enable on the old mailbox is no longer refused"
like "$out" "pair the Aruba PEC app" "the SMS code is accepted and the app is to be paired"
is "$(sim_state_get "m['$OLD'].get('pairing', False)")" true "the portal waits for the app"
admin POST /__sandbox/pair "{\"address\":\"$OLD\",\"device\":\"iPhone di Laura Bianchi\"}" >/dev/null
run_sim run twofa-enable --account $OLD --secret env:OLD_PW
like "$out" "already on" "once the app is paired, two-step verification is on"

# --- calling a migration off -------------------------------------------------
export MARIO_PW='MarioRossi.2024'
run_sim run migrate-prepare --account mario.rossi@pec.it --secret env:MARIO_PW
is "$status" 0 "migrate-prepare of a mailbox with two-step off exits 0"
run_sim run migrate-prepare --account mario.rossi@pec.it --secret env:MARIO_PW --param cancel=true
is "$status" 0 "--param cancel=true calls it off"
run_sim run migrate-finish --account $NEW --secret env:LM_PW --param from=mario.rossi@pec.it
is "$status" 65 "and migrate-finish refuses a cancelled migration"
printf '#!/bin/sh\necho 000000\n' > "$T/wrong-otp.sh"; chmod +x "$T/wrong-otp.sh"
run_sim --otp-command "$T/wrong-otp.sh" run twofa-enable --account mario.rossi@pec.it --secret env:MARIO_PW
like "$err" "Codice non valido" "twofa-enable is no longer refused there, and a wrong SMS code fails with the portal's message"
is "$(sim_state_get "m['mario.rossi@pec.it'].get('pairing', False), m['mario.rossi@pec.it']['twofa']")" \
	'[false, false]' "leaving two-step verification off"
( sleep 1; admin POST /__sandbox/pair '{"address":"mario.rossi@pec.it","device":"Pixel di Mario"}' >/dev/null ) &
pairer=$!
run_sim --otp-command "$T/otp.sh" run twofa-enable --account mario.rossi@pec.it --secret env:MARIO_PW --param wait=20
wait $pairer
is "$status" 0 "twofa-enable --param wait=20 exits 0 once the app is paired"
like "$out" "two-step verification turned on" "and says two-step verification is on"
is "$(sim_state_get "m['mario.rossi@pec.it']['twofa']")" true "the portal has it on"

done_testing
