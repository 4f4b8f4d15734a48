#!/bin/sh
# The allocator libxml2 uses for pages, as a unit (core/xml_alloc.c alone).
. "$(dirname "$0")/../lib.sh"

UNIT_PKGS=libxml-2.0 run_unit xml_alloc_test "$TOP/core/xml_alloc.c"
exit $?
