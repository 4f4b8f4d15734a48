#!/bin/sh
# Forms submitted through a real pecctl.session: the real binary runs
# tests/lua/html_submit_test.lua against the loopback HTTPS echo server.
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || { echo "Bail out! $PECCTL_BIN is not built"; exit 1; }
start_https_echo_server

"$PECCTL_BIN" --sandbox "127.0.0.1:$(cat "$T/port")" --cacert "$T/ca.pem" \
	script "$TOP/tests/lua/html_submit_test.lua"
