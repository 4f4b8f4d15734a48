# Shared test library: TAP output for prove, and helpers that drive the
# real binaries as a user would. Source it from a tests/t/*.t script:
#
#   . "$(dirname "$0")/../lib.sh"
#   plan 3
#   run_pecctl version;  is "$status" 0 "version exits 0"
#
# Each test gets its own scratch directory ($T) and XDG dirs inside it, so
# tests never touch the user's files and can run in parallel.

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${PECCTL_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
PECCTL_BIN="$BUILD/pecctl"
PECSIM_BIN="$BUILD/pecsim"
T=$(mktemp -d "${TMPDIR:-/tmp}/pecctl-test.XXXXXX")
export XDG_CONFIG_HOME="$T/config" XDG_DATA_HOME="$T/data" XDG_STATE_HOME="$T/state"
export PECCTL_PLUGIN_PATH="$BUILD/plugins" PECCTL_SCRIPT_PATH="$TOP/scripts"
export NO_COLOR=1
unset PECCTL_VAULT_PASSPHRASE
# the user's proxy would carry the tests' traffic: only 13-proxy.t sets one
unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
_tap_n=0
_tap_failed=0
_pids=""

cleanup() {
	for p in $_pids; do kill "$p" 2>/dev/null; done
	for p in $_pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

_tap_planned=""
plan() { _tap_planned=$1; echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

ok() { # ok CONDITION_STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

is() { # is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"
		printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
	fi
}

like() { # like TEXT PATTERN(grep -E) DESCRIPTION
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"
		printf '#   %s\n' "does not match /$2/:" 
		printf '%s\n' "$1" | head -20 | sed 's/^/#   | /'
	fi
}

unlike() { # unlike TEXT PATTERN(grep -E) DESCRIPTION
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		printf '#   unexpectedly matches /%s/\n' "$2"
		printf '%s\n' "$1" | grep -E -- "$2" | head -5 | sed 's/^/#   | /'
	else ok 0 "$3"; fi
}

# run_pecctl ARGS...: runs the real binary; sets $status, $out, $err.
run_pecctl() {
	"$PECCTL_BIN" "$@" >"$T/out" 2>"$T/err" </dev/null
	status=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# run_pecctl_in INPUT ARGS...: like run_pecctl with INPUT on stdin.
run_pecctl_in() {
	_in=$1; shift
	printf '%s' "$_in" | "$PECCTL_BIN" "$@" >"$T/out" 2>"$T/err"
	status=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# wait_for_port_file FILE LOG WHAT: wait until a server started in the
# background has written its port to FILE; bail out showing LOG after 15 s.
wait_for_port_file() {
	_i=0
	while [ ! -s "$1" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ]; then
			echo "Bail out! $3 did not start"; cat "$2" >&2; exit 1
		fi
		sleep 0.05
	done
}

# new_test_ca NAME: a self-signed CA in $T/NAME.pem and $T/NAME.key.
new_test_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.pem" -days 2 -subj "/CN=pecctl $1" \
		>/dev/null 2>&1 || { echo "Bail out! openssl could not make $1"; exit 1; }
}

# start_https_echo_server: tests/tools/https_server.py on a free port with a
# certificate from a fresh test CA ($T/ca.pem) for a.test, b.test, localhost
# and 127.0.0.1; a second CA ($T/other-ca.pem) signs nothing. Sets $PORT.
start_https_echo_server() {
	command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
	command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
	new_test_ca ca
	new_test_ca other-ca
	printf '%s\n' 'subjectAltName=DNS:a.test,DNS:b.test,DNS:localhost,IP:127.0.0.1' \
		'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' \
		'extendedKeyUsage=serverAuth' >"$T/server.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/server.key" -out "$T/server.csr" -subj "/CN=a.test" >/dev/null 2>&1 &&
	openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
		-CAcreateserial -days 2 -extfile "$T/server.ext" -out "$T/server.pem" >/dev/null 2>&1 ||
		{ echo "Bail out! openssl could not sign the server certificate"; exit 1; }
	python3 "$TOP/tests/tools/https_server.py" --cert "$T/server.pem" --key "$T/server.key" \
		--port-file "$T/port" >"$T/server.log" 2>&1 &
	_pids="$_pids $!"
	wait_for_port_file "$T/port" "$T/server.log" "the test server"
	PORT=$(cat "$T/port")
}

# kill_batch_mid_change JOURNAL PECCTL_ARGS...: a password-change batch of
# twenty mailboxes, killed with SIGKILL while some changes are made on the
# portal but not yet answered. Every change (Aruba's and Legalmail's) is
# applied and then answered 2.5 s late; pecctl runs in the background until
# six mailboxes have ended and a second more, then is killed, and the faults
# are cleared. Asserts it was cut off part-way, some mailboxes in the
# middle; sets $starts and $ends, the journal's "start" and "end" lines.
kill_batch_mid_change() {
	_journal=$1
	shift
	admin POST /__sandbox/faults '[{"method":"POST","path":"/cambio-password","when":"after","action":"delay:2500"},
	{"method":"POST","path":"/legalmail/api/v1/account/password","when":"after","action":"delay:2500"}]' >/dev/null
	"$PECCTL_BIN" "$@" >"$T/killed.out" 2>"$T/killed.err" </dev/null &
	_victim=$!
	_i=0
	while [ "$(journal_count end "$_journal")" -lt 6 ] && [ $_i -lt 400 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	sleep 1
	kill -9 "$_victim"
	wait "$_victim" 2>/dev/null
	admin DELETE /__sandbox/faults >/dev/null
	starts=$(journal_count start "$_journal")
	ends=$(journal_count end "$_journal")
	ok "$([ "$ends" -ge 6 ] && [ "$ends" -lt 20 ] && echo 0 || echo 1)" "the batch was killed part-way ($ends of 20 done)"
	ok "$([ "$starts" -gt "$ends" ] && echo 0 || echo 1)" \
		"with mailboxes cut off in the middle ($((starts - ends)) started, not ended)"
}

# resumed_after_kill JOURNAL INVENTORY: the batch kill_batch_mid_change cut
# off, resumed (its report in $T/report.csv): it ends with every mailbox
# done, none failed or left for a person, those done before the kill
# skipped, and a change the portal made before the kill confirmed rather
# than made again.
resumed_after_kill() {
	run_sim batch password-change --inventory "$2" --parallel 4 --journal "$1" --resume \
		--report "$T/report.csv"
	is "$status" 0 "the resumed batch ends with every mailbox done"
	like "$out" "20 mailboxes .*: [0-9]+ ok, 0 failed, 0 needs-action, [0-9]+ skipped" \
		"none failed or left for a person"
	is "$(grep -c ',skipped,,done in an earlier run,' "$T/report.csv")" "$ends" \
		"the ones done before the kill are skipped"
	like "$(cat "$T/report.csv")" "reconciled: the change was made before the earlier batch stopped" \
		"a change the portal made before the kill is confirmed, not made again"
}

# sim_password_changes: how many password changes (Aruba's and Legalmail's
# POSTs) have reached the emulator.
sim_password_changes() {
	admin GET /__sandbox/log | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e["method"] == "POST" and e["path"] in
          ("/cambio-password", "/legalmail/api/v1/account/password")))'
}

# journal_count EVENT JOURNAL: how many lines of that event it holds (0 when
# there is no journal yet).
journal_count() {
	_n=$(grep -c "\"event\":\"$1\"" "$2" 2>/dev/null)
	echo "${_n:-0}"
}

# start_pecsim [STATE_FILE]: start the emulator on a free port with its own
# TLS dir; sets $SIM_PORT, $SIM (127.0.0.1:PORT), $SIM_CA. Waits until it
# answers.
start_pecsim() {
	_state=${1:-$TOP/tests/sandbox/demo-state.json}
	mkdir -p "$T/tls"
	"$PECSIM_BIN" --listen 127.0.0.1:0 --port-file "$T/pecsim.port" \
		--state "$_state" --tls-dir "$T/tls" >"$T/pecsim.log" 2>&1 &
	_pids="$_pids $!"
	wait_for_port_file "$T/pecsim.port" "$T/pecsim.log" pecsim
	SIM_PORT=$(cat "$T/pecsim.port")
	SIM="127.0.0.1:$SIM_PORT"
	SIM_CA="$T/tls/ca.pem"
}

# sim_curl HOST PATH [CURL ARGS...]: the real curl against pecsim under a
# real hostname (as a browser would), cookies kept in $T/cookies.HOST.
sim_curl() {
	_host=$1; _path=$2; shift 2
	curl -sS --cacert "$SIM_CA" --connect-to "$_host:443:$SIM" \
		-b "$T/cookies.$_host" -c "$T/cookies.$_host" "$@" "https://$_host$_path"
}

# admin METHOD PATH [BODY]: the emulator's admin API.
admin() {
	if [ $# -ge 3 ]; then
		curl -sS --cacert "$SIM_CA" --connect-to "gestionemail.pec.it:443:$SIM" \
			-X "$1" -H 'Content-Type: application/json' --data-binary "$3" \
			"https://gestionemail.pec.it$2"
	else
		curl -sS --cacert "$SIM_CA" --connect-to "gestionemail.pec.it:443:$SIM" \
			-X "$1" "https://gestionemail.pec.it$2"
	fi
}

# pecctl against the running pecsim.
run_sim() { run_pecctl --sandbox "$SIM" --cacert "$SIM_CA" "$@"; }

done_testing() {
	[ -n "$_tap_planned" ] || echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# The emulator's request log, for counting what a procedure cost.
# sim_log_mark: the sequence number of the last request so far.
sim_log_mark() {
	admin GET /__sandbox/log | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[-1]["seq"] if l else 0)'
}
# sim_requests_since SEQ [HOST]: "METHOD PATH" of each request after SEQ.
sim_requests_since() {
	admin GET "/__sandbox/log?since=$1" | python3 -c '
import json, sys
host = sys.argv[1] if len(sys.argv) > 1 else None
for e in json.load(sys.stdin):
    if e["path"].startswith("/__sandbox/") or (host and e["host"] != host):
        continue
    print(e["method"], e["path"])' ${2:+"$2"}
}
# sim_connections_since SEQ: "HOST CONNECTIONS" per host after SEQ (each
# connection is one TLS handshake).
sim_connections_since() {
	admin GET "/__sandbox/log?since=$1" | python3 -c '
import json, sys
conns = {}
for e in json.load(sys.stdin):
    if not e["path"].startswith("/__sandbox/"):
        conns.setdefault(e["host"], set()).add(e["conn"])
for h in sorted(conns):
    print(h, len(conns[h]))'
}
# sim_mail_login ADDRESS PASSWORD: would IMAP/SMTP accept it? (true/false)
sim_mail_login() {
	admin POST /__sandbox/check-mail-login "{\"address\":\"$1\",\"password\":\"$2\"}" |
		python3 -c 'import json,sys; print(str(json.load(sys.stdin)["ok"]).lower())'
}
# sim_state_get PYTHON-EXPR: evaluate EXPR on the state (s) and the mailbox
# map (m, by address), e.g. sim_state_get 'm["a@pec.it"]["twofa"]'.
sim_state_get() {
	admin GET /__sandbox/state | python3 -c '
import json, sys
s = json.load(sys.stdin)
m = {b["address"]: b for b in s["mailboxes"]}
v = eval(sys.argv[1])
print(json.dumps(v) if not isinstance(v, str) else v)' "$1"
}

# run_unit NAME CORE_FILE...: builds tests/unit/NAME.c with the core files
# it tests (sanitized when the suite is) and runs it; the program prints its
# own TAP plan and results. Bails out when it does not build. UNIT_PKGS
# names pkg-config modules it needs besides libsodium; UNIT_LIBS, when set,
# is linked instead of those modules' libraries (libxml2 from its static
# archive, as pecctl links it).
run_unit() {
	_unit=$1
	shift
	_unit_cflags="-std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
-Wwrite-strings -Werror -D_GNU_SOURCE -g -O1"
	if [ "${PECCTL_SANITIZED:-}" = 1 ]; then
		_unit_cflags="$_unit_cflags -fsanitize=address,undefined -fno-omit-frame-pointer \
-fno-sanitize-recover=undefined"
	fi
	_unit_libs=${UNIT_LIBS:-}
	# shellcheck disable=SC2086
	[ -n "$_unit_libs" ] || [ -z "${UNIT_PKGS:-}" ] || _unit_libs=$(pkg-config --libs $UNIT_PKGS)
	# shellcheck disable=SC2086
	if ! cc $_unit_cflags -I"$TOP/core" -I"$TOP/core/include" \
		$(pkg-config --cflags libcjson libsodium ${UNIT_PKGS:-}) -o "$T/$_unit" "$@" \
		"$TOP/tests/unit/$_unit.c" $(pkg-config --libs libsodium) $_unit_libs -lpthread \
		>"$T/cc.log" 2>&1; then
		echo "Bail out! cannot build tests/unit/$_unit.c"
		sed 's/^/# /' "$T/cc.log"
		exit 1
	fi
	"$T/$_unit"
}
