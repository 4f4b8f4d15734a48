/*
 * pecctl.secret(value) and pecctl.secrets: secrets as userdata. tostring,
 * concatenation and string.format("%s") give "***"; only the HTTP layer,
 * the vault and plugins read the bytes.
 */
#include <string.h>
#include <sodium.h>
#include "lua_api.h"
#include "redact.h"
#include "secret.h"

#define SECRET_TYPE "pecctl.secret"

struct secret_box {
	struct secret *secret;  /* NULL once collected */
};

struct secret *lua_test_secret(lua_State *L, int idx)
{
	struct secret_box *box = luaL_testudata(L, idx, SECRET_TYPE);

	return box ? box->secret : NULL;
}

static int secret_gc(lua_State *L)
{
	struct secret_box *box = luaL_checkudata(L, 1, SECRET_TYPE);

	secret_free(box->secret);
	box->secret = NULL;
	return 0;
}

static int secret_tostring(lua_State *L)
{
	lua_pushliteral(L, REDACT_MASK);
	return 1;
}

/* "a" .. secret and secret .. "a" both give text with *** in its place. */
static int secret_concat(lua_State *L)
{
	for (int i = 1; i <= 2; i++) {
		if (lua_test_secret(L, i))
			lua_pushliteral(L, REDACT_MASK);
		else
			luaL_tolstring(L, i, NULL);
	}
	lua_concat(L, 2);
	return 1;
}

static int secret_len(lua_State *L)
{
	size_t len;

	secret_bytes(lua_test_secret(L, 1), &len);
	lua_pushinteger(L, (lua_Integer)len);
	return 1;
}

/* Equality compares the bytes (in constant time), so a script can tell
 * whether two secrets hold the same password without seeing either. */
static int secret_eq(lua_State *L)
{
	struct secret *a = lua_test_secret(L, 1), *b = lua_test_secret(L, 2);
	size_t la, lb;
	const char *ba, *bb;

	if (!a || !b) {
		lua_pushboolean(L, 0);
		return 1;
	}
	ba = secret_bytes(a, &la);
	bb = secret_bytes(b, &lb);
	lua_pushboolean(L, la == lb && sodium_memcmp(ba, bb, la) == 0);
	return 1;
}

void lua_push_secret(lua_State *L, struct secret *s)
{
	struct secret_box *box = lua_newuserdatauv(L, sizeof(*box), 0);

	box->secret = s;
	luaL_setmetatable(L, SECRET_TYPE);
}

const char *lua_string_or_secret(lua_State *L, int idx, size_t *len)
{
	struct secret *s = lua_test_secret(L, idx);

	if (s)
		return secret_bytes(s, len);
	if (lua_type(L, idx) == LUA_TSTRING)
		return lua_tolstring(L, idx, len);
	return NULL;
}

/* pecctl.secret(value): the box is made before the secret it will own so
 * that a memory error cannot leak the secret. */
static int secrets_new(lua_State *L)
{
	size_t len;
	const char *value = luaL_checklstring(L, 1, &len);
	struct secret_box *box = lua_newuserdatauv(L, sizeof(*box), 0);

	box->secret = NULL;
	luaL_setmetatable(L, SECRET_TYPE);
	box->secret = secret_new(value, len);
	return 1;
}

/* pecctl.secrets.resolve("env:VAR" [, label]) -> secret | nil, err */
static int secrets_resolve(lua_State *L)
{
	const char *ref = luaL_checkstring(L, 1);
	const char *label = luaL_optstring(L, 2, NULL);
	struct pecctl_error err = { 0 };
	struct secret_box *box = lua_newuserdatauv(L, sizeof(*box), 0);

	box->secret = NULL;
	luaL_setmetatable(L, SECRET_TYPE);
	box->secret = secret_resolve(ref, label, &err);
	if (!box->secret)
		return lua_push_error(L, &err);
	return 1;
}

/* pecctl.secrets.account_ref(account) -> "vault:ACCOUNT" | "prompt:" | nil */
static int secrets_account_ref(lua_State *L)
{
	const char *account = luaL_checkstring(L, 1);
	char buf[512];
	const char *ref = secret_account_ref(account, buf, sizeof(buf));

	if (ref)
		lua_pushstring(L, ref);
	else
		lua_pushnil(L);
	return 1;
}

static int secrets_is_secret(lua_State *L)
{
	lua_pushboolean(L, lua_test_secret(L, 1) != NULL);
	return 1;
}

int lua_open_secret(lua_State *L)
{
	static const luaL_Reg metamethods[] = {
		{ "__gc", secret_gc },
		{ "__close", secret_gc },
		{ "__tostring", secret_tostring },
		{ "__concat", secret_concat },
		{ "__len", secret_len },
		{ "__eq", secret_eq },
		{ NULL, NULL },
	};
	static const luaL_Reg functions[] = {
		{ "new", secrets_new },
		{ "resolve", secrets_resolve },
		{ "is_secret", secrets_is_secret },
		{ "account_ref", secrets_account_ref },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, SECRET_TYPE);
	luaL_setfuncs(L, metamethods, 0);
	lua_pushliteral(L, "secret");
	lua_setfield(L, -2, "__name");
	/* string.format("%s", s) uses __tostring; __metatable hides the box. */
	lua_pushliteral(L, "secret");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
	luaL_newlib(L, functions);
	return 1;
}
