#!/bin/sh
# --har FILE records every exchange as a redacted HAR 1.2 trace; --replay
# FILE.har answers from it with the portal gone, to the same output.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed to read the HAR"
start_pecsim
SIM_PID=${_pids##* }
export PW='MarioRossi.2024'   # the demo mailbox's password (tests/sandbox/demo-state.json)

# What a procedure does by hand: log in on a form, read a page, log in to a
# JSON API. It prints what it saw, and (on stderr) the session cookie so the
# test can look for it in the trace.
cat >"$T/visit.lua" <<'EOF'
local s = pecctl.session()
local pw = assert(pecctl.secrets.resolve("env:PW"))
local r = assert(s:get("https://gestionemail.pec.it/"))
local form = pecctl.html.parse(r.body, r.url):form { id = "login" }
local after = assert(form:fill { casella = "mario.rossi@pec.it", password = pw }:submit(s))
print("login", after.status, after.url)
local page = assert(s:get("https://gestionemail.pec.it/cambio-password"))
print("page", page.status, pecctl.html.parse(page.body, page.url):text("h1"))
local api = assert(s:post("https://webmail.pec.it/smart/api/login",
	{ json = { casella = "mario.rossi@pec.it", password = pw } }))
print("api", api.status, api.body)
for _, c in ipairs(s:cookies()) do io.stderr:write("cookie ", c.value, "\n") end
EOF

run_sim script "$T/visit.lua" --har "$T/trace.har"
is "$status" 0 "a script runs with --har after the command"
live_out=$out
like "$out" "login	200	https://gestionemail.pec.it/titolare" "and logs in against pecsim"
cookie=$(printf '%s\n' "$err" | sed -n 's/^cookie //p' | head -1)

ok "$([ -s "$T/trace.har" ]; echo $?)" "the trace is written at exit"
ok "$([ -z "$(ls "$T" | grep '\.tmp\.')" ]; echo $?)" "and no temporary file is left beside it"

# HAR 1.2 as devtools read it: every required field of every entry.
check=$(python3 - "$T/trace.har" <<'EOF'
import json, sys
har = json.load(open(sys.argv[1]))
log = har["log"]
problems = []
if log.get("version") != "1.2": problems.append("version")
if not log.get("creator", {}).get("name"): problems.append("creator")
req_fields = ["method", "url", "httpVersion", "headers", "queryString", "cookies", "headersSize", "bodySize"]
resp_fields = ["status", "statusText", "httpVersion", "headers", "cookies", "content", "redirectURL", "headersSize", "bodySize"]
for i, e in enumerate(log["entries"]):
    for f in ["startedDateTime", "time", "request", "response", "cache", "timings"]:
        if f not in e: problems.append("entry %d: %s" % (i, f))
    for f in req_fields:
        if f not in e["request"]: problems.append("entry %d request: %s" % (i, f))
    for f in resp_fields:
        if f not in e["response"]: problems.append("entry %d response: %s" % (i, f))
    for f in ["size", "mimeType"]:
        if f not in e["response"]["content"]: problems.append("entry %d content: %s" % (i, f))
    t = e["timings"]
    for f in ["send", "wait", "receive"]:
        if not (isinstance(t.get(f), (int, float)) and t[f] >= 0): problems.append("entry %d timings: %s" % (i, f))
    if e["request"]["method"] == "POST" and "postData" not in e["request"]:
        problems.append("entry %d: POST without postData" % i)
print("entries=%d" % len(log["entries"]))
print("fresh_connect=%d" % sum(1 for e in log["entries"] if e["timings"]["connect"] > 0))
for e in log["entries"]:
    print("%s %s %d" % (e["request"]["method"], e["request"]["url"], e["response"]["status"]))
    if "postData" in e["request"]:
        print("post %s" % e["request"]["postData"]["text"])
for p in problems: print("problem " + p)
EOF
)
unlike "$check" "^problem" "every entry has the HAR 1.2 required fields"
like "$check" "entries=5" "each exchange and each redirect hop is an entry"
like "$check" "POST https://gestionemail.pec.it/login 303" "the POST that redirects is recorded"
like "$check" "GET https://gestionemail.pec.it/titolare 200" "and so is the hop it redirects to"
like "$check" "fresh_connect=[1-9]" "timings come from the real connections"
like "$check" "post _token=\*\*\*&casella=mario.rossi%40pec.it&password=\*\*\*" "form fields that look like credentials are masked"
like "$check" 'post \{"casella":"mario.rossi@pec.it","password":"\*\*\*"\}' "and so are JSON fields"

har=$(cat "$T/trace.har")
unlike "$har" "$PW" "the trace holds no password"
ok "$([ -n "$cookie" ]; echo $?)" "the session had a cookie"
unlike "$har" "${cookie:-no-cookie-seen}" "the trace holds no cookie value"
like "$har" '"value":	"GMSESSID=\*\*\*"' "Cookie headers keep names, not values"
like "$har" 'GMSESSID=\*\*\*; Path=/; HttpOnly' "Set-Cookie keeps its attributes, not the value"

# Headers and query strings that carry credentials.
cat >"$T/headers.lua" <<'EOF'
local s = pecctl.session()
local r = assert(s:get("https://gestionemail.pec.it/?otp=482913&pagina=2", {
	headers = { Authorization = "Bearer eyJhbGciOi.unregistered", ["X-Api-Token"] = "tok-5521-unregistered" } }))
print(r.status)
EOF
run_sim script "$T/headers.lua" --har "$T/headers.har"
is "$status" 0 "a request with credentials in headers and query runs with --har"
har=$(cat "$T/headers.har")
unlike "$har" "eyJhbGciOi|tok-5521|482913" "Authorization, token headers and otp= values stay out of the trace"
like "$har" '"url":	"https://gestionemail.pec.it/\?otp=\*\*\*&pagina=2"' "the URL keeps its shape, with the otp masked"

# A procedure that changes state, through the Aruba plugin.
export NEWPW='Nuova.Password-7'
run_sim run password-change --account mario.rossi@pec.it --secret env:PW \
	--param new_password=env:NEWPW --har "$T/change.har"
is "$status" 0 "password-change runs with --har after run"
change_out=$out
like "$out" "modificata correttamente" "and the portal accepts the new password"
har=$(cat "$T/change.har")
unlike "$har" "$PW" "its trace holds neither the old password"
unlike "$har" "$NEWPW" "nor the new one"
like "$har" 'nuova_password=\*\*\*' "the new password field is there, masked"

# A batch: mailboxes on worker threads, one trace.
export PW3='Verdi-Postmaster.1'
printf 'account,provider,secret\nmario.rossi@pec.it,aruba,env:NEWPW\npostmaster@studiolegale-verdi.it,aruba,env:PW3\n' >"$T/inv.csv"
run_sim batch verify-login --inventory "$T/inv.csv" --parallel 2 --journal "$T/batch.jsonl" --har "$T/batch.har"
is "$status" 0 "a batch of two mailboxes on two threads runs with --har"
logins=$(python3 -c 'import json,sys; print(sum(1 for e in json.load(open(sys.argv[1]))["log"]["entries"] if e["request"]["method"] == "POST"))' "$T/batch.har" 2>&1)
is "$logins" 2 "and its trace holds the logins of both"
har=$(cat "$T/batch.har")
unlike "$har" "$NEWPW|$PW3" "and neither password"

# The portal goes away; the trace answers instead.
kill "$SIM_PID" 2>/dev/null
wait "$SIM_PID" 2>/dev/null
run_pecctl script "$T/visit.lua" --replay "$T/trace.har"
is "$status" 0 "the same script replays from the trace with pecsim stopped"
is "$out" "$live_out" "to the same output"
run_pecctl run password-change --account mario.rossi@pec.it --secret env:PW \
	--param new_password=env:NEWPW --replay "$T/change.har"
is "$status" 0 "the procedure replays with pecsim stopped"
is "$out" "$change_out" "to the same output"

run_pecctl --replay "$T/trace.har" script "$T/visit.lua" --har "$T/again.har"
is "$status" 0 "--replay goes before the command too, and records what it replays"
replayed=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["log"]["entries"]))' "$T/again.har")
is "$replayed" 5 "the replayed run has the same five exchanges"

