#!/bin/sh
# A batch at a terminal: app approvals are waited for (one at a time on the
# terminal) instead of reported, and a progress line is drawn.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
unset PECCTL_NO_TTY
# pushes approve themselves after 300 ms, as if someone tapped "approve"
python3 - "$TOP/tests/sandbox/demo-state.json" "$T/state.json" <<'PYEOF'
import json, sys
state = json.load(open(sys.argv[1]))
state["settings"]["auto_approve_ms"] = 300
state["settings"]["login_rate_per_minute"] = 1000
json.dump(state, open(sys.argv[2], "w"))
PYEOF
start_pecsim "$T/state.json"
mkdir -p "$XDG_CONFIG_HOME/pecctl"
printf 'aruba.logins_per_minute = 0\ninfocert.logins_per_minute = 0\n' >"$XDG_CONFIG_HOME/pecctl/config"
export PW_MARIO='MarioRossi.2024' PW_BIANCHI='Bianchi-Studio.75' PW_FRANCESCA='Pec!Sicura2024' PW_LUCA='Marini.Studio7'
cat >"$T/mailboxes.csv" <<'CSV'
account,secret
studio.bianchi@pec.it,env:PW_BIANCHI
francesca.neri@legalmail.it,env:PW_FRANCESCA
mario.rossi@pec.it,env:PW_MARIO
luca.marini@legalmail.it,env:PW_LUCA
CSV

$PY "$TOP/tests/tools/pty_run.py" -- "$PECCTL_BIN" --sandbox "$SIM" --cacert "$SIM_CA" batch verify-login \
	--inventory "$T/mailboxes.csv" --parallel 4 --max-pending-approvals 1 --report "$T/report.csv" \
	--journal "$T/journal.jsonl" >"$T/tty" 2>&1
status=$?
is "$status" 0 "at a terminal the two-step mailboxes are approved and end ok"
is "$(grep -c ',ok,' "$T/report.csv")" 4 "all four"
like "$(cat "$T/tty")" "verify-login [0-9]/4 · [0-9]+ failed · [0-9]+ needs-action · [0-9]+ running" \
	"a progress line is drawn on the terminal"
like "$(cat "$T/tty")" "verify-login: 4 mailboxes in [0-9.]+ s: 4 ok" "and the summary follows it"

# without a terminal the same inventory reports the two-step ones instead
PECCTL_NO_TTY=1 run_sim batch verify-login --inventory "$T/mailboxes.csv" --journal "$T/journal2.jsonl"
is "$status" 20 "without a terminal they need action (exit 20)"
unlike "$err" "running ·" "and no progress line is drawn"

done_testing
