/*
 * pecctl.vault: the vault for procedure scripts, chiefly for rotation:
 *
 *   pecctl.vault.stage(key, secret, op_id)  -> true | nil, err  (durable on return)
 *   pecctl.vault.promote(key, op_id)        -> true | nil, err  (pending -> current)
 *   pecctl.vault.discard(key, op_id)        -> true | nil, err  (pending dropped)
 *   pecctl.vault.get(key)                   -> secret | nil, err (the current password)
 *   pecctl.vault.pending(key)               -> secret, op_id | nil (none) | nil, err
 *   pecctl.vault.available()                -> boolean, path    (the vault file exists)
 *
 * The passphrase is asked once per process (PECCTL_VAULT_PASSPHRASE_FILE,
 * PECCTL_VAULT_PASSPHRASE, the terminal); the derived key is cached, so a
 * rotation's three writes cost one key derivation.
 */
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
	return 2;
}

static int vault_lua_available(lua_State *L)
{
	lua_pushboolean(L, vault_exists());
	lua_pushstring(L, vault_path());
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
		{ NULL, NULL },
	};

	luaL_newlib(L, functions);
	return 1;
}
