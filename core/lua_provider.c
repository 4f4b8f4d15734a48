/*
 * pecctl.providers and pecctl.account: provider plugins seen from Lua.
 *
 *   local acct = pecctl.account{address="a@pec.it", password=secret}
 *   local res, err = acct:change_password{new_password=other_secret}
 *
 * Secret-valued arguments travel to the plugin as secret arguments, never
 * inside the JSON; secret results come back as secret userdata.
 */
#include <string.h>
#include <sodium.h>
#include "account.h"
#include "http.h"
#include "lua_api.h"
#include "options.h"
#include "policy.h"
#include "registry.h"
#include "secret.h"

#define ACCOUNT_TYPE "pecctl.account"
/* uservalues of an account: its HTTP session and its current password */
#define UV_SESSION 1
#define UV_PASSWORD 2

struct lua_account {
	struct account acct;
	int released;
};

static const struct pecctl_provider *check_provider(lua_State *L, int idx)
{
	const char *name = luaL_checkstring(L, idx);
	const struct pecctl_provider *p = registry_find(name);

	if (!p)
		luaL_error(L, "no provider named '%s' (see 'pecctl providers')", name);
	return p;
}

static void push_string_list(lua_State *L, const char *const *list)
{
	lua_newtable(L);
	for (int i = 0; list && list[i]; i++) {
		lua_pushstring(L, list[i]);
		lua_rawseti(L, -2, i + 1);
	}
}

static void push_policy(lua_State *L, const struct pecctl_password_policy *p)
{
	char summary[512];

	lua_newtable(L);
	if (!p)
		return;
	lua_pushinteger(L, p->min_length);
	lua_setfield(L, -2, "min_length");
	lua_pushinteger(L, p->max_length);
	lua_setfield(L, -2, "max_length");
	lua_pushstring(L, p->allowed_specials ? p->allowed_specials : "");
	lua_setfield(L, -2, "allowed_specials");
	lua_pushinteger(L, p->history);
	lua_setfield(L, -2, "history");
	lua_pushstring(L, p->description ? p->description : "");
	lua_setfield(L, -2, "description");
	policy_summary(p, summary, sizeof(summary));
	lua_pushstring(L, summary);
	lua_setfield(L, -2, "summary");
}

static void push_provider(lua_State *L, const struct pecctl_provider *p)
{
	lua_newtable(L);
	lua_pushstring(L, p->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, p->title);
	lua_setfield(L, -2, "title");
	push_string_list(L, p->domains);
	lua_setfield(L, -2, "domains");
	push_string_list(L, p->hosts);
	lua_setfield(L, -2, "hosts");
	lua_newtable(L);
	for (size_t i = 0; i < p->n_operations; i++) {
		lua_pushboolean(L, p->operations[i].changes_state);
		lua_setfield(L, -2, p->operations[i].name);
	}
	lua_setfield(L, -2, "operations");
	push_policy(L, p->policy);
	lua_setfield(L, -2, "policy");
	lua_pushinteger(L, p->logins_per_minute);
	lua_setfield(L, -2, "logins_per_minute");
	lua_pushinteger(L, p->max_concurrency);
	lua_setfield(L, -2, "max_concurrency");
	lua_pushboolean(L, p->may_need_human);
	lua_setfield(L, -2, "may_need_human");
}

