#!/bin/sh
# pecctl batch as a reseller meets it: a mixed Aruba/Legalmail inventory
# with bad rows, wrong passwords and two-step mailboxes, run against pecsim
# without a terminal; the report, the journal, --strict, --limit, --resume.
. "$(dirname "$0")/../lib.sh"

export PECCTL_NO_TTY=1

# row ACCOUNT FIELD [REPORT]: one field of an account's row in a JSON report.
row() {
	python3 - "$1" "$2" "${3:-$T/report.json}" <<'EOF'
import json, sys
account, field, path = sys.argv[1:4]
for r in json.load(open(path))["mailboxes"]:
    if r["account"] == account:
        print(r[field])
        break
else:
    print("(no row)")
EOF
}

# --- the command line ---

run_pecctl batch -h
is "$status" 0 "batch -h exits 0"
like "$out" "^usage: pecctl batch PROCEDURE --inventory FILE.csv" "and prints the usage"

run_pecctl batch verify-login
is "$status" 64 "batch without --inventory is a usage error"
like "$err" "give --inventory FILE.csv" "and says what to add"

run_pecctl batch verify-login --inventory x.csv --report out.txt
is "$status" 64 "a report that is neither .csv nor .json is refused"

run_pecctl batch verify-login --inventory x.csv --parallel 0
is "$status" 64 "--parallel 0 is refused"
like "$err" "from 1 to 256" "with the range"

run_pecctl batch verify-login --inventory "$T/missing.csv"
is "$status" 66 "a missing inventory exits 66"
like "$err" "cannot open the inventory .*missing.csv" "and names it"

printf 'address,password\na@pec.it,x\n' >"$T/bad-header.csv"
run_pecctl batch verify-login --inventory "$T/bad-header.csv"
is "$status" 65 "an inventory without an account column exits 65"
like "$err" "line 1: a 'password' column: pecctl never reads passwords" "and says why"

printf 'account,param.colour\na@pec.it,blue\n' >"$T/bad-param.csv"
run_pecctl batch verify-login --inventory "$T/bad-param.csv"
is "$status" 65 "a param column the procedure does not declare exits 65"
like "$err" "verify-login has no parameter 'colour'" "and names it"

# --- against the emulator ---

start_pecsim
admin PATCH /__sandbox/settings '{"login_rate_per_minute": 1000}' >/dev/null
mkdir -p "$XDG_CONFIG_HOME/pecctl"
# the plugins' polite limits would make this test wait; they are data
printf 'aruba.logins_per_minute = 0\ninfocert.logins_per_minute = 0\n' >"$XDG_CONFIG_HOME/pecctl/config"

export PW_MARIO='MarioRossi.2024' PW_VERDI='Giuseppe.Verdi70' PW_LUCA='Marini.Studio7'
export PW_BIANCHI='Bianchi-Studio.75' PW_FRANCESCA='Pec!Sicura2024' PW_ANNA='Colombo_Lm2024'
export PW_WRONG='Sbagliata.2024'
cat >"$T/mailboxes.csv" <<'EOF'
account,provider,secret
mario.rossi@pec.it,,env:PW_MARIO
avv.verdi@studiolegale-verdi.it,aruba,env:PW_VERDI
luca.marini@legalmail.it,,env:PW_LUCA
studio.bianchi@pec.it,,env:PW_BIANCHI
francesca.neri@legalmail.it,,env:PW_FRANCESCA
anna.colombo@legalmail.it,,env:PW_ANNA
segreteria@studiolegale-verdi.it,aruba,env:PW_WRONG
just one field
praticante@studiolegale-verdi.it,aruba,Praticante.2024
mario.rossi@pec.it,,env:PW_MARIO
someone@example.org,,env:PW_MARIO
"quoted@pec.it",nosuchprovider,env:PW_MARIO
EOF

admin DELETE /__sandbox/log >/dev/null
run_sim batch verify-login --inventory "$T/mailboxes.csv" --strict
is "$status" 65 "--strict with malformed rows exits 65"
like "$err" "5 rows of .*mailboxes.csv cannot run; nothing was run \(--strict\)" "and says nothing ran"
is "$(admin GET /__sandbox/log | python3 -c 'import json,sys; print(len([e for e in json.load(sys.stdin) if not e["path"].startswith("/__sandbox")]))')" 0 \
	"and the portals saw no request"

run_sim batch verify-login --inventory "$T/mailboxes.csv" --parallel 4 --report "$T/report.json"
is "$status" 1 "a batch with failures exits 1"
like "$out" "^verify-login: 12 mailboxes in [0-9.]+ s: 3 ok, 6 failed, 3 needs-action, 0 skipped$" \
	"the summary line counts every row"
