#!/bin/sh
# ICU loaded only when libxml2 first needs a converter from it, as a unit
# (core/icu_on_demand.c, with libxml2 from its static archive as pecctl
# links it), and the pecctl binary starting without ICU or the C++ runtime.
. "$(dirname "$0")/../lib.sh"

UNIT_PKGS=libxml-2.0 UNIT_LIBS="-Wl,-Bstatic -lxml2 -Wl,-Bdynamic -lz -llzma -lm -ldl" \
	run_unit icu_on_demand_test "$TOP/core/icu_on_demand.c"
exit $?
