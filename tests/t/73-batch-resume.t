#!/bin/sh
# A password-change batch killed with SIGKILL part-way, then resumed: every
# mailbox ends changed exactly once, and the vault holds what the portal
# holds. The mailboxes cut off mid-change are reconciled through the vault.
. "$(dirname "$0")/../lib.sh"

export PECCTL_NO_TTY=1 PECCTL_VAULT_PASSPHRASE=batch-test-passphrase PECCTL_VAULT_KDF=interactive
python3 "$TOP/tests/tools/batch_state.py" 12 8 "$T/state.json" "$T/mailboxes.csv" \
	--passwords "$T/passwords.csv"
start_pecsim "$T/state.json"
mkdir -p "$XDG_CONFIG_HOME/pecctl"
printf 'aruba.logins_per_minute = 0\ninfocert.logins_per_minute = 0\n' >"$XDG_CONFIG_HOME/pecctl/config"

run_pecctl vault init
is "$status" 0 "a vault is created"
run_pecctl vault import "$T/passwords.csv"
is "$status" 0 "and holds the twenty passwords"

journal="$T/journal.jsonl"
kill_batch_mid_change "$journal" --sandbox "$SIM" --cacert "$SIM_CA" batch password-change \
	--inventory "$T/mailboxes.csv" --parallel 4 --journal "$journal"

run_pecctl vault list
like "$out" "PENDING" "the vault holds their new passwords as pending"

resumed_after_kill "$journal" "$T/mailboxes.csv"

run_pecctl vault list
unlike "$out" "PENDING" "nothing is left pending in the vault"

# exactly once: one password change per mailbox reached the portals
is "$(sim_password_changes)" 20 "the portals saw exactly twenty password changes"
admin GET /__sandbox/state >"$T/state-after.json"
python3 - "$T/state-after.json" >"$T/history" <<'PYEOF'
import json, sys
boxes = json.load(open(sys.argv[1]))["mailboxes"]
print(" ".join(sorted(set(str(len(b.get("password_history", []))) for b in boxes if b["provider"] == "infocert"))))
print(sum(1 for b in boxes if b.get("password_changed")))
PYEOF
is "$(sed -n 1p "$T/history")" 1 "each Legalmail mailbox has exactly one earlier password"
is "$(sed -n 2p "$T/history")" 20 "every mailbox's password was changed"

# the vault matches the emulator: every mailbox logs in with vault:ACCOUNT
run_sim batch verify-login --inventory "$T/mailboxes.csv" --parallel 4 --journal "$T/verify.jsonl"
is "$status" 0 "every mailbox logs in with the password the vault holds"
like "$out" "20 ok" "all twenty"

# A mailbox's "start" line reaches the disk before its first change, not
# before its login: the login's POST changes nothing a resume must know.
# (One mailbox at a time: the http lines are then all its own.)
run_sim -vv batch password-change --inventory "$T/mailboxes.csv" --limit 'box0000@pec.it' --parallel 1 \
	--journal "$T/order.jsonl"
is "$status" 0 "one more change, told step by step"
order=$(printf '%s\n' "$err" | awk '
	/http: POST https:\/\/gestionemail.pec.it\/login -> / && !login { login = NR }
	/box0000@pec.it: journal: start line on disk/ && !disk { disk = NR }
	/http: POST https:\/\/gestionemail.pec.it\/cambio-password -> / && !change { change = NR }
	END { print (login && disk && change && login < disk && disk < change) ? "login, on disk, change" : \
		"login at " login ", on disk at " disk ", change at " change }')
is "$order" "login, on disk, change" "the start line is made durable after the login, before the change"

done_testing
