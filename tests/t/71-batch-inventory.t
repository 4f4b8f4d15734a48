#!/bin/sh
# The batch inventory parser as a unit (core/inventory.c and the redactor).
. "$(dirname "$0")/../lib.sh"

CFLAGS_INV="-std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
-Wwrite-strings -Werror -D_GNU_SOURCE -g -O1"
if [ "${PECCTL_SANITIZED:-}" = 1 ]; then
	CFLAGS_INV="$CFLAGS_INV -fsanitize=address,undefined -fno-omit-frame-pointer \
-fno-sanitize-recover=undefined"
fi

# shellcheck disable=SC2086
if ! cc $CFLAGS_INV -I"$TOP/core" -I"$TOP/core/include" $(pkg-config --cflags libcjson libsodium) \
	-o "$T/inventory_test" "$TOP/core/inventory.c" "$TOP/core/redact.c" \
	"$TOP/tests/unit/inventory_test.c" $(pkg-config --libs libsodium) -lpthread >"$T/cc.log" 2>&1; then
	echo "Bail out! cannot build tests/unit/inventory_test.c"
	sed 's/^/# /' "$T/cc.log"
	exit 1
fi

# The unit test prints its own TAP plan and results.
"$T/inventory_test"
exit $?
