#!/bin/sh
# pecctl vault reconcile against pecsim: an entry left pending keeps the
# password that logs in; vault:ACCOUNT references open the mailbox.
. "$(dirname "$0")/../lib.sh"
# The system Python when there is one: version-manager shims start slowly.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

export PECCTL_NO_TTY=1 PECCTL_VAULT_KDF=interactive PECCTL_VAULT_PASSPHRASE='Reconcile pass 1'
ADDR=mario.rossi@pec.it
REAL=MarioRossi.2024      # what the emulator holds
start_pecsim
: > "$T/all-stderr"

run_pecctl vault init
printf 'Wrong.Old-1\n' | "$PECCTL_BIN" vault set "$ADDR" 2>>"$T/all-stderr"
cat > "$T/stage.lua" <<'LUA'
-- stage KEY ENVVAR OP: what a rotation does before it submits
assert(pecctl.vault.stage(arg[1], pecctl.secrets.resolve("env:" .. arg[2]), arg[3]))
LUA
stage() { "$PECCTL_BIN" script "$T/stage.lua" "$@" 2>>"$T/all-stderr"; }

run_sim vault reconcile
is "$status" 0 "nothing pending: reconcile exits 0"
like "$err" "nothing to reconcile" "and says so"

# The portal took the change: the pending password logs in.
PW_NEW=$REAL stage "$ADDR" PW_NEW op-1
run_sim vault reconcile
cat "$T/err" >> "$T/all-stderr"
is "$status" 0 "pending password that works: reconcile exits 0"
like "$out" "$ADDR: the pending password logs in: it is now the current one" "it is promoted"
run_pecctl vault get "$ADDR"
is "$out" "$REAL" "vault get gives the password the emulator holds"
run_pecctl vault get --previous "$ADDR"
is "$out" "Wrong.Old-1" "the replaced one is kept as previous"
run_sim run verify-login --account "$ADDR" --secret "vault:$ADDR"
is "$status" 0 "a login with --secret vault:ACCOUNT succeeds"

# The portal kept the old password: the current one logs in.
PW_NEW='Never.Sent-2' stage "$ADDR" PW_NEW op-2
run_sim vault reconcile "$ADDR"
cat "$T/err" >> "$T/all-stderr"
is "$status" 0 "current password that works: reconcile ACCOUNT exits 0"
like "$out" "$ADDR: the current password still logs in: the pending one is dropped" "the pending one is dropped"
run_pecctl vault list
like "$out" "$ADDR +ok" "nothing is pending any more"
run_pecctl vault get "$ADDR"
is "$out" "$REAL" "and the current password is unchanged"

# Neither works: both stay, and a person must look.
PW_NEW='Never.Sent-3' stage "$ADDR" PW_NEW op-3
printf 'Wrong.Old-4\n' | "$PECCTL_BIN" vault set "$ADDR" 2>>"$T/all-stderr"
run_sim vault reconcile
cat "$T/err" >> "$T/all-stderr"
is "$status" 77 "neither password logs in: reconcile exits 77"
like "$err" "neither the pending password nor the current one logs in; both stay in the vault" "and says what to do"
run_pecctl vault list
like "$out" "$ADDR +PENDING since .*operation op-3" "the entry stays pending"

like "$out" "operation op-3, 2 failed logins" "with the failed logins counted"
run_sim vault reconcile
cat "$T/err" >> "$T/all-stderr"
is "$status" 20 "after 2 failed logins reconcile stops short of the lockout (exit 20)"
like "$err" "2 logins with its passwords have failed already and another could lock the mailbox" "saying why"
like "$err" "reconcile --force $ADDR" "and how to go on once a person has looked"
run_sim vault reconcile --force
cat "$T/err" >> "$T/all-stderr"
is "$status" 77 "--force tries again"
run_pecctl vault list --json
is "$(printf '%s' "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["pending"]["failed_logins"])')" 4 \
	"and counts two more failed logins"

run_sim vault reconcile nobody@pec.it
is "$status" 66 "reconcile of an unknown account exits 66"

for s in "$REAL" Wrong.Old-1 Never.Sent-2 Never.Sent-3 Wrong.Old-4 "$PECCTL_VAULT_PASSPHRASE"; do
	if grep -qF -- "$s" "$T/all-stderr"; then ok 1 "no secret on stderr ($s found)"; fi
done
ok 0 "no password reached stderr"

done_testing
