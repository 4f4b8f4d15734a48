#!/bin/sh
# The batch inventory parser as a unit (core/inventory.c and the redactor).
. "$(dirname "$0")/../lib.sh"

run_unit inventory_test "$TOP/core/inventory.c" "$TOP/core/redact.c" "$TOP/core/secure_heap.c"
exit $?
