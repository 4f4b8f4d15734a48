#!/bin/sh
# pecctl.html: the real binary runs tests/lua/html_test.lua (pages shaped
# like the portals in tests/sandbox/README.md: XPath, CSS, forms, secrets in forms).
. "$(dirname "$0")/../lib.sh"

[ -x "$PECCTL_BIN" ] || { echo "Bail out! $PECCTL_BIN is not built"; exit 1; }
"$PECCTL_BIN" script "$TOP/tests/lua/html_test.lua"
