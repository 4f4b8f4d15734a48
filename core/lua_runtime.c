/*
 * The Lua runtime: one lua_State with the `pecctl` table assembled from the
 * binding modules, and the embedded Lua modules (the .lua files of core/lua) reachable
 * with require.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lualib.h>
#include "embedded_lua.h"
#include "log.h"
#include "lua_alloc.h"
#include "lua_api.h"
#include "lua_bytecode.h"
#include "lua_runtime.h"
#include "signals.h"

static const struct {
	const char *field;
	lua_CFunction open;
} modules[] = {
	{ "http", lua_open_http },
	{ "html", lua_open_html },
	{ "json", lua_open_json },
	{ "log", lua_open_log },
	{ "secrets", lua_open_secret },
	{ "prompt", lua_open_prompt },
	{ "providers", lua_open_provider },
	{ "vault", lua_open_vault },
	{ "fs", lua_open_fs },
};

/* Pushes embedded module i's chunk: its bytecode, compiled at build time;
 * should this liblua refuse it (another version than the one it was built
 * with), the source compiled once per process and kept (lua_bytecode.c). */
static int load_module_chunk(lua_State *L, size_t i, const char *chunkname)
{
	const struct embedded_lua *m = &embedded_lua_files[i];
	static const struct bytecode_stamp built_in = { 0 };
	int rc;

	if (luaL_loadbufferx(L, m->bytecode, m->bytecode_length, chunkname, "b") == LUA_OK)
		return LUA_OK;
	lua_pop(L, 1);
	if (bytecode_load_kept(L, chunkname, &built_in, chunkname) == 0)
		return LUA_OK;
	rc = luaL_loadbuffer(L, m->source, m->length, chunkname);
	if (rc == LUA_OK)
		bytecode_keep(L, chunkname, &built_in);
	return rc;
}

/* package.preload loader for an embedded module: upvalue 1 is its index. */
static int load_embedded(lua_State *L)
{
	size_t i = (size_t)lua_tointeger(L, lua_upvalueindex(1));
	char chunkname[128];

	snprintf(chunkname, sizeof(chunkname), "=[pecctl]/%s.lua", embedded_lua_files[i].module);
	if (load_module_chunk(L, i, chunkname) != LUA_OK)
		return lua_error(L);
	lua_pushstring(L, embedded_lua_files[i].module);
	lua_call(L, 1, 1);
	return 1;
}

static void register_embedded_modules(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	for (int i = 0; embedded_lua_files[i].module; i++) {
		char name[96];
		snprintf(name, sizeof(name), "pecctl.%s", embedded_lua_files[i].module);
		lua_pushinteger(L, i);
		lua_pushcclosure(L, load_embedded, 1);
		lua_setfield(L, -2, name);
	}
	lua_pop(L, 1);
}

/* pecctl.sleep(seconds): fractional seconds; raises "interrupted" on Ctrl-C
 * so a waiting script stops at once. */
static int pecctl_sleep(lua_State *L)
{
	lua_Number seconds = luaL_checknumber(L, 1);

	if (signals_sleep_ms((long)(seconds * 1000)) != 0)
		return lua_push_error_code(L, "interrupted", "interrupted"), lua_error(L);
	lua_pushboolean(L, 1);
	return 1;
}

/* pecctl = { http=..., session=..., html=..., ... } and then the Lua
 * prelude (core/lua/prelude.lua) adds the friendly helpers on top. */
static int open_pecctl(lua_State *L)
{
	lua_newtable(L);
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		modules[i].open(L);
		lua_setfield(L, -2, modules[i].field);
	}
	lua_getfield(L, -1, "http");
	lua_getfield(L, -1, "session");
	lua_setfield(L, -3, "session");
	lua_pop(L, 1);
	lua_getfield(L, -1, "secrets");
	lua_getfield(L, -1, "new");
	lua_setfield(L, -3, "secret");
	lua_pop(L, 1);
	lua_getfield(L, -1, "providers");
	lua_getfield(L, -1, "account");
	lua_setfield(L, -3, "account");
	lua_pop(L, 1);
	lua_pushcfunction(L, pecctl_sleep);
	lua_setfield(L, -2, "sleep");
	lua_pushvalue(L, -1);
	lua_setglobal(L, "pecctl");

	lua_getglobal(L, "require");
	lua_pushliteral(L, "pecctl.prelude");
	lua_call(L, 1, 0);
	return 1;
}

lua_State *runtime_new(void)
{
	lua_State *L = lua_alloc_newstate();

	if (!L)
		return NULL;
	luaL_openlibs(L);
	register_embedded_modules(L);
	lua_pushcfunction(L, open_pecctl);
	if (runtime_pcall(L, 0, 0) != LUA_OK) {
		runtime_report_error(L, -1, "start-up");
		lua_alloc_close(L);
		return NULL;
	}
	return L;
}

void runtime_close(lua_State *L)
{
	lua_alloc_close(L);
}

/* Adds a traceback to string errors; error tables pass through as they are. */
static int message_handler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL && !lua_isnoneornil(L, 1) && !lua_istable(L, 1)) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	if (lua_istable(L, 1))
		return 1;
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int runtime_pcall(lua_State *L, int nargs, int nresults)
{
	int base = lua_gettop(L) - nargs;
	int status;

	lua_pushcfunction(L, message_handler);
	lua_insert(L, base);
	status = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	return status;
}

int runtime_load_file(lua_State *L, const char *path, struct pecctl_error *err)
{
	FILE *f = fopen(path, "r");
	struct bytecode_stamp stamp = { 0 };
	char chunkname[4200];
	int status;

	if (!f) {
		snprintf(err->message, sizeof(err->message), "cannot open %s: %s", path, strerror(errno));
		snprintf(err->code, sizeof(err->code), "noinput");
		return -1;
	}
	/* a script's identity and version: the same one is not parsed twice */
	snprintf(chunkname, sizeof(chunkname), "@%s", path);
	if (bytecode_stamp_file(fileno(f), &stamp) == 0) {
		if (bytecode_load_kept(L, chunkname, &stamp, chunkname) == 0) {
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	status = luaL_loadfilex(L, path, "t");
	if (status != LUA_OK) {
		snprintf(err->message, sizeof(err->message), "%s", lua_tostring(L, -1));
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		lua_pop(L, 1);
		return -1;
	}
	if (stamp.inode)
		bytecode_keep(L, chunkname, &stamp);
	return 0;
}

void runtime_report_error(lua_State *L, int idx, const char *context)
{
	struct pecctl_error err = { 0 };

	lua_to_error(L, idx, &err);
	log_write(PECCTL_LOG_ERROR, context, err.message);
}
