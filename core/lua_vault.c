/*
 * pecctl.vault: the vault for procedure scripts, chiefly for rotation:
 *
 *   pecctl.vault.stage(key, secret, op_id)  -> true | nil, err  (durable on return)
 *   pecctl.vault.promote(key, op_id)        -> true | nil, err  (pending -> current)
 *   pecctl.vault.discard(key, op_id)        -> true | nil, err  (pending dropped)
 *   pecctl.vault.get(key)                   -> secret | nil, err (the current password)
 *   pecctl.vault.pending(key)               -> secret, op_id, failed_logins | nil (none) | nil, err
 *   pecctl.vault.note_failed_logins(key, op_id [, n]) -> true | nil, err
 *        n logins failed while checking which password the portal holds;
 *        reconcile stops trying after 2 (portals lock after 3 to 5)
 *   pecctl.vault.available()                -> boolean, path    (the vault file exists)
 *   pecctl.vault.unlock()                   -> true | nil, err  (asks for and checks the
 *        passphrase now: call it before a state change whose result must be stored)
 *   pecctl.vault.list()                     -> { {key=, current=, previous=, pending=,
 *                                                 op=, time=, updated=}, ... } | nil, err
 *   pecctl.vault.reconcile(key [, provider [, force]]) -> result | nil, err
 *        log in with the pending password, then the current one, keep the one
 *        that works; result.outcome is "nothing", "promoted" or "discarded"
 *        (core/lua/reconcile.lua)
 *
 * The passphrase is asked once per process (PECCTL_VAULT_PASSPHRASE_FILE,
 * PECCTL_VAULT_PASSPHRASE, the terminal); the derived key is cached, so a
 * rotation's three writes cost one key derivation.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lua_api.h"
#include "secret.h"
#include "vault.h"

/* [-0, +1|+2] true, or nil and the error table. */
static int push_result(lua_State *L, int rc, const struct pecctl_error *err)
{
	if (rc != 0)
		return lua_push_error(L, err);
	lua_pushboolean(L, 1);
	return 1;
}

static int vault_lua_stage(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	size_t len;
	const char *password = lua_string_or_secret(L, 2, &len);
	const char *op = luaL_checkstring(L, 3);
	struct pecctl_error err = { 0 };

	if (!password)
		return luaL_argerror(L, 2, "secret or string expected");
	return push_result(L, vault_stage_pending(key, password, len, op, &err), &err);
}

static int vault_lua_promote(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	const char *op = luaL_checkstring(L, 2);
	struct pecctl_error err = { 0 };

	return push_result(L, vault_promote_pending(key, op, &err), &err);
}

static int vault_lua_discard(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	const char *op = luaL_checkstring(L, 2);
	struct pecctl_error err = { 0 };

	return push_result(L, vault_discard_pending(key, op, &err), &err);
}

static int vault_lua_get(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	struct pecctl_error err = { 0 };
	struct secret *s;

	luaL_checkstack(L, 2, NULL);  /* a raise after vault_get would leak the secret */
	s = vault_get(key, VAULT_CURRENT, NULL, &err);
	if (!s)
		return lua_push_error(L, &err);
	lua_push_secret(L, s);
	return 1;
}

static int vault_lua_pending(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	struct pecctl_error err = { 0 };
	char op[VAULT_OP_MAX + 1];
	struct secret *s;

	luaL_checkstack(L, 2, NULL);
	s = vault_get(key, VAULT_PENDING, op, &err);
	if (!s) {
		/* "no entry" and "nothing pending" are both the answer nil; a
		 * missing or unreadable vault is an error */
		if (strcmp(err.code, "noinput") == 0 && vault_exists()) {
			lua_pushnil(L);
			return 1;
		}
		return lua_push_error(L, &err);
	}
	lua_push_secret(L, s);
	lua_pushstring(L, op);
	lua_pushinteger(L, vault_failed_logins(key));
	return 3;
}

static int vault_lua_note_failed_logins(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	const char *op = luaL_checkstring(L, 2);
	lua_Integer count = luaL_optinteger(L, 3, 1);
	struct pecctl_error err = { 0 };

	luaL_argcheck(L, count >= 1 && count <= 100, 3, "between 1 and 100");
	return push_result(L, vault_note_failed_logins(key, op, (int)count, &err), &err);
}

static int vault_lua_unlock(lua_State *L)
{
	struct pecctl_error err = { 0 };

	return push_result(L, vault_unlock(&err), &err);
}

static int vault_lua_available(lua_State *L)
{
	char path[PATH_MAX];

	lua_pushboolean(L, vault_locate(path, sizeof(path)));
	lua_pushstring(L, path);
	return 2;
}

static int vault_lua_list(lua_State *L)
{
	struct pecctl_error err = { 0 };
	struct vault_info *info;
	size_t count;

	luaL_checkstack(L, 4, NULL);
	if (vault_list(&info, &count, &err) != 0)
		return lua_push_error(L, &err);
	/* info is plain malloc'd and holds no secret: a raise below leaks only it */
	lua_createtable(L, (int)count, 0);
	for (size_t i = 0; i < count; i++) {
		lua_createtable(L, 0, 7);
		lua_pushstring(L, info[i].key);
		lua_setfield(L, -2, "key");
		lua_pushboolean(L, info[i].has_current);
		lua_setfield(L, -2, "current");
		lua_pushboolean(L, info[i].has_previous);
		lua_setfield(L, -2, "previous");
		lua_pushboolean(L, info[i].has_pending);
		lua_setfield(L, -2, "pending");
		if (info[i].has_pending) {
			lua_pushstring(L, info[i].op);
			lua_setfield(L, -2, "op");
			lua_pushstring(L, info[i].pending_time);
			lua_setfield(L, -2, "time");
			lua_pushinteger(L, info[i].failed_logins);
			lua_setfield(L, -2, "failed_logins");
		}
		if (info[i].updated[0]) {
			lua_pushstring(L, info[i].updated);
			lua_setfield(L, -2, "updated");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(info);
	return 1;
}

/* The logic is Lua (it logs in through the provider): pecctl.reconcile. */
static int vault_lua_reconcile(lua_State *L)
{
	luaL_checkstring(L, 1);
	luaL_optstring(L, 2, NULL);
	lua_settop(L, 3);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "pecctl.reconcile");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "account");
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_pushboolean(L, lua_toboolean(L, 3));
	lua_call(L, 3, 2);
	return 2;
}

int lua_open_vault(lua_State *L)
{
	static const luaL_Reg functions[] = {
		{ "stage", vault_lua_stage },
		{ "promote", vault_lua_promote },
		{ "discard", vault_lua_discard },
		{ "get", vault_lua_get },
		{ "pending", vault_lua_pending },
		{ "available", vault_lua_available },
		{ "unlock", vault_lua_unlock },
		{ "list", vault_lua_list },
		{ "reconcile", vault_lua_reconcile },
		{ "note_failed_logins", vault_lua_note_failed_logins },
		{ NULL, NULL },
	};

	luaL_newlib(L, functions);
	return 1;
}
