#!/bin/sh
# pecctl.json: the real binary runs tests/lua/json_test.lua (round trips,
# null versus nil, arrays versus objects, errors with offsets, secrets).
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || { echo "Bail out! $PECCTL_BIN is not built"; exit 1; }
"$PECCTL_BIN" script "$TOP/tests/lua/json_test.lua"
