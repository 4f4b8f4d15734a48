#!/bin/sh
# HTTP sessions: the real binary runs tests/lua/http_test.lua against a
# loopback HTTPS server, reaching it as a.test and b.test through --sandbox
# with a test CA, as it would reach the portal emulator.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
[ -x "$PECCTL_BIN" ] || { echo "Bail out! $PECCTL_BIN is not built"; exit 1; }

# new_ca NAME: a self-signed CA in $T/NAME.pem and $T/NAME.key.
new_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.pem" -days 2 -subj "/CN=pecctl $1" \
		>/dev/null 2>&1 || { echo "Bail out! openssl could not make $1"; exit 1; }
}

# The server certificate, signed by ca, for every name the tests use.
new_ca ca
new_ca other-ca
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
_i=0
while [ ! -s "$T/port" ]; do
	_i=$((_i + 1))
	if [ $_i -gt 200 ]; then
		echo "Bail out! the test server did not start"; cat "$T/server.log" >&2; exit 1
	fi
	sleep 0.05
done
PORT=$(cat "$T/port")

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

run_pecctl --sandbox "127.0.0.1:$PORT" --cacert "$T/ca.pem" --timeout 1 \
	script "$TOP/tests/lua/http_test.lua" global-timeout
relay
is "$status" 0 "http_test.lua global-timeout exits 0"

# The plan goes last: the Lua script decides how many tests it runs.
echo "1..$_tap_n"
[ "$_tap_failed" -eq 0 ]
