/* pecctl.log.debug/info/warn/error(fmt, ...): string.format, then the log. */
#include "log.h"
#include "lua_api.h"

static int log_at(lua_State *L, enum pecctl_log_level level)
{
	int n = lua_gettop(L);

	if (!log_enabled(level))
		return 0;
	/* Format in Lua: string.format calls __tostring, so secrets print as ***. */
	lua_getglobal(L, "string");
	lua_getfield(L, -1, "format");
	lua_remove(L, -2);
	lua_insert(L, 1);
	lua_call(L, n, 1);
	log_write(level, NULL, lua_tostring(L, -1));
	return 0;
}

static int log_debug(lua_State *L) { return log_at(L, PECCTL_LOG_DEBUG); }
static int log_info(lua_State *L) { return log_at(L, PECCTL_LOG_INFO); }
static int log_warn(lua_State *L) { return log_at(L, PECCTL_LOG_WARN); }
static int log_error(lua_State *L) { return log_at(L, PECCTL_LOG_ERROR); }

int lua_open_log(lua_State *L)
{
	static const luaL_Reg functions[] = {
		{ "debug", log_debug },
		{ "info", log_info },
		{ "warn", log_warn },
		{ "error", log_error },
		{ NULL, NULL },
	};

	luaL_newlib(L, functions);
	return 1;
}