is "$(row mario.rossi@pec.it status)" ok "an Aruba mailbox is ok"
is "$(row avv.verdi@studiolegale-verdi.it status)" ok "a PEC on own domain with provider column is ok"
is "$(row luca.marini@legalmail.it status)" ok "a Legalmail mailbox is ok"
is "$(row luca.marini@legalmail.it provider)" infocert "its provider is found from the domain"
is "$(row studio.bianchi@pec.it status)" needs-action "Aruba two-step without a terminal needs action"
is "$(row studio.bianchi@pec.it code)" needs_human "with code needs_human"
like "$(row studio.bianchi@pec.it message)" "without a terminal" "and says why"
is "$(row francesca.neri@legalmail.it status)" needs-action "Legalmail push without a terminal needs action"
is "$(row anna.colombo@legalmail.it status)" needs-action "Legalmail SMS code without a terminal needs action"
is "$(row segreteria@studiolegale-verdi.it status)" failed "a wrong password fails"
is "$(row segreteria@studiolegale-verdi.it code)" auth "with code auth"
is "$(row 'just one field' code)" invalid "a one-field row is invalid"
like "$(row 'just one field' message)" "^line 9: 1 fields where the header has 3" "with its line number"
like "$(row praticante@studiolegale-verdi.it message)" "^line 10: the secret column must name" \
	"a password in the secret column is refused"
like "$(row someone@example.org message)" "^line 12: no provider serves" "an unknown domain is named"
like "$(row quoted@pec.it message)" "^line 13: unknown provider 'nosuchprovider'" "an unknown provider is named"
python3 - "$T/report.json" <<'EOF' >"$T/dupes"
import json, sys
rows = json.load(open(sys.argv[1]))["mailboxes"]
print(sum(1 for r in rows if r["account"] == "mario.rossi@pec.it"))
EOF
is "$(cat "$T/dupes")" 2 "a repeated account gets its own failed row"
ok "$([ "$(row mario.rossi@pec.it requests)" -ge 2 ] && echo 0 || echo 1)" "the report counts the requests made"
like "$err" "segreteria@studiolegale-verdi.it: failed \(auth\)" "failures are listed on stderr as they happen"
unlike "$(cat "$T/report.json" "$T/err" "$T/out" "$XDG_STATE_HOME"/pecctl/batch/*)" \
	"MarioRossi.2024|Giuseppe.Verdi70|Marini.Studio7|Bianchi-Studio.75|Sicura2024|Colombo_Lm2024|Sbagliata.2024|Praticante.2024" \
	"no password appears in the report, the journal or the output"

journal="$XDG_STATE_HOME/pecctl/batch/verify-login-mailboxes.jsonl"
ok "$([ -f "$journal" ] && echo 0 || echo 1)" "the journal is kept under XDG_STATE_HOME by default"
is "$(grep -c '"event":"start"' "$journal")" 7 "one start line per mailbox that ran"
is "$(grep -c '"event":"end"' "$journal")" 7 "and one end line each"

# CSV report: one row per mailbox, a header, RFC 4180 quoting
run_sim batch verify-login --inventory "$T/mailboxes.csv" --limit '*@legalmail.it' --report "$T/report.csv" \
	--journal "$T/legalmail.jsonl"
is "$status" 20 "needs-action and no failure exits 20"
is "$(head -1 "$T/report.csv" | tr -d '\r')" "account,provider,status,code,message,duration_s,requests,line" \
	"the CSV report starts with its header"
is "$(tail -n +2 "$T/report.csv" | cut -d, -f1 | sort | tr '\n' ' ')" \
	"anna.colombo@legalmail.it francesca.neri@legalmail.it luca.marini@legalmail.it " \
	"--limit selects accounts by glob, bad rows of other accounts included out"

# --- resume ---
export PW_WRONG='Segreteria-2024'   # the password fixed in the reference's source
run_sim batch verify-login --inventory "$T/mailboxes.csv" --resume --report "$T/report.json"
is "$status" 1 "a resumed batch with earlier failures still exits 1"
like "$(row mario.rossi@pec.it message)" "done in an earlier run" "--resume skips mailboxes done earlier"
is "$(row mario.rossi@pec.it status)" skipped "as skipped"
like "$(row segreteria@studiolegale-verdi.it message)" "failed in an earlier run .*--retry-failed" \
	"and does not re-run failed ones without --retry-failed"

run_sim batch verify-login --inventory "$T/mailboxes.csv" --retry-failed --report "$T/report.json"
is "$(row segreteria@studiolegale-verdi.it status)" ok "--retry-failed runs the failed one again"
is "$(row mario.rossi@pec.it status)" skipped "and still skips the done ones"

# --- the plugins' own limits: Aruba allows 20 logins a minute ---
rm -f "$XDG_CONFIG_HOME/pecctl/config"
cat >"$T/aruba4.csv" <<'EOF'
account,secret,provider
mario.rossi@pec.it,env:PW_MARIO,
avv.verdi@studiolegale-verdi.it,env:PW_VERDI,aruba
segreteria@studiolegale-verdi.it,env:PW_WRONG,aruba
postmaster@studiolegale-verdi.it,env:PW_POSTMASTER,aruba
EOF
export PW_POSTMASTER='Verdi-Postmaster.1'
start=$(date +%s%N)
run_sim batch verify-login --inventory "$T/aruba4.csv" --parallel 4 --journal "$T/aruba4.jsonl"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$status" 0 "four Aruba mailboxes are ok"
ok "$([ "$elapsed_ms" -ge 5500 ] && echo 0 || echo 1)" \
	"at 20 logins a minute (a burst of 2, then one every 3 s) four logins take 6 s (took ${elapsed_ms} ms)"

done_testing
