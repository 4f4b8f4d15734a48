#ifndef PECCTL_EMBEDDED_LUA_H
#define PECCTL_EMBEDDED_LUA_H
#include <stddef.h>

/* Lua modules compiled into the binary from core/lua/ (see tools/embed.c). */
struct embedded_lua {
	const char *module;  /* "pecctl" for core/lua/pecctl.lua */
	const char *source;
	size_t length;
	const char *bytecode;  /* compiled at build time, by the liblua linked */
	size_t bytecode_length;
};

extern const struct embedded_lua embedded_lua_files[]; /* ends with a NULL module */

#endif
