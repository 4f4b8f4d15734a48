#!/bin/sh
# The secure heap that holds secrets, as a unit (core/secure_heap.c alone).
. "$(dirname "$0")/../lib.sh"

run_unit secure_heap_test "$TOP/core/secure_heap.c"
exit $?
