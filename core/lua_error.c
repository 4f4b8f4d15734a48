/*
 * Error values for Lua: expected failures return nil plus a table
 * {code=, message=, field=, status=} whose tostring is "message (code)".
 * Messages are redacted on the way in, so no secret reaches a script's
 * error output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lua_api.h"
#include "redact.h"

static int error_tostring(lua_State *L)
{
	lua_getfield(L, 1, "message");
	lua_getfield(L, 1, "code");
	lua_pushfstring(L, "%s (%s)", luaL_optstring(L, -2, "error"), luaL_optstring(L, -1, "?"));
	return 1;
}

static void push_error_metatable(lua_State *L)
{
	if (luaL_newmetatable(L, "pecctl.error")) {
		lua_pushcfunction(L, error_tostring);
		lua_setfield(L, -2, "__tostring");
	}
}

static void set_redacted(lua_State *L, const char *field, const char *text)
{
	char *safe = redact_copy(text, strlen(text), NULL);

	lua_pushstring(L, safe);
	free(safe);
	lua_setfield(L, -2, field);
}

int lua_push_error(lua_State *L, const struct pecctl_error *err)
{
	lua_pushnil(L);
	lua_createtable(L, 0, 4);
	lua_pushstring(L, err->code[0] ? err->code : PECCTL_E_INTERNAL);
	lua_setfield(L, -2, "code");
	set_redacted(L, "message", err->message[0] ? err->message : "unknown error");
	if (err->field[0]) {
		lua_pushstring(L, err->field);
		lua_setfield(L, -2, "field");
	}
	if (err->http_status) {
		lua_pushinteger(L, err->http_status);
		lua_setfield(L, -2, "status");
	}
	push_error_metatable(L);
	lua_setmetatable(L, -2);
	return 2;
}

int lua_push_error_code(lua_State *L, const char *code, const char *fmt, ...)
{
	struct pecctl_error err = { 0 };
	va_list ap;

	snprintf(err.code, sizeof(err.code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	return lua_push_error(L, &err);
}

static void copy_field(lua_State *L, int idx, const char *name, char *out, size_t cap)
{
	lua_getfield(L, idx, name);
	if (lua_type(L, -1) == LUA_TSTRING)
		snprintf(out, cap, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
}

void lua_to_error(lua_State *L, int idx, struct pecctl_error *err)
{
	idx = lua_absindex(L, idx);
	memset(err, 0, sizeof(*err));
	if (lua_istable(L, idx)) {
		copy_field(L, idx, "code", err->code, sizeof(err->code));
		copy_field(L, idx, "message", err->message, sizeof(err->message));
		copy_field(L, idx, "field", err->field, sizeof(err->field));
		lua_getfield(L, idx, "status");
		err->http_status = (long)lua_tointeger(L, -1);
		lua_pop(L, 1);
	} else {
		const char *msg = lua_tostring(L, idx);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INTERNAL);
		snprintf(err->message, sizeof(err->message), "%s", msg ? msg : "error with no message");
	}
	if (!err->code[0])
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INTERNAL);
	if (!err->message[0])
		snprintf(err->message, sizeof(err->message), "%s", err->code);
}
