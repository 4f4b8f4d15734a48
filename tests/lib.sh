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

# start_pecsim [STATE_FILE]: start the emulator on a free port with its own
# TLS dir; sets $SIM_PORT, $SIM (127.0.0.1:PORT), $SIM_CA. Waits until it
# answers.
start_pecsim() {
	_state=${1:-$TOP/tests/sandbox/demo-state.json}
	mkdir -p "$T/tls"
	"$PECSIM_BIN" --listen 127.0.0.1:0 --port-file "$T/pecsim.port" \
		--state "$_state" --tls-dir "$T/tls" >"$T/pecsim.log" 2>&1 &
	_pids="$_pids $!"
	_i=0
	while [ ! -s "$T/pecsim.port" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ]; then
			echo "Bail out! pecsim did not start"; cat "$T/pecsim.log" >&2; exit 1
		fi
		sleep 0.05
	done
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
