# Helpers for the pecsim contract tests (tests/t/20-pecsim-*.t), on top of
# tests/lib.sh. They drive the emulator with the real curl as a browser
# would: GET the page, take the form's _token, POST it back.

# The system Python when there is one: version-manager shims cost ~100 ms a call.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

# req HOST PATH [CURL ARGS...]: sets $code, $body, $headers, $location.
req() {
	_rh=$1; _rp=$2; shift 2
	code=$(sim_curl "$_rh" "$_rp" -D "$T/resp.h" -o "$T/resp.b" -w '%{http_code}' "$@")
	body=$(cat "$T/resp.b")
	headers=$(tr -d '\r' <"$T/resp.h")
	location=$(printf '%s\n' "$headers" | sed -n 's/^[Ll]ocation: //p' | tail -1)
}

# form_token HTML FORM_ID: the _token of that form.
form_token() {
	printf '%s\n' "$1" | grep -A1 "<form id=\"$2\"" |
		sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p' | head -1
}

# post_form HOST ACTION TOKEN KEY=VALUE...: a form POST as a browser sends it.
post_form() {
	_ph=$1; _pa=$2; _pt=$3; shift 3
	_n=$#
	while [ "$_n" -gt 0 ]; do
		set -- "$@" --data-urlencode "$1"
		shift
		_n=$((_n - 1))
	done
	req "$_ph" "$_pa" --data-urlencode "_token=$_pt" "$@"
}

# submit HOST PAGE FORM_ID ACTION KEY=VALUE...: load PAGE, post FORM_ID.
submit() {
	_sh=$1; _sp=$2; _sf=$3; _sa=$4; shift 4
	req "$_sh" "$_sp"
	post_form "$_sh" "$_sa" "$(form_token "$body" "$_sf")" "$@"
}

# jreq HOST METHOD PATH [JSON [CURL ARGS...]]: a JSON API call.
jreq() {
	_jh=$1; _jm=$2; _jp=$3; shift 3
	if [ $# -ge 1 ]; then
		_jb=$1; shift
		req "$_jh" "$_jp" -X "$_jm" -H 'Content-Type: application/json' --data-binary "$_jb" "$@"
	else
		req "$_jh" "$_jp" -X "$_jm" "$@"
	fi
}

# json EXPR: evaluates a Python expression over the JSON on stdin (as d).
json() {
	"$PY" -c 'import json,sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$1"
}

# last_code TO: the newest code the outbox holds for TO.
last_code() {
	admin GET "/__sandbox/outbox?to=$(printf '%s' "$1" | sed 's/+/%2B/g')" | json 'd[-1]["code"] if d else ""'
}

# pending_push ADDRESS: the id of the newest pending push for ADDRESS.
pending_push() {
	admin GET /__sandbox/push | json "([p['id'] for p in d if p['address'] == '$1'] or [''])[0]"
}

# settings JSON: merge into the state's settings.
settings() {
	admin PATCH /__sandbox/settings "$1" >/dev/null
}

# reset_sim: state as loaded, no sessions, no cookies.
reset_sim() {
	admin POST /__sandbox/reset >/dev/null
	rm -f "$T"/cookies.*
}

# stop_pecsim: SIGTERM the emulator; it must exit 0 with everything freed
# (under ASan a leak or a UBSan finding makes it fail) and log no sanitizer
# report.
stop_pecsim() {
	_sp=${_pids##* }
	kill -TERM "$_sp"
	wait "$_sp"
	_st=$?
	_pids=${_pids% *}
	is "$_st" 0 "pecsim exits 0 on SIGTERM"
	unlike "$(cat "$T/pecsim.log")" 'Sanitizer|runtime error' "pecsim logged no sanitizer report"
}
