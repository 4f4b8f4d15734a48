#!/bin/sh
# Ctrl-C in a batch: nothing new starts, the mailboxes in flight finish,
# the report is written, the exit code says interrupted; --resume then
# does the rest.
. "$(dirname "$0")/../lib.sh"

export PECCTL_NO_TTY=1 PW_ARUBA=ArubaBatch.2024 PW_INFOCERT='Legal!Batch2024'
python3 "$TOP/tests/tools/batch_state.py" 8 4 "$T/state.json" "$T/mailboxes.csv" --secret-env
start_pecsim "$T/state.json"
mkdir -p "$XDG_CONFIG_HOME/pecctl"
printf 'aruba.logins_per_minute = 0\ninfocert.logins_per_minute = 0\n' >"$XDG_CONFIG_HOME/pecctl/config"
# every login answers 0.8 s late, so there is time to interrupt
admin POST /__sandbox/faults '[{"method":"POST","path":"*login","action":"delay:800"}]' >/dev/null

journal="$T/journal.jsonl"
"$PECCTL_BIN" --sandbox "$SIM" --cacert "$SIM_CA" batch verify-login --inventory "$T/mailboxes.csv" \
	--parallel 3 --journal "$journal" --report "$T/report.csv" >"$T/out" 2>"$T/err" </dev/null &
batch_pid=$!
i=0
while ! grep -q '"event":"start"' "$journal" 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
run_sim batch verify-login --inventory "$T/mailboxes.csv" --journal "$journal"
is "$status" 75 "a second batch on the same journal is refused while the first runs"
like "$err" "another pecctl batch is using the journal" "and says why"
kill -INT "$batch_pid"
wait "$batch_pid"
status=$?
is "$status" 130 "Ctrl-C exits 130"
like "$(cat "$T/out")" "interrupted, [0-9]+ not started: --resume continues" "the summary says so"
starts=$(grep -c '"event":"start"' "$journal")
ends=$(grep -c '"event":"end"' "$journal")
is "$ends" "$starts" "every mailbox that had started was let finish ($starts)"
ok "$([ "$starts" -lt 12 ] && echo 0 || echo 1)" "and no new one started"
is "$(grep -c ',ok,' "$T/report.csv")" "$starts" "the report has them as ok"
is "$(grep -c ',skipped,interrupted,not started' "$T/report.csv")" "$((12 - starts))" \
	"and the others as skipped, not started"

admin DELETE /__sandbox/faults >/dev/null
run_sim batch verify-login --inventory "$T/mailboxes.csv" --parallel 3 --journal "$journal" --resume
is "$status" 0 "--resume runs the rest"
like "$out" "12 mailboxes .*: $((12 - starts)) ok, 0 failed, 0 needs-action, $starts skipped" \
	"and only the rest"

done_testing
