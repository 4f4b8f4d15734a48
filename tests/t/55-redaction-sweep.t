#!/bin/sh
# The redaction sweep: every procedure, run with -v --log-format json --har
# against pecsim; then every file pecctl wrote and everything it printed is
# searched for every secret involved (old, new and app passwords, codes,
# the vault passphrase). There must be none.
. "$(dirname "$0")/../lib.sh"
start_pecsim
export PECCTL_NO_TTY=1
admin PATCH /__sandbox/settings '{"login_rate_per_minute":1000,"auto_approve_ms":200}' >/dev/null

export PECCTL_VAULT_PASSPHRASE='sweep-vault-passphrase' PECCTL_VAULT_KDF=interactive
"$PECCTL_BIN" vault init >/dev/null 2>&1
printf 'MarioRossi.2024' | "$PECCTL_BIN" vault set mario.rossi@pec.it >/dev/null 2>&1
printf 'Bianchi-Studio.75' | "$PECCTL_BIN" vault set studio.bianchi@pec.it >/dev/null 2>&1
printf 'Verdi-Postmaster.1' | "$PECCTL_BIN" vault set postmaster@studiolegale-verdi.it >/dev/null 2>&1
printf 'Marini.Studio7' | "$PECCTL_BIN" vault set luca.marini@legalmail.it >/dev/null 2>&1
export NEW_MARIO='Rossi.Sweep-2025' NEW_SEG='Segreteria.Sweep-9' LM_ANSWER='gatto soriano'

cat > "$T/otp.sh" <<OTP
#!/bin/sh
case "\$PECCTL_PROMPT" in *SMS*|*sms*) channel=sms ;; *) channel=email ;; esac
curl -sS --cacert "$SIM_CA" --connect-to "gestionemail.pec.it:443:$SIM" \
	https://gestionemail.pec.it/__sandbox/outbox |
	python3 -c "import json,sys; print([e for e in json.load(sys.stdin) if e['channel']=='\$channel'][-1]['code'])"
OTP
chmod +x "$T/otp.sh"

n=0
sweep() { # sweep ARGS...: one procedure run, everything it writes kept in $T/out
	n=$((n + 1))
	"$PECCTL_BIN" -vv --log-format json --har "$T/trace-$n.har" --sandbox "$SIM" --cacert "$SIM_CA" \
		--otp-command "$T/otp.sh" "$@" >"$T/stdout-$n" 2>"$T/stderr-$n" </dev/null
	echo "$?" > "$T/status-$n"
}

sweep run verify-login --account mario.rossi@pec.it
sweep run password-change --account mario.rossi@pec.it --param new_password=env:NEW_MARIO --check
sweep run password-change --account mario.rossi@pec.it --param new_password=env:NEW_MARIO
sweep run password-change --account mario.rossi@pec.it
sweep --provider aruba run domain-password-set --account postmaster@studiolegale-verdi.it \
	--param mailbox=segreteria@studiolegale-verdi.it --param new_password=env:NEW_SEG
sweep run contacts-update --account mario.rossi@pec.it --param email=sweep@example.org --param mobile=+393339998877
sweep run profile-correction --account mario.rossi@pec.it --param indirizzo='Via Sweep 1'
sweep run password-expiry --account mario.rossi@pec.it --param enabled=true --param days=60
sweep run access-history --account mario.rossi@pec.it
sweep run app-password --account studio.bianchi@pec.it
sweep run twofa-disable --account studio.bianchi@pec.it
sweep run verify-login --account luca.marini@legalmail.it
sweep run contacts-update --account luca.marini@legalmail.it --param email=lm@example.org \
	--param mobile=+393331230000 --param question='animale preferito' --param answer=env:LM_ANSWER
sweep run password-change --account luca.marini@legalmail.it

failed=""
i=1
while [ $i -le $n ]; do
	[ "$(cat "$T/status-$i")" = 0 ] || failed="$failed $i"
	i=$((i + 1))
done
is "$failed" "" "all $n procedure runs succeeded"
for f in $failed; do sed 's/^/#   /' "$T/stderr-$f" | tail -3; done

# Every secret involved: the emulator's state holds the passwords as they
# are now (the generated ones included) and the app password; the outbox
# holds every code sent.
admin GET /__sandbox/state > "$T/state.json"
admin GET /__sandbox/outbox > "$T/outbox.json"
python3 - "$T/state.json" "$T/outbox.json" > "$T/secrets" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))
values = {"MarioRossi.2024", "Bianchi-Studio.75", "Verdi-Postmaster.1", "Marini.Studio7",
          "Rossi.Sweep-2025", "Segreteria.Sweep-9", "gatto soriano", "Segreteria-2024",
          "sweep-vault-passphrase"}
for m in state["mailboxes"]:
    values.add(m["password"])
    if m.get("app_password"):
        values.add(m["app_password"]["value"])
for e in json.load(open(sys.argv[2])):
    values.add(e["code"])
for v in sorted(values):
    print(v)
PY
nsecrets=$(wc -l < "$T/secrets" | tr -d ' ')
[ "$nsecrets" -ge 16 ]; ok $? "$nsecrets secrets to look for"
like "$(cat "$T/secrets")" '^[0-9]{6}$' "codes sent during the runs are among the secrets"
like "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mailboxes"][1].get("app_password") and "app" or "none")' "$T/state.json")" \
	app "an app password was created and is among the secrets"

# Everything pecctl wrote: its output, HAR traces, the vault directory, the
# state and config directories.
find "$T" -type f ! -name secrets ! -name state.json ! -name outbox.json ! -name 'pecsim*' \
	! -name otp.sh ! -path "$T/tls/*" > "$T/written"
hits=""
while IFS= read -r secret; do
	while IFS= read -r file; do
		if grep -qF -- "$secret" "$file"; then hits="$hits $(basename "$file")"; fi
	done < "$T/written"
done < "$T/secrets"
is "$hits" "" "no secret in any of the $(wc -l < "$T/written" | tr -d ' ') files written or printed"

har_ok=0
for h in "$T"/trace-*.har; do
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["log"]["version"]=="1.2" and d["log"]["entries"]' "$h" || har_ok=1
done
is "$har_ok" 0 "every HAR trace is valid JSON with entries"
like "$(cat "$T"/stderr-3)" '"level":"debug"' "the logs were verbose JSON"

done_testing
