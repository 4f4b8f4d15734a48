#!/bin/sh
# Compiled Lua chunks kept for the process, as a unit (core/lua_bytecode.c alone).
. "$(dirname "$0")/../lib.sh"

UNIT_PKGS=lua5.4 run_unit lua_bytecode_test "$TOP/core/lua_bytecode.c"
exit $?
