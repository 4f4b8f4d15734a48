/*
 * pecctl.html: pages and forms for scripts.
 *
 *   local doc = pecctl.html.parse(r.body, r.url)     -- or parse(r)
 *   doc:xpath("//h1")        -> {"Cambia la password ..."}
 *   doc:select("form#login input[name]") -> { {tag=, text=, attrs={}}, ... }
 *   doc:select_one(css), doc:text(css), doc:forms()
 *   local f = doc:form{action = "/login"}   -- or {id = "login"}
 *   f:fill{casella = addr, password = secret}:submit(session)
 *
 * A userdata is created before the C object it owns, so a memory error
 * between the two cannot leak it; __gc is idempotent and is also __close.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "html.h"
#include "lua_api.h"
#include "lua_json.h"
#include "secret.h"

#define DOC_MT "pecctl.html.doc"
#define FORM_MT "pecctl.html.form"

struct lua_doc {
	struct html_doc *doc;   /* NULL once closed */
};

struct lua_form {
	struct html_form *form; /* NULL once closed */
	/* uservalue 1: {name = secret} for the fields filled with secrets */
};

/* --- documents --- */

static struct html_doc *check_doc(lua_State *L, int idx)
{
	struct lua_doc *ud = luaL_checkudata(L, idx, DOC_MT);

	if (!ud->doc)
		luaL_argerror(L, idx, "the document is closed");
	return ud->doc;
}

/* parse(body [, base_url]) or parse(response): a response table gives its
 * body and its url. */
static int html_parse_l(lua_State *L)
{
	struct pecctl_error err = { 0 };
	const char *body, *base;
	struct lua_doc *ud;
	size_t len;

	if (lua_type(L, 1) == LUA_TTABLE) {
		lua_settop(L, 2);
		if (lua_getfield(L, 1, "body") != LUA_TSTRING)
			return luaL_argerror(L, 1, "expected a string or a response with a body");
		lua_getfield(L, 1, "url");
		base = luaL_optstring(L, 2, lua_type(L, 4) == LUA_TSTRING ? lua_tostring(L, 4) : NULL);
		body = lua_tolstring(L, 3, &len);
	} else {
		body = luaL_checklstring(L, 1, &len);
		base = luaL_optstring(L, 2, NULL);
	}
	ud = lua_newuserdatauv(L, sizeof(*ud), 0);
	ud->doc = NULL;
	luaL_setmetatable(L, DOC_MT);
	ud->doc = html_parse(body, len, base, &err);
	if (!ud->doc)
		return lua_push_error(L, &err);
	return 1;
}

static int doc_gc(lua_State *L)
{
	struct lua_doc *ud = luaL_checkudata(L, 1, DOC_MT);

	html_doc_free(ud->doc);
	ud->doc = NULL;
	return 0;
}

static int doc_tostring(lua_State *L)
{
	struct lua_doc *ud = luaL_checkudata(L, 1, DOC_MT);
	const char *url = ud->doc ? html_base_url(ud->doc) : NULL;

	if (!ud->doc)
		lua_pushliteral(L, "html document (closed)");
	else
		lua_pushfstring(L, "html document (%s)", url ? url : "no url");
	return 1;
}

/* Push a cJSON result and free it, or nil, err. */
static int push_result(lua_State *L, cJSON *result, const struct pecctl_error *err)
{
	if (!result)
		return lua_push_error(L, err);
	lua_push_cjson_owned(L, result);
	return 1;
}

/* doc:xpath(expr) -> {strings} | nil, err */
static int doc_xpath(lua_State *L)
{
	struct html_doc *doc = check_doc(L, 1);
	const char *expr = luaL_checkstring(L, 2);
	struct pecctl_error err = { 0 };

	return push_result(L, html_xpath_strings(doc, expr, &err), &err);
}

/* doc:select(css) -> { {tag=, text=, attrs=}, ... } | nil, err */
static int doc_select(lua_State *L)
{
	struct html_doc *doc = check_doc(L, 1);
	const char *css = luaL_checkstring(L, 2);
	struct pecctl_error err = { 0 };

	return push_result(L, html_select(doc, css, 0, &err), &err);
}

/* The first match of css as a cJSON element, NULL when none; -1 on a bad
 * selector. */
static int select_first(lua_State *L, cJSON **out, struct pecctl_error *err)
{
	struct html_doc *doc = check_doc(L, 1);
	const char *css = luaL_checkstring(L, 2);
	cJSON *all = html_select(doc, css, 1, err);

	if (!all)
		return -1;
	*out = cJSON_DetachItemFromArray(all, 0);
	cJSON_Delete(all);
	return 0;
}

