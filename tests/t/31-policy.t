#!/bin/sh
# Password policy: checking and generating, as a unit (core/policy.c alone).
. "$(dirname "$0")/../lib.sh"

run_unit policy_test "$TOP/core/policy.c"
exit $?
