#!/bin/sh
# A password-change batch with no vault, its passwords in the inventory (the
# one in use as the secret, the new one as param.new_password), killed with
# SIGKILL part-way and resumed: a mailbox cut off mid-change is checked by
# logging in with the new password, then the old one, and every mailbox ends
# changed exactly once.
. "$(dirname "$0")/../lib.sh"

export PECCTL_NO_TTY=1 PW_ARUBA=ArubaBatch.2024 PW_INFOCERT='Legal!Batch2024' NEW_PW=Nuova.Password-2025
python3 "$TOP/tests/tools/batch_state.py" 12 8 "$T/state.json" "$T/accounts.csv" --secret-env
sed '1s/$/,param.new_password/; 2,$s/$/,env:NEW_PW/' "$T/accounts.csv" >"$T/mailboxes.csv"
start_pecsim "$T/state.json"
mkdir -p "$XDG_CONFIG_HOME/pecctl"
printf 'aruba.logins_per_minute = 0\ninfocert.logins_per_minute = 0\n' >"$XDG_CONFIG_HOME/pecctl/config"

journal="$T/journal.jsonl"
kill_batch_mid_change "$journal" --sandbox "$SIM" --cacert "$SIM_CA" batch password-change \
	--inventory "$T/mailboxes.csv" --parallel 4 --journal "$journal"
ok "$([ ! -e "$XDG_DATA_HOME/pecctl/vault" ] && echo 0 || echo 1)" "and no vault anywhere"

resumed_after_kill "$journal" "$T/mailboxes.csv"

# exactly once: one password change per mailbox reached the portals
is "$(sim_password_changes)" 20 "the portals saw exactly twenty password changes"

# every mailbox now opens with the new password
sed '1s/.*/account,secret/; 2,$s/,.*$/,env:NEW_PW/' "$T/accounts.csv" >"$T/new.csv"
run_sim batch verify-login --inventory "$T/new.csv" --parallel 4 --journal "$T/verify.jsonl"
is "$status" 0 "every mailbox logs in with the new password"
like "$out" "20 ok" "all twenty"

# A change whose outcome stays unknown: its answer comes after the client's
# timeout, and the logins that would tell fail with 500. Without a vault the
# message says how to find out, not to reconcile a vault there is not.
export NEWER_PW=Ancora.Nuova-2026
admin POST /__sandbox/faults '[{"host":"gestionemail.pec.it","method":"POST","path":"/cambio-password","when":"after","action":"delay:4000","times":1}]' >/dev/null
"$PECCTL_BIN" --sandbox "$SIM" --cacert "$SIM_CA" --timeout 2 run password-change --account box0000@pec.it \
	--secret env:NEW_PW --param new_password=env:NEWER_PW >"$T/out2" 2>"$T/err2" </dev/null &
run_pid=$!
i=0
while [ "$(sim_state_get 'm["box0000@pec.it"]["password"]')" != "$NEWER_PW" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
admin POST /__sandbox/faults '[{"host":"gestionemail.pec.it","method":"POST","path":"/login","action":"status:500","times":5}]' >/dev/null
wait "$run_pid"
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "an outcome nobody can tell fails the run"
like "$(cat "$T/err2")" "cannot tell whether the password of box0000@pec.it changed" "and says so"
like "$(cat "$T/err2")" "verify-login --account box0000@pec.it" "naming how to look"
unlike "$(cat "$T/err2")" "vault" "without sending the user to a vault"
admin DELETE /__sandbox/faults >/dev/null

# A mailbox a journal left started whose change never reached the portal:
# the resume finds the password in use still works and changes it, asking
# for that password once (its cmd: runs once, not for the check and again
# for the run).
export THIRD_PW=Terza.Password-2027
printf '#!/bin/sh\necho asked >>"%s"\nprintf %%s "$NEW_PW"\n' "$T/asked" >"$T/password-in-use"
chmod +x "$T/password-in-use"
printf 'account,secret,param.new_password\nbox0001@pec.it,cmd:%s,env:THIRD_PW\n' "$T/password-in-use" \
	>"$T/one.csv"
printf '{"event":"start","account":"box0001@pec.it","line":2,"attempt":1}\n' >"$T/left.jsonl"
run_sim batch password-change --inventory "$T/one.csv" --journal "$T/left.jsonl" --resume
is "$status" 0 "a mailbox left started, its change never made, is changed on resume"
is "$(sim_state_get 'm["box0001@pec.it"]["password"]')" "$THIRD_PW" "to the new password"
is "$(wc -l <"$T/asked" | tr -d ' ')" 1 "the password in use was asked for once"

done_testing
