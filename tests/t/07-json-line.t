#!/bin/sh
# The JSON line writer of the batch journal, as a unit (core/json_line.c alone).
. "$(dirname "$0")/../lib.sh"

UNIT_PKGS=libcjson run_unit json_line_test "$TOP/core/json_line.c"
exit $?
