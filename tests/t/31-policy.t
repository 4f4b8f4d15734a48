#!/bin/sh
# Password policy: checking and generating, as a unit (core/policy.c alone).
. "$(dirname "$0")/../lib.sh"

CFLAGS_POLICY="-std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
-Wwrite-strings -Werror -D_GNU_SOURCE -g -O1"
if [ "${PECCTL_SANITIZED:-}" = 1 ]; then
	CFLAGS_POLICY="$CFLAGS_POLICY -fsanitize=address,undefined -fno-omit-frame-pointer \
-fno-sanitize-recover=undefined"
fi

# shellcheck disable=SC2086
if ! cc $CFLAGS_POLICY -I"$TOP/core" -I"$TOP/core/include" $(pkg-config --cflags libcjson libsodium) \
	-o "$T/policy_test" "$TOP/core/policy.c" "$TOP/tests/unit/policy_test.c" \
	$(pkg-config --libs libsodium) >"$T/cc.log" 2>&1; then
	echo "Bail out! cannot build tests/unit/policy_test.c"
	sed 's/^/# /' "$T/cc.log"
	exit 1
fi

# The unit test prints its own TAP plan and results.
"$T/policy_test"
exit $?