/* doc:select_one(css) -> element | nil (none) | nil, err */
static int doc_select_one(lua_State *L)
{
	struct pecctl_error err = { 0 };
	cJSON *el = NULL;

	if (select_first(L, &el, &err) < 0)
		return lua_push_error(L, &err);
	if (!el) {
		lua_pushnil(L);
		return 1;
	}
	return push_result(L, el, &err);
}

/* doc:text(css) -> the first match's text | nil (none) | nil, err */
static int doc_text(lua_State *L)
{
	struct pecctl_error err = { 0 };
	cJSON *el = NULL;
	const char *text;

	if (select_first(L, &el, &err) < 0)
		return lua_push_error(L, &err);
	text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "text"));
	if (text)
		lua_pushstring(L, text);
	else
		lua_pushnil(L);
	cJSON_Delete(el);
	return 1;
}

/* doc:forms() -> { {id=, action=, method=, fields={names}}, ... } */
static int doc_forms(lua_State *L)
{
	struct html_doc *doc = check_doc(L, 1);
	cJSON *all = html_forms_summary(doc);

	if (!all)
		return luaL_error(L, "not enough memory");
	lua_push_cjson_owned(L, all);
	return 1;
}

/* doc:url() -> the URL relative links resolve against, or nil */
static int doc_url(lua_State *L)
{
	const char *url = html_base_url(check_doc(L, 1));

	if (url)
		lua_pushstring(L, url);
	else
		lua_pushnil(L);
	return 1;
}

static const char *opt_string_field(lua_State *L, int t, const char *name)
{
	int type = lua_getfield(L, t, name);

	if (type != LUA_TNIL && type != LUA_TSTRING)
		luaL_argerror(L, t, lua_pushfstring(L, "'%s' must be a string", name));
	return type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
}

/* doc:form{action=} | doc:form{id=} | doc:form("/login") -> form | nil, err */
static int doc_form(lua_State *L)
{
	struct html_doc *doc = check_doc(L, 1);
	const char *action = NULL, *id = NULL;
	struct lua_form *uf;

	if (lua_type(L, 2) == LUA_TSTRING) {
		action = lua_tostring(L, 2);
	} else {
		luaL_checktype(L, 2, LUA_TTABLE);
		action = opt_string_field(L, 2, "action");
		id = opt_string_field(L, 2, "id");
		if (!action && !id)
			return luaL_argerror(L, 2, "give 'action' or 'id'");
	}
	uf = lua_newuserdatauv(L, sizeof(*uf), 1);
	uf->form = NULL;
	luaL_setmetatable(L, FORM_MT);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);
	uf->form = html_form_find(doc, action, id);
	if (!uf->form) {
		const char *url = html_base_url(doc);

		if (action && id)
			return lua_push_error_code(L, PECCTL_E_PORTAL_CHANGED,
						   "no form with action \"%s\" and id \"%s\" on %s",
						   action, id, url ? url : "the page");
		return lua_push_error_code(L, PECCTL_E_PORTAL_CHANGED, "no form with %s \"%s\" on %s",
					   action ? "action" : "id", action ? action : id,
					   url ? url : "the page");
	}
	return 1;
}

/* --- forms --- */

static struct lua_form *check_lua_form(lua_State *L, int idx)
{
	struct lua_form *uf = luaL_checkudata(L, idx, FORM_MT);

	if (!uf->form)
		luaL_argerror(L, idx, "the form is closed");
	return uf;
}

static struct html_form *check_form(lua_State *L, int idx)
{
	return check_lua_form(L, idx)->form;
}

static int form_gc(lua_State *L)
{
	struct lua_form *uf = luaL_checkudata(L, 1, FORM_MT);

	html_form_free(uf->form);  /* zeroes the values */
	uf->form = NULL;
	return 0;
}

static int form_tostring(lua_State *L)
{
	struct lua_form *uf = luaL_checkudata(L, 1, FORM_MT);

	if (!uf->form)
		lua_pushliteral(L, "html form (closed)");
	else
		lua_pushfstring(L, "html form (%s %s)", html_form_method(uf->form),
				html_form_action(uf->form));
	return 1;
}

/* Push a field's value: the secret it was filled with, a string, or nil. */
static void push_value(lua_State *L, int form_idx, const char *name, const char *value)
{
	if (!value) {
		lua_pushnil(L);
		return;
	}
	lua_getiuservalue(L, form_idx, 1);
	if (lua_getfield(L, -1, name) != LUA_TNIL) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 2);
	lua_pushstring(L, value);
}