cat >"$T/more.lua" <<'EOF'
local s = pecctl.session()
assert(s:get("https://gestionemail.pec.it/"))
local r, err = s:get("https://gestionemail.pec.it/accessi")
if not r then error(err) end
EOF
run_pecctl script "$T/more.lua" --replay "$T/trace.har"
is "$status" 75 "a request the trace does not hold fails as a network error"
like "$err" "no recorded answer for GET https://gestionemail.pec.it/accessi in .*trace.har" "naming the request and the trace"

run_pecctl script "$T/visit.lua" --replay "$T/missing.har"
is "$status" 66 "a missing trace exits 66"
like "$err" "missing.har" "and names it"

printf 'not json' >"$T/bad.har"
run_pecctl script "$T/visit.lua" --replay "$T/bad.har"
is "$status" 65 "a file that is not a HAR exits 65"
like "$err" "not a HAR file" "and says so"

run_pecctl script "$T/visit.lua" --har "$T/no/such/dir/t.har"
is "$status" 73 "--har in a directory that does not exist exits 73 before anything runs"
like "$err" "cannot write in" "and says where"

# A script that fails half-way still leaves its trace.
cat >"$T/fails.lua" <<'EOF'
local s = pecctl.session()
assert(s:get("https://gestionemail.pec.it/"))
error("stopped on purpose")
EOF
run_pecctl script "$T/fails.lua" --replay "$T/trace.har" --har "$T/failed.har"
is "$status" 70 "a failing script exits 70"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["log"]["entries"]))' "$T/failed.har" 2>&1)
is "$n" 1 "and its trace is written all the same"

cat >"$T/exits.lua" <<'EOF'
local s = pecctl.session()
assert(s:get("https://gestionemail.pec.it/"))
os.exit(3)
EOF
run_pecctl script "$T/exits.lua" --replay "$T/trace.har" --har "$T/exited.har"
is "$status" 3 "os.exit leaves with its own code"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["log"]["entries"]))' "$T/exited.har" 2>&1)
is "$n" 1 "and the trace is written on that path too"

done_testing
