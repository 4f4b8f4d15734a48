#!/bin/sh
# Forms submitted through a real pecctl.session: the real binary runs
# tests/lua/html_submit_test.lua against the loopback HTTPS echo server.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
[ -x "$PECCTL_BIN" ] || { echo "Bail out! $PECCTL_BIN is not built"; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=pecctl test ca" \
	>/dev/null 2>&1 || { echo "Bail out! openssl could not make the CA"; exit 1; }
printf '%s\n' 'subjectAltName=DNS:a.test' 'basicConstraints=CA:FALSE' \
	'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >"$T/server.ext"
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

"$PECCTL_BIN" --sandbox "127.0.0.1:$(cat "$T/port")" --cacert "$T/ca.pem" \
	script "$TOP/tests/lua/html_submit_test.lua"
