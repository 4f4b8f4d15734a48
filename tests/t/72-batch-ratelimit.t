#!/bin/sh
# A 429 storm on one provider slows that provider down, not the others.
. "$(dirname "$0")/../lib.sh"

export PECCTL_NO_TTY=1 PW_ARUBA=ArubaBatch.2024 PW_INFOCERT='Legal!Batch2024'
python3 "$TOP/tests/tools/batch_state.py" 6 6 "$T/state.json" "$T/mailboxes.csv" --secret-env
start_pecsim "$T/state.json"
mkdir -p "$XDG_CONFIG_HOME/pecctl"
# no polite limits of our own: only the portal's 429s slow anything down
printf 'aruba.logins_per_minute = 0\ninfocert.logins_per_minute = 0\n' >"$XDG_CONFIG_HOME/pecctl/config"

# GestioneMail answers 429 "Retry-After: 2" four times
admin POST /__sandbox/faults '{"host":"gestionemail.pec.it","action":"rate_limit:2","times":4}' >/dev/null

run_sim -v batch verify-login --inventory "$T/mailboxes.csv" --parallel 4 --journal "$T/journal.jsonl" \
	--report "$T/report.csv"
is "$status" 0 "every mailbox ends ok once the storm has passed"
like "$out" "12 ok, 0 failed" "all twelve"
like "$err" "aruba: the portal asks to slow down: no new aruba mailbox for [0-9]+ s" "the slow-down is said"
unlike "$err" "infocert: the portal asks to slow down" "and only for Aruba"

python3 - "$T/journal.jsonl" >"$T/timing" <<'PYEOF'
import json, sys, datetime
def t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
run = None
ends = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "run":
        run = t(e["time"])
    elif e["event"] == "end":
        ends[e["account"]] = t(e["time"]) - run
legalmail = max(v for k, v in ends.items() if k.endswith("@legalmail.it"))
aruba = max(v for k, v in ends.items() if k.endswith("@pec.it"))
print("%.1f %.1f" % (legalmail, aruba))
PYEOF
read -r legalmail aruba <"$T/timing"
ok "$(python3 -c "print(0 if $legalmail < 2 else 1)")" "Legalmail mailboxes all finish at once (last after ${legalmail} s)"
ok "$(python3 -c "print(0 if $aruba >= 4.5 else 1)")" "Aruba mailboxes wait out the pause (last after ${aruba} s)"
ok "$(grep -c ',ok,' "$T/report.csv" | grep -qx 12 && echo 0 || echo 1)" "the report has twelve ok rows"

# When the portal keeps refusing, the mailbox fails rate_limited after a few
# tries; the other provider is still not held back.
admin POST /__sandbox/faults '{"host":"gestionemail.pec.it","action":"rate_limit:0"}' >/dev/null
head -2 "$T/mailboxes.csv" >"$T/two.csv"
grep legalmail "$T/mailboxes.csv" | head -2 >>"$T/two.csv"
run_sim batch verify-login --inventory "$T/two.csv" --parallel 2 --journal "$T/journal2.jsonl" \
	--report "$T/report2.csv"
is "$status" 1 "a provider that never stops refusing fails its mailbox"
like "$(cat "$T/report2.csv")" "box0000@pec.it,aruba,failed,rate_limited," "with code rate_limited"
like "$(cat "$T/report2.csv")" "box0000@legalmail.it,infocert,ok," "while Legalmail is ok"

done_testing