/* form:fields() -> {name = {value=, type=}} (value nil when nothing is sent) */
static int form_fields(lua_State *L)
{
	struct html_form *f = check_form(L, 1);
	size_t i, n = html_form_field_count(f);

	lua_createtable(L, 0, (int)n);
	for (i = 0; i < n; i++) {
		const char *name = html_form_field_name(f, i);

		/* The first of several same-named fields is the one fill sets. */
		if (lua_getfield(L, -1, name) != LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		lua_pop(L, 1);
		lua_createtable(L, 0, 2);
		push_value(L, 1, name, html_form_field_value(f, i));
		lua_setfield(L, -2, "value");
		lua_pushstring(L, html_form_field_type(f, i));
		lua_setfield(L, -2, "type");
		lua_setfield(L, -2, name);
	}
	return 1;
}

/* form:get(name) -> value | nil (declared, sends nothing) | nil, err */
static int form_get(lua_State *L)
{
	struct html_form *f = check_form(L, 1);
	const char *name = luaL_checkstring(L, 2);
	struct pecctl_error err = { 0 };

	if (html_form_require(f, name, &err) < 0)
		return lua_push_error(L, &err);
	push_value(L, 1, name, html_form_get(f, name));
	return 1;
}

/* A fill value: string, number, secret, or boolean (tick/clear a box). */
static int fill_value_ok(lua_State *L, int idx)
{
	int t = lua_type(L, idx);

	return t == LUA_TSTRING || t == LUA_TNUMBER || t == LUA_TBOOLEAN ||
	       lua_test_secret(L, idx) != NULL;
}

/* form:fill{name = value, ...} -> form | nil, err (portal_changed). Every
 * name is checked before any is set, so a refused fill changes nothing. */
static int form_fill(lua_State *L)
{
	struct html_form *f = check_form(L, 1);
	struct pecctl_error err = { 0 };
	int secrets;

	luaL_checktype(L, 2, LUA_TTABLE);
	lua_settop(L, 2);
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			return luaL_argerror(L, 2, "field names must be strings");
		if (!fill_value_ok(L, -1))
			return luaL_argerror(L, 2, lua_pushfstring(L, "field '%s' must be a string, "
								       "number, boolean or secret",
								    lua_tostring(L, -2)));
		lua_pop(L, 1);
	}
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		if (html_form_require(f, lua_tostring(L, -2), &err) < 0)
			return lua_push_error(L, &err);
		lua_pop(L, 1);
	}
	lua_getiuservalue(L, 1, 1);
	secrets = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		const char *name = lua_tostring(L, -2);
		int rc;

		if (lua_type(L, -1) == LUA_TBOOLEAN) {
			rc = html_form_check(f, name, lua_toboolean(L, -1), &err);
			lua_pushnil(L);
		} else if (lua_test_secret(L, -1)) {
			size_t len;
			const char *bytes = lua_string_or_secret(L, -1, &len);

			rc = html_form_set(f, name, bytes, &err);
			lua_pushvalue(L, -1);
		} else {
			rc = html_form_set(f, name, luaL_tolstring(L, -1, NULL), &err);
			lua_pop(L, 1);
			lua_pushnil(L);
		}
		/* remember which values are secrets, so get() hands back the secret */
		lua_setfield(L, secrets, name);
		if (rc < 0)
			return lua_push_error(L, &err);
		lua_pop(L, 1);
	}
	lua_settop(L, 1);
	return 1;
}

static int form_holds_secret(lua_State *L, int idx)
{
	int any;

	lua_getiuservalue(L, idx, 1);
	lua_pushnil(L);
	any = lua_next(L, -2);
	lua_pop(L, any ? 3 : 1);
	return any;
}

/* The action with its query replaced, as a browser does for GET forms. */
static void push_get_url(lua_State *L, const char *action, const char *query)
{
	size_t base = strcspn(action, "?#");
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	luaL_addlstring(&b, action, base);
	if (*query) {
		luaL_addchar(&b, '?');
		luaL_addstring(&b, query);
	}
	luaL_pushresult(&b);
}

/* form:submit(session [, {headers=, redirects=}]) -> what session:request returns.
 * The body is a secret when any value was, so only the HTTP layer reads it. */