static int providers_list(lua_State *L)
{
	lua_createtable(L, (int)registry_count(), 0);
	for (size_t i = 0; i < registry_count(); i++) {
		push_provider(L, registry_get(i));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int providers_find(lua_State *L)
{
	const struct pecctl_provider *p = registry_find(luaL_checkstring(L, 1));

	if (!p)
		return lua_push_error_code(L, "usage", "no provider named '%s' (see 'pecctl providers')",
					   lua_tostring(L, 1));
	push_provider(L, p);
	return 1;
}

/* The provider for an address: --provider, else the address's domain. */
static const struct pecctl_provider *provider_for(const char *address, const char *explicit_name)
{
	if (explicit_name)
		return registry_find(explicit_name);
	if (pecctl_opts.provider)
		return registry_find(pecctl_opts.provider);
	return registry_for_account(address);
}

static int providers_for_account(lua_State *L)
{
	const char *address = luaL_checkstring(L, 1);
	const struct pecctl_provider *p = provider_for(address, NULL);

	if (!p)
		return lua_push_error_code(L, "usage",
					   "no provider serves '%s'; name one with --provider (see 'pecctl providers')",
					   address);
	lua_pushstring(L, p->name);
	return 1;
}

/* Fills ctx from an options table {current=, userid=} at idx (may be none). */
static void read_policy_context(lua_State *L, int idx, struct policy_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	if (!lua_istable(L, idx))
		return;
	lua_getfield(L, idx, "current");
	ctx->current = lua_string_or_secret(L, -1, NULL);
	lua_getfield(L, idx, "userid");
	ctx->userid = lua_tostring(L, -1);
	/* both values stay on the stack, so the pointers stay valid */
}

/* check_password(provider, candidate [, {current=, userid=}]) ->
 * true | false, {{rule=, message=, message_it=}, ...} */
static int providers_check_password(lua_State *L)
{
	const struct pecctl_provider *p = check_provider(L, 1);
	const char *candidate = lua_string_or_secret(L, 2, NULL);
	struct policy_context ctx;
	struct policy_report report;

	luaL_argcheck(L, candidate != NULL, 2, "string or secret expected");
	read_policy_context(L, 3, &ctx);
	if (!p->policy) {
		lua_pushboolean(L, 1);
		return 1;
	}
	policy_check(p->policy, candidate, &ctx, &report);
	lua_pushboolean(L, report.count == 0);
	lua_createtable(L, (int)report.count, 0);
	for (size_t i = 0; i < report.count; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, report.violations[i].rule);
		lua_setfield(L, -2, "rule");
		lua_pushstring(L, report.violations[i].message);
		lua_setfield(L, -2, "message");
		lua_pushstring(L, report.violations[i].message_it);
		lua_setfield(L, -2, "message_it");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 2;
}

/* generate_password(provider [, {current=, userid=}]) -> secret */
static int providers_generate_password(lua_State *L)
{
	const struct pecctl_provider *p = check_provider(L, 1);
	struct pecctl_error err = { 0 };
	struct policy_context ctx;
	char buf[512];  /* policies allow up to 256 characters */
	int len;

	read_policy_context(L, 2, &ctx);
	if (!p->policy)
		return lua_push_error_code(L, PECCTL_E_UNSUPPORTED, "%s has no password policy", p->name);
	len = policy_generate(p->policy, &ctx, buf, sizeof(buf), &err);
	if (len < 0)
		return lua_push_error(L, &err);
	lua_push_secret(L, secret_new(buf, (size_t)len));
	sodium_memzero(buf, sizeof(buf));
	return 1;
}

/* --- accounts --- */

static struct lua_account *check_account(lua_State *L, int idx)
{
	struct lua_account *la = luaL_checkudata(L, idx, ACCOUNT_TYPE);

	if (la->released)
		luaL_error(L, "account %s is closed", la->acct.address ? la->acct.address : "?");
	return la;
}

static int account_gc(lua_State *L)
{
	struct lua_account *la = luaL_checkudata(L, 1, ACCOUNT_TYPE);

	if (!la->released) {
		account_release(&la->acct);
		la->released = 1;
	}
	return 0;
}

/* Splits the args table at idx into secret arguments (into call) and a
 * plain table pushed on the stack for JSON conversion. Secrets stay
 * referenced from the args table, so their bytes outlive the call. */
static void split_args(lua_State *L, int idx, struct pecctl_call *call)
{
	lua_newtable(L);
	if (lua_isnoneornil(L, idx))
		return;
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		struct secret *s = lua_test_secret(L, -1);
		if (s && lua_type(L, -2) == LUA_TSTRING) {
			if (call->n_secret_args == CALL_MAX_SECRETS)
				luaL_error(L, "too many secret arguments");
			call->secret_args[call->n_secret_args].name = lua_tostring(L, -2);
			call->secret_args[call->n_secret_args].value = secret_bytes(s, NULL);
			call->n_secret_args++;
			lua_pop(L, 1);
		} else {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_settable(L, -4);
		}
	}
}

/* pecctl.guards[name](address): pecctl's own refusals (e.g. two-step
 * verification back on during a migration). Pushes nothing and returns 0
 * when the call may go ahead; else pushes nil, err and returns 2. */
static int check_guard(lua_State *L, const char *name, const char *address)
{
	int top = lua_gettop(L);

	if (lua_getglobal(L, "pecctl") != LUA_TTABLE ||
	    lua_getfield(L, -1, "guards") != LUA_TTABLE ||
	    lua_getfield(L, -1, name) != LUA_TFUNCTION) {
		lua_settop(L, top);
		return 0;
	}
	lua_pushstring(L, address);
	lua_call(L, 1, 2);
	if (lua_toboolean(L, -2)) {
		lua_settop(L, top);
		return 0;
	}
	lua_pushnil(L);
	lua_replace(L, -3);
	return 2;
}

/* account:call(name, args) -> result | nil, err */
static int account_call_lua(lua_State *L)
{
	struct lua_account *la = check_account(L, 1);
	const char *name = luaL_checkstring(L, 2);
	struct pecctl_call call;
	struct pecctl_error err = { 0 };
	cJSON *args, *result = NULL;
	int rc;

	memset(&call, 0, sizeof(call));
	call.account = &la->acct;
	lua_settop(L, 3);
	if (check_guard(L, name, la->acct.address))
		return 2;
	/* Look the session up on every call: a script may have closed it, and
	 * then this raises instead of using a freed handle. */
	lua_getiuservalue(L, 1, UV_SESSION);
	la->acct.http = lua_http_check_session(L, -1);
	lua_pop(L, 1);
	lua_getiuservalue(L, 1, UV_PASSWORD);  /* 4: kept on the stack during the call */
	split_args(L, 3, &call);               /* 5: the plain arguments */
	if (lua_test_secret(L, 4) && !pecctl_host_table.secret_arg(&call, "password")) {
		call.secret_args[call.n_secret_args].name = "password";
		call.secret_args[call.n_secret_args].value = secret_bytes(lua_test_secret(L, 4), NULL);
		call.n_secret_args++;
	}
	args = lua_to_cjson(L, 5, &err);
	if (!args)
		return luaL_error(L, "arguments of %s: %s", name, err.message);
	rc = account_call(&call, name, args, &result, &err);
	cJSON_Delete(args);
	if (rc != 0) {
		call_release(&call);
		return lua_push_error(L, &err);
	}
	lua_push_cjson(L, result);
	cJSON_Delete(result);
	for (size_t i = 0; i < call.n_secret_results; i++) {
		lua_push_secret(L, call.secret_results[i].value);
		call.secret_results[i].value = NULL;  /* the userdata owns it now */
		lua_setfield(L, -2, call.secret_results[i].name);
	}
	call.n_secret_results = 0;
	return 1;
}

static int account_operation_closure(lua_State *L)
{
	/* acct:change_password{...} == acct:call("change_password", {...}) */
	lua_settop(L, 2);
	lua_pushcfunction(L, account_call_lua);
	lua_pushvalue(L, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, 2);
	lua_call(L, 3, LUA_MULTRET);
	return lua_gettop(L) - 2;
}

static int account_supports(lua_State *L)
{
	struct lua_account *la = check_account(L, 1);

	lua_pushboolean(L, provider_operation(la->acct.provider, luaL_checkstring(L, 2)) != NULL);
	return 1;
}

static int account_index(lua_State *L)
{
	struct lua_account *la = luaL_checkudata(L, 1, ACCOUNT_TYPE);
	const char *key = luaL_checkstring(L, 2);

	if (strcmp(key, "address") == 0) {
		lua_pushstring(L, la->acct.address);
	} else if (strcmp(key, "provider") == 0) {
		lua_pushstring(L, la->acct.provider->name);
	} else if (strcmp(key, "session") == 0) {
		lua_getiuservalue(L, 1, UV_SESSION);
	} else if (strcmp(key, "password") == 0) {
		lua_getiuservalue(L, 1, UV_PASSWORD);
	} else if (strcmp(key, "call") == 0) {
		lua_pushcfunction(L, account_call_lua);
	} else if (strcmp(key, "supports") == 0) {
		lua_pushcfunction(L, account_supports);
	} else if (provider_operation(la->acct.provider, key)) {
		lua_pushvalue(L, 2);
		lua_pushcclosure(L, account_operation_closure, 1);
	} else {
		lua_pushnil(L);
	}
	return 1;
}

/* account.password = new_secret, after a rotation succeeded */
static int account_newindex(lua_State *L)
{
	luaL_checkudata(L, 1, ACCOUNT_TYPE);
	if (strcmp(luaL_checkstring(L, 2), "password") != 0)
		return luaL_error(L, "only an account's password can be changed");
	luaL_argcheck(L, lua_isnil(L, 3) || lua_test_secret(L, 3), 3, "secret expected");
	lua_settop(L, 3);
	lua_setiuservalue(L, 1, UV_PASSWORD);
	return 0;
}

static int account_tostring(lua_State *L)
{
	struct lua_account *la = luaL_checkudata(L, 1, ACCOUNT_TYPE);

	lua_pushfstring(L, "account %s (%s)", la->acct.address ? la->acct.address : "?",
			la->acct.provider ? la->acct.provider->name : "?");
	return 1;
}

/* pecctl.account{address=, provider=, password=, session=} -> account | nil, err */
static int account_new(lua_State *L)
{
	const struct pecctl_provider *p;
	const char *address, *provider_name;
	struct lua_account *la;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lua_getfield(L, 1, "address");    /* 2 */
	lua_getfield(L, 1, "provider");   /* 3 */
	lua_getfield(L, 1, "password");   /* 4 */
	lua_getfield(L, 1, "session");    /* 5 */
	address = lua_tostring(L, 2);
	provider_name = lua_tostring(L, 3);
	luaL_argcheck(L, address && strchr(address, '@'), 1, "address must be a mailbox address");
	luaL_argcheck(L, lua_isnil(L, 4) || lua_test_secret(L, 4), 1,
		      "password must be a secret (pecctl.secret or pecctl.secrets.resolve)");
	p = provider_for(address, provider_name);
	if (!p) {
		if (provider_name || pecctl_opts.provider)
			return lua_push_error_code(L, "usage", "unknown provider '%s'; 'pecctl providers' lists them",
						   provider_name ? provider_name : pecctl_opts.provider);
		return lua_push_error_code(L, "usage",
					   "no provider serves '%s'; name one with --provider (see 'pecctl providers')",
					   address);
	}
	if (lua_isnil(L, 5)) {
		lua_settop(L, 4);
		lua_pushcfunction(L, lua_http_session_new);
		lua_call(L, 0, 1);  /* 5: a fresh session with the global options */
	}
	la = lua_newuserdatauv(L, sizeof(*la), 2);
	memset(la, 0, sizeof(*la));
	la->released = 1;  /* nothing to release until the fields are set */
	luaL_setmetatable(L, ACCOUNT_TYPE);
	lua_pushvalue(L, 5);
	lua_setiuservalue(L, -2, UV_SESSION);
	lua_pushvalue(L, 4);
	lua_setiuservalue(L, -2, UV_PASSWORD);
	la->acct.http = lua_http_check_session(L, 5);
	la->acct.provider = p;
	la->acct.address = strdup(address);
	if (!la->acct.address)
		return luaL_error(L, "out of memory");
	la->released = 0;
	return 1;
}

int lua_open_provider(lua_State *L)
{
	static const luaL_Reg account_meta[] = {
		{ "__gc", account_gc },
		{ "__close", account_gc },
		{ "__index", account_index },
		{ "__newindex", account_newindex },
		{ "__tostring", account_tostring },
		{ NULL, NULL },
	};
	static const luaL_Reg functions[] = {
		{ "list", providers_list },
		{ "find", providers_find },
		{ "for_account", providers_for_account },
		{ "account", account_new },
		{ "check_password", providers_check_password },
		{ "generate_password", providers_generate_password },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, ACCOUNT_TYPE);
	luaL_setfuncs(L, account_meta, 0);
	lua_pop(L, 1);
	luaL_newlib(L, functions);
	return 1;
}
