#!/bin/sh
# HTTP sessions: the real binary runs tests/lua/http_test.lua against a
# loopback HTTPS server, reaching it as a.test and b.test through --sandbox
# with a test CA, as it would reach the portal emulator.
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || { echo "Bail out! $PECCTL_BIN is not built"; exit 1; }
start_https_echo_server

# relay: the Lua script's TAP lines, renumbered into this file's stream.
relay() {
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "${line#* - }" ;;
		"not ok "*) ok 1 "${line#* - }" ;;
		"1.."*) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$T/out"
	[ -s "$T/err" ] && sed 's/^/# stderr: /' "$T/err"
	return 0
}

run_pecctl --sandbox "127.0.0.1:$PORT" --cacert "$T/ca.pem" \
	script "$TOP/tests/lua/http_test.lua"
relay
is "$status" 0 "http_test.lua exits 0"

run_pecctl --sandbox "127.0.0.1:$PORT" --cacert "$T/other-ca.pem" \
	script "$TOP/tests/lua/http_test.lua" untrusted
relay
is "$status" 0 "http_test.lua untrusted exits 0"

# The certificate store is read once and shared by the connections: the
# system's bundle (no --cacert) and a file that is no CA list must refuse
# the test server as surely as another CA does.
run_pecctl --sandbox "127.0.0.1:$PORT" script "$TOP/tests/lua/http_test.lua" untrusted
relay
is "$status" 0 "http_test.lua untrusted exits 0 with the system's CA bundle"

echo "not a certificate" >"$T/not-a-ca.pem"
run_pecctl --sandbox "127.0.0.1:$PORT" --cacert "$T/not-a-ca.pem" \
	script "$TOP/tests/lua/http_test.lua" untrusted
relay
is "$status" 0 "http_test.lua untrusted exits 0 with a --cacert that holds no certificate"

run_pecctl --sandbox "127.0.0.1:$PORT" --cacert "$T/ca.pem" --timeout 1 \
	script "$TOP/tests/lua/http_test.lua" global-timeout
relay
is "$status" 0 "http_test.lua global-timeout exits 0"

# The plan goes last: the Lua script decides how many tests it runs.
echo "1..$_tap_n"
[ "$_tap_failed" -eq 0 ]