static int form_submit(lua_State *L)
{
	struct html_form *f = check_form(L, 1);
	int get, secret_body, base;
	size_t len;
	char *body;

	if (lua_isnoneornil(L, 2))
		return luaL_argerror(L, 2, "expected a session");
	if (!lua_isnoneornil(L, 3))
		luaL_checktype(L, 3, LUA_TTABLE);
	lua_settop(L, 3);
	if (lua_getfield(L, 2, "request") != LUA_TFUNCTION)
		return luaL_argerror(L, 2, "expected a session");
	lua_pushvalue(L, 2);
	get = strcmp(html_form_method(f), "GET") == 0;
	secret_body = form_holds_secret(L, 1);
	lua_createtable(L, 0, 4);
	/* Other request options (redirects=false...) pass through. */
	if (lua_istable(L, 3)) {
		lua_pushnil(L);
		while (lua_next(L, 3)) {
			const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";

			if (!strcmp(k, "redirects")) {
				lua_pushvalue(L, -2);
				lua_insert(L, -2);
				lua_settable(L, -4);
			} else {
				lua_pop(L, 1);
			}
		}
	}
	lua_pushstring(L, html_form_method(f));
	lua_setfield(L, -2, "method");
	/* The caller's headers first, then ours. */
	lua_newtable(L);
	if (lua_istable(L, 3) && lua_getfield(L, 3, "headers") == LUA_TTABLE) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_settable(L, -5);
		}
	}
	if (lua_istable(L, 3))
		lua_pop(L, 1);
	if (!get) {
		lua_pushliteral(L, "application/x-www-form-urlencoded");
		lua_setfield(L, -2, "Content-Type");
	}
	lua_setfield(L, -2, "headers");

	body = html_form_encode(f, &len);
	if (!body)
		return luaL_error(L, "not enough memory");
	if (get) {
		push_get_url(L, html_form_action(f), body);
		sodium_memzero(body, len);
		free(body);
		lua_setfield(L, -2, "url");
	} else {
		struct secret *s = secret_body ? secret_new(body, len) : NULL;

		if (!secret_body)
			lua_pushlstring(L, body, len);
		sodium_memzero(body, len);
		free(body);
		if (secret_body) {
			if (!s)
				return luaL_error(L, "not enough memory");
			lua_push_secret(L, s);
		}
		lua_setfield(L, -2, "body");
		lua_pushstring(L, html_form_action(f));
		lua_setfield(L, -2, "url");
	}
	base = lua_gettop(L) - 3;
	lua_call(L, 2, LUA_MULTRET);
	return lua_gettop(L) - base;
}

/* form.action, form.method, form.id; the methods otherwise. */
static int form_index(lua_State *L)
{
	const char *key = luaL_checkstring(L, 2);
	struct html_form *f;
	const char *v = NULL;

	if (strcmp(key, "action") && strcmp(key, "method") && strcmp(key, "id")) {
		lua_getfield(L, lua_upvalueindex(1), key);
		return 1;
	}
	f = check_form(L, 1);
	if (!strcmp(key, "action"))
		v = html_form_action(f);
	else if (!strcmp(key, "method"))
		v = html_form_method(f);
	else
		v = html_form_id(f);
	if (v)
		lua_pushstring(L, v);
	else
		lua_pushnil(L);
	return 1;
}

static void new_metatable(lua_State *L, const char *name, const luaL_Reg *meta,
			  const luaL_Reg *methods, lua_CFunction index)
{
	luaL_newmetatable(L, name);
	luaL_setfuncs(L, meta, 0);
	lua_newtable(L);
	luaL_setfuncs(L, methods, 0);
	if (index)
		lua_pushcclosure(L, index, 1);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}

int lua_open_html(lua_State *L)
{
	static const luaL_Reg doc_meta[] = {
		{ "__gc", doc_gc },
		{ "__close", doc_gc },
		{ "__tostring", doc_tostring },
		{ NULL, NULL },
	};
	static const luaL_Reg doc_methods[] = {
		{ "xpath", doc_xpath },
		{ "select", doc_select },
		{ "select_one", doc_select_one },
		{ "text", doc_text },
		{ "form", doc_form },
		{ "forms", doc_forms },
		{ "url", doc_url },
		{ "close", doc_gc },
		{ NULL, NULL },
	};
	static const luaL_Reg form_meta[] = {
		{ "__gc", form_gc },
		{ "__close", form_gc },
		{ "__tostring", form_tostring },
		{ NULL, NULL },
	};
	static const luaL_Reg form_methods[] = {
		{ "fields", form_fields },
		{ "get", form_get },
		{ "fill", form_fill },
		{ "submit", form_submit },
		{ "close", form_gc },
		{ NULL, NULL },
	};
	static const luaL_Reg funcs[] = {
		{ "parse", html_parse_l },
		{ NULL, NULL },
	};

	new_metatable(L, DOC_MT, doc_meta, doc_methods, NULL);
	new_metatable(L, FORM_MT, form_meta, form_methods, form_index);
	luaL_newlib(L, funcs);
	return 1;
}
