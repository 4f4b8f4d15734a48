/* pecctl.session: HTTP sessions for Lua scripts, on top of core/http.c.
 *
 *   local s = pecctl.session{timeout = 10, max_body = 1 << 20,
 *                            headers = {["Accept-Language"] = "it"}}
 *   local r, err = s:get(url [, {headers = {...}, redirects = false}])
 *   r, err = s:post(url, {form = {k = v}} | {json = t} | {body = b, content_type = ct})
 *   r, err = s:request{method = "PUT", url = u, headers = h, body = b, redirects = false}
 *   s:cookies(), s:stats(), s:close()
 *
 * A response is {status, url, body, headers = {lower-case name = value},
 * time, redirects}. Network failures return nil, err; misuse raises. Form
 * values, bodies and header values may be secrets: their bytes only ever
 * sit in buffers that are wiped before they are freed. */
#include "lua_api.h"
#include "lua_json.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "lua_http_hook.h"
#include "options.h"
#include "sessions.h"

#define SESSION_MT "pecctl.session"
#define BOX_MT "pecctl.http.box"
#define RESPONSE_MT "pecctl.http.response"
#define LH_MAX_REQUEST_BODY ((size_t)64 << 20)
#define LH_MAX_HEADER_BYTES ((size_t)64 << 10)
#define LH_MAX_HEADER_NAME 128

struct lua_session {
	struct http_session *http;  /* NULL once closed */
};

/* A malloc'd byte buffer owned by a userdata: a longjmp can't leak it, and
 * its bytes (maybe a password) are wiped before the memory goes back. */
struct box {
	char *data;
	size_t len, cap, max;
	int nomem;  /* an append failed for want of memory, not for the cap */
};

struct response_holder {
	struct http_response *r;
};

/* --- boxes --- */

static void box_wipe(struct box *b)
{
	if (b->data) {
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
}

static int box_gc(lua_State *L)
{
	box_wipe(luaL_checkudata(L, 1, BOX_MT));
	return 0;
}

/* [-0, +1, m] */
static struct box *box_new(lua_State *L, size_t max)
{
	struct box *b = lua_newuserdatauv(L, sizeof(*b), 0);

	memset(b, 0, sizeof(*b));
	b->max = max;
	luaL_setmetatable(L, BOX_MT);
	return b;
}

/* 0, or -1 past the cap or out of memory (b->nomem). Never raises, so a
 * caller can free what it holds before it reports. */
static int box_append(struct box *b, const char *p, size_t n)
{
	size_t need, cap;
	char *mem;

	if (n > b->max || b->len > b->max - n)
		return -1;
	need = b->len + n + 1;
	if (need > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		/* no realloc: it could leave the old bytes behind unwiped */
		mem = malloc(cap);
		if (!mem) {
			b->nomem = 1;
			return -1;
		}
		if (b->data) {
			memcpy(mem, b->data, b->len);
			sodium_memzero(b->data, b->cap);
			free(b->data);
		}
		b->data = mem;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Report a failed append: raise when memory ran out, else nil, err. */
static int box_error(lua_State *L, const struct box *b, const char *what)
{
	if (b->nomem)
		return luaL_error(L, "not enough memory");
	return lua_push_error_code(L, PECCTL_E_INVALID, "%s is larger than %zu bytes", what,
				   b->max);
}

static int response_gc(lua_State *L)
{
	struct response_holder *h = luaL_checkudata(L, 1, RESPONSE_MT);

	http_response_free(h->r);
	h->r = NULL;
	return 0;
}

/* --- argument checks (all before anything is acquired) --- */

static const char *field_name_error(lua_State *L, const char *field, const char *what)
{
	return lua_pushfstring(L, "'%s' must be %s", field, what);
}

/* Push t[field] and return its type; raise when it is neither nil nor
 * of one of the types allowed (a bitmask of 1 << LUA_T*). */
static int check_field(lua_State *L, int t, int arg, const char *field, int allowed,
		       const char *what)
{
	int type = lua_getfield(L, t, field);

	if (type != LUA_TNIL && !(allowed & (1 << type)))
		luaL_argerror(L, arg, field_name_error(L, field, what));
	return type;
}

static int valid_header_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > LH_MAX_HEADER_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 127 || c == ':' || strchr("()<>@,;\\\"/[]?={}", c))
			return 0;
	}
	return 1;
}

static int valid_header_value(const char *s, size_t len)
{
	return memchr(s, '\r', len) == NULL && memchr(s, '\n', len) == NULL &&
	       memchr(s, '\0', len) == NULL;
}

/* Bytes of a string, number or secret at idx; NULL otherwise. */
static const char *value_bytes(lua_State *L, int idx, size_t *len)
{
	if (lua_type(L, idx) == LUA_TNUMBER)
		return lua_tolstring(L, idx, len);
	return lua_string_or_secret(L, idx, len);
}

/* headers = {Name = "value" | secret}: raise on anything a server could
 * read as a second header or a broken request. */
static void check_headers(lua_State *L, int t, int arg)
{
	const char *name, *value;
	size_t nlen, vlen;

	t = lua_absindex(L, t);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_argerror(L, arg, "header names must be strings");
		name = lua_tolstring(L, -2, &nlen);
		if (!valid_header_name(name, nlen))
			luaL_argerror(L, arg, lua_pushfstring(L, "bad header name '%s'", name));
		value = value_bytes(L, -1, &vlen);
		if (!value)
			luaL_argerror(L, arg, lua_pushfstring(L, "header '%s' must be a string or secret",
							      name));
		if (!valid_header_value(value, vlen))
			luaL_argerror(L, arg, lua_pushfstring(L, "header '%s' contains a line break",
							      name));
		lua_pop(L, 1);
	}
}

static void check_form(lua_State *L, int t, int arg)
{
	size_t len;

	t = lua_absindex(L, t);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_argerror(L, arg, "form field names must be strings");
		if (!value_bytes(L, -1, &len))
			luaL_argerror(L, arg, lua_pushfstring(L, "form field '%s' must be a string, "
								 "number or secret",
							      lua_tostring(L, -2)));
		lua_pop(L, 1);
	}
}

static const char *const get_options[] = { "headers", "form", "redirects", NULL };
static const char *const post_options[] = { "headers", "form", "json", "body", "content_type",
					    "redirects", NULL };
static const char *const request_options[] = { "method", "url", "headers", "form", "json", "body",
					       "content_type", "redirects", NULL };
static const char *const session_options[] = { "timeout", "max_body", "headers", NULL };

/* A misspelt option would otherwise be ignored without a word. */
static void check_known(lua_State *L, int t, int arg, const char *const *names)
{
	const char *key;
	size_t i;

	t = lua_absindex(L, t);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_argerror(L, arg, "option names must be strings");
		key = lua_tostring(L, -2);
		for (i = 0; names[i] && strcmp(names[i], key) != 0; i++)
			;
		if (!names[i])
			luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", key));
		lua_pop(L, 1);
	}
}

/* Check an options table (get/post/request): raises on misuse. */
static void check_options(lua_State *L, int t, int arg, const char *const *names)
{
	int bodies = 0, top = lua_gettop(L);

	check_known(L, t, arg, names);

	if (check_field(L, t, arg, "headers", 1 << LUA_TTABLE, "a table") == LUA_TTABLE)
		check_headers(L, -1, arg);
	if (check_field(L, t, arg, "form", 1 << LUA_TTABLE, "a table") == LUA_TTABLE) {
		check_form(L, -1, arg);
		bodies++;
	}
	if (check_field(L, t, arg, "json", ~0, "a value") != LUA_TNIL)
		bodies++;
	if (lua_getfield(L, t, "body") != LUA_TNIL) {
		if (!value_bytes(L, -1, &(size_t){ 0 }))
			luaL_argerror(L, arg, "'body' must be a string or secret");
		bodies++;
	}
	if (bodies > 1)
		luaL_argerror(L, arg, "give only one of 'form', 'json' and 'body'");
	check_field(L, t, arg, "content_type", 1 << LUA_TSTRING, "a string");
	if (lua_type(L, -1) == LUA_TSTRING) {
		size_t len;
		const char *ct = lua_tolstring(L, -1, &len);

		if (!valid_header_value(ct, len))
			luaL_argerror(L, arg, "'content_type' contains a line break");
	}
	check_field(L, t, arg, "redirects", 1 << LUA_TBOOLEAN, "a boolean");
	lua_settop(L, top);
}

/* --- building the request --- */

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted string keys of table t, in a userdata left on the stack (so the
 * order of headers and form fields is stable from run to run). */
static const char **sorted_keys(lua_State *L, int t, size_t *n)
{
	const char **keys;
	size_t count = 0, i = 0;

	t = lua_absindex(L, t);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) == LUA_TSTRING)
			count++;
		lua_pop(L, 1);
	}
	keys = lua_newuserdatauv(L, (count + 1) * sizeof(*keys), 0);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) == LUA_TSTRING && i < count)
			keys[i++] = lua_tostring(L, -2);  /* alive while t holds the key */
		lua_pop(L, 1);
	}
	qsort(keys, i, sizeof(*keys), compare_names);
	*n = i;
	return keys;
}

static int table_has_header(lua_State *L, int t, const char *name)
{
	int found = 0;

	if (t == 0)
		return 0;
	lua_pushnil(L);
	while (!found && lua_next(L, t)) {
		if (lua_type(L, -2) == LUA_TSTRING && strcasecmp(lua_tostring(L, -2), name) == 0)
			found = 1;
		lua_pop(L, 1);
	}
	if (found)
		lua_pop(L, 1);  /* the key left by the interrupted traversal */
	return found;
}

/* Append "Name: value\0" for every header of table t not overridden by
 * table skip (0 for none). -1 past the header cap. */
static int add_headers(lua_State *L, struct box *b, int t, int skip, int *n, int *has_ct)
{
	const char **keys;
	const char *value;
	size_t count, i, vlen;
	int top = lua_gettop(L), rc = 0;

	t = lua_absindex(L, t);
	keys = sorted_keys(L, t, &count);
	for (i = 0; i < count && rc == 0; i++) {
		if (table_has_header(L, skip, keys[i]))
			continue;
		lua_getfield(L, t, keys[i]);
		value = value_bytes(L, -1, &vlen);
		if (value &&
		    (box_append(b, keys[i], strlen(keys[i])) < 0 || box_append(b, ": ", 2) < 0 ||
		     box_append(b, value, vlen) < 0 || box_append(b, "", 1) < 0))
			rc = -1;
		if (value) {
			(*n)++;
			if (strcasecmp(keys[i], "content-type") == 0)
				*has_ct = 1;
		}
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	return rc;
}

/* One encoded form pair; -1 past the cap. The encoded copy is wiped. */
static int add_form_pair(lua_State *L, struct box *b, const char *k, size_t klen,
			 const char *v, size_t vlen)
{
	char *ek = http_url_encode(k, klen), *ev = http_url_encode(v, vlen);
	int rc = 0;

	if (!ek || !ev) {
		free(ek);
		if (ev)
			sodium_memzero(ev, strlen(ev));
		free(ev);
		return luaL_error(L, "not enough memory");
	}
	if ((b->len && box_append(b, "&", 1) < 0) || box_append(b, ek, strlen(ek)) < 0 ||
	    box_append(b, "=", 1) < 0 || box_append(b, ev, strlen(ev)) < 0)
		rc = -1;
	sodium_memzero(ev, strlen(ev));
	free(ek);
	free(ev);
	return rc;
}

static int build_form(lua_State *L, struct box *b, int t)
{
	const char **keys;
	const char *v;
	size_t count, i, vlen;
	int top = lua_gettop(L), rc = 0;

	t = lua_absindex(L, t);
	keys = sorted_keys(L, t, &count);
	for (i = 0; i < count && rc == 0; i++) {
		lua_getfield(L, t, keys[i]);
		v = value_bytes(L, -1, &vlen);
		if (v)
			rc = add_form_pair(L, b, keys[i], strlen(keys[i]), v, vlen);
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	return rc;
}

/* url with the encoded form appended to its query, before any fragment. */
static int add_query(struct box *q, const char *url, const struct box *form)
{
	const char *hash = strchr(url, '#');
	size_t base = hash ? (size_t)(hash - url) : strlen(url);
	const char *sep = "";

	if (form->len) {
		if (!memchr(url, '?', base))
			sep = "?";
		else if (url[base - 1] != '?' && url[base - 1] != '&')
			sep = "&";
	}
	if (box_append(q, url, base) < 0 || box_append(q, sep, strlen(sep)) < 0 ||
	    box_append(q, form->data ? form->data : "", form->len) < 0 ||
	    box_append(q, url + base, strlen(url + base)) < 0)
		return -1;
	return 0;
}

/* JSON text of the value at idx into b; -1 with err filled. Secrets are
 * written as their real bytes: this is the one place they must be. */
static int build_json(lua_State *L, struct box *b, int idx, struct pecctl_error *err)
{
	size_t len;
	char *text = lua_json_encode_body(L, idx, &len, err);
	int rc;

	if (!text)
		return -1;
	rc = box_append(b, text, len);
	sodium_memzero(text, len);
	free(text);
	if (rc < 0 && b->nomem)
		return luaL_error(L, "not enough memory");
	if (rc < 0)
		pecctl_error_set(err, PECCTL_E_INVALID, "json body is larger than the request cap");
	return rc;
}

/* --- the response --- */

static void push_response(lua_State *L, const struct http_response *r)
{
	char lname[LH_MAX_HEADER_NAME + 1];
	size_t i, j, n;

	lua_createtable(L, 0, 6);
	lua_pushinteger(L, r->status);
	lua_setfield(L, -2, "status");
	lua_pushstring(L, r->url);
	lua_setfield(L, -2, "url");
	lua_pushlstring(L, r->body, r->body_len);
	lua_setfield(L, -2, "body");
	lua_pushnumber(L, r->elapsed_s);
	lua_setfield(L, -2, "time");
	lua_pushinteger(L, r->redirects);
	lua_setfield(L, -2, "redirects");
	lua_createtable(L, 0, (int)(r->n_headers < 64 ? r->n_headers : 64));
	for (i = 0; i < r->n_headers; i++) {
		n = strlen(r->headers[i].name);
		if (n > LH_MAX_HEADER_NAME)
			continue;
		for (j = 0; j < n; j++) {
			char c = r->headers[i].name[j];

			lname[j] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		lname[n] = '\0';
		/* Repeated headers are joined as HTTP allows; Set-Cookie values
		 * contain commas, so they go one per line. */
		if (lua_getfield(L, -1, lname) == LUA_TSTRING)
			lua_pushfstring(L, "%s%s%s", lua_tostring(L, -1),
					strcmp(lname, "set-cookie") == 0 ? "\n" : ", ",
					r->headers[i].value);
		else
			lua_pushstring(L, r->headers[i].value);
		lua_setfield(L, -3, lname);
		lua_pop(L, 1);
	}
	lua_setfield(L, -2, "headers");
}

/* --- sessions --- */

static struct lua_session *check_lua_session(lua_State *L, int idx)
{
	struct lua_session *ls = luaL_checkudata(L, idx, SESSION_MT);

	if (!ls->http)
		luaL_argerror(L, idx, "the session is closed");
	return ls;
}

struct http_session *lua_http_check_session(lua_State *L, int idx)
{
	return check_lua_session(L, idx)->http;
}

/* Send method url with the options table at opts (0 for none), checked
 * already by check_options. Returns the response table, or nil, err. */
static int session_send(lua_State *L, int self, const char *method, const char *url, int opts)
{
	struct lua_session *ls = check_lua_session(L, self);
	struct http_request req;
	struct pecctl_error err;
	struct response_holder *holder;
	struct box *body = NULL, *query = NULL, *hdrs;
	const char **lines;
	const char *ct = NULL, *p;
	int req_headers = 0, n = 0, has_ct = 0, i, rc;
	size_t blen;

	memset(&req, 0, sizeof(req));
	memset(&err, 0, sizeof(err));
	req.method = method;
	req.url = url;
	hdrs = box_new(L, LH_MAX_HEADER_BYTES);
	if (opts) {
		if (lua_getfield(L, opts, "headers") == LUA_TTABLE)
			req_headers = lua_gettop(L);
		else
			lua_pop(L, 1);
		if (lua_getfield(L, opts, "redirects") == LUA_TBOOLEAN && !lua_toboolean(L, -1))
			req.no_redirects = 1;
		lua_pop(L, 1);
		if (lua_getfield(L, opts, "form") == LUA_TTABLE) {
			body = box_new(L, LH_MAX_REQUEST_BODY);
			lua_insert(L, -2);
			if (build_form(L, body, -1) < 0)
				return box_error(L, body, "form body");
			ct = "application/x-www-form-urlencoded";
			if (strcmp(method, "GET") == 0) {
				/* a GET form goes in the query string, as a browser sends it */
				query = box_new(L, LH_MAX_REQUEST_BODY + strlen(url) + 2);
				lua_insert(L, -2);
				if (add_query(query, url, body) < 0)
					return box_error(L, query, "url");
				req.url = query->data;
				box_wipe(body);
				body = NULL;
				ct = NULL;
			}
		}
		lua_pop(L, 1);
		if (lua_getfield(L, opts, "json") != LUA_TNIL) {
			body = box_new(L, LH_MAX_REQUEST_BODY);
			lua_insert(L, -2);
			if (build_json(L, body, lua_gettop(L), &err) < 0)
				return lua_push_error(L, &err);
			ct = "application/json";
		}
		lua_pop(L, 1);
		if (lua_getfield(L, opts, "body") != LUA_TNIL) {
			body = box_new(L, LH_MAX_REQUEST_BODY);
			lua_insert(L, -2);
			p = value_bytes(L, -1, &blen);
			if ((p && box_append(body, p, blen) < 0) ||
			    (body->cap == 0 && box_append(body, "", 0) < 0))  /* empty is a body too */
				return box_error(L, body, "request body");
		}
		lua_pop(L, 1);
		if (lua_getfield(L, opts, "content_type") == LUA_TSTRING)
			ct = lua_tostring(L, -1);  /* stays alive on the stack */
	}
	/* The call's headers first, then the session's it does not override. */
	if ((req_headers && add_headers(L, hdrs, req_headers, 0, &n, &has_ct) < 0) ||
	    (lua_getiuservalue(L, self, 1) == LUA_TTABLE &&
	     add_headers(L, hdrs, -1, req_headers, &n, &has_ct) < 0))
		return box_error(L, hdrs, "the request headers");
	if (ct && !has_ct) {
		if (box_append(hdrs, "Content-Type: ", 14) < 0 ||
		    box_append(hdrs, ct, strlen(ct)) < 0 || box_append(hdrs, "", 1) < 0)
			return box_error(L, hdrs, "the request headers");
		n++;
	}
	lines = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(*lines), 0);
	for (i = 0, p = hdrs->data; i < n; i++, p += strlen(p) + 1)
		lines[i] = p;
	lines[n] = NULL;
	req.headers = lines;
	if (body) {
		req.body = body->data ? body->data : "";
		req.body_len = body->len;
	}
	holder = lua_newuserdatauv(L, sizeof(*holder), 0);
	holder->r = NULL;
	luaL_setmetatable(L, RESPONSE_MT);
	rc = http_session_request(ls->http, &req, &holder->r, &err);
	/* Wipe now rather than whenever the collector runs. */
	box_wipe(hdrs);
	if (body)
		box_wipe(body);
	if (query)
		box_wipe(query);
	if (rc < 0)
		return lua_push_error(L, &err);
	push_response(L, holder->r);
	http_response_free(holder->r);
	holder->r = NULL;
	return 1;
}

/* s:get(url [, opts]) and s:post(url, opts): method, with the options a
 * caller may give it. */
static int session_send_simple(lua_State *L, const char *method, const char *const *allowed)
{
	const char *url;

	check_lua_session(L, 1);
	url = luaL_checkstring(L, 2);
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		check_options(L, 3, 3, allowed);
	}
	return session_send(L, 1, method, url, lua_istable(L, 3) ? 3 : 0);
}

static int session_get(lua_State *L)
{
	return session_send_simple(L, "GET", get_options);
}

static int session_post(lua_State *L)
{
	return session_send_simple(L, "POST", post_options);
}

/* s:request{method=, url=, headers=, body= | form= | json=, redirects=} */
static int session_request(lua_State *L)
{
	const char *method = "GET", *url;
	size_t i, len;

	check_lua_session(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_settop(L, 2);
	if (check_field(L, 2, 2, "method", 1 << LUA_TSTRING, "a string") == LUA_TSTRING) {
		method = lua_tolstring(L, -1, &len);
		for (i = 0; i < len; i++)
			if (!((method[i] >= 'A' && method[i] <= 'Z') || method[i] == '-' ||
			      method[i] == '_'))
				luaL_argerror(L, 2, "'method' must be an upper-case HTTP method");
		if (len == 0 || len > 32)
			luaL_argerror(L, 2, "'method' must be an upper-case HTTP method");
	}
	if (check_field(L, 2, 2, "url", 1 << LUA_TSTRING, "a string") != LUA_TSTRING)
		luaL_argerror(L, 2, "'url' is required");
	url = lua_tostring(L, -1);
	check_options(L, 2, 2, request_options);
	return session_send(L, 1, method, url, 2);
}

/* s:cookies() -> { {name=, value=, domain=, path=, secure=, http_only=,
 * expires=, subdomains=}, ... } */
static int session_cookies(lua_State *L)
{
	struct lua_session *ls = check_lua_session(L, 1);
	char *text, *line, *next, *f[7], *p;
	const char *domain;
	int n = 0, k, http_only;
	struct box *b;
	size_t len;

	/* The box comes first so a memory error while building can't leak. */
	b = box_new(L, (size_t)16 << 20);
	lua_newtable(L);
	text = http_session_cookies(ls->http);
	if (!text)
		return 1;
	len = strlen(text);
	k = box_append(b, text, len);
	sodium_memzero(text, len);
	free(text);
	if (k < 0)
		return box_error(L, b, "the cookie list");
	text = b->data;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		for (k = 0, p = line; k < 7 && p; k++) {
			f[k] = p;
			p = k < 6 ? strchr(p, '\t') : NULL;
			if (p)
				*p++ = '\0';
		}
		if (k < 7)
			continue;
		domain = f[0];
		http_only = strncmp(domain, "#HttpOnly_", 10) == 0;
		if (http_only)
			domain += 10;
		lua_createtable(L, 0, 8);
		lua_pushstring(L, f[5]);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, f[6]);
		lua_setfield(L, -2, "value");
		lua_pushstring(L, domain);
		lua_setfield(L, -2, "domain");
		lua_pushstring(L, f[2]);
		lua_setfield(L, -2, "path");
		lua_pushboolean(L, strcmp(f[3], "TRUE") == 0);
		lua_setfield(L, -2, "secure");
		lua_pushboolean(L, http_only);
		lua_setfield(L, -2, "http_only");
		lua_pushboolean(L, strcmp(f[1], "TRUE") == 0);
		lua_setfield(L, -2, "subdomains");
		lua_pushinteger(L, (lua_Integer)strtoll(f[4], NULL, 10));
		lua_setfield(L, -2, "expires");
		lua_rawseti(L, -2, ++n);
	}
	box_wipe(b);
	return 1;
}

/* s:stats() -> {requests=, connections=} */
static int session_stats(lua_State *L)
{
	struct lua_session *ls = check_lua_session(L, 1);

	lua_createtable(L, 0, 2);
	lua_pushinteger(L, http_session_requests(ls->http));
	lua_setfield(L, -2, "requests");
	lua_pushinteger(L, http_session_connections(ls->http));
	lua_setfield(L, -2, "connections");
	return 1;
}

/* s:close(), __close and __gc: idempotent. */
static int session_close(lua_State *L)
{
	struct lua_session *ls = luaL_checkudata(L, 1, SESSION_MT);

	http_session_free(ls->http);
	ls->http = NULL;
	return 0;
}

static int session_tostring(lua_State *L)
{
	struct lua_session *ls = luaL_checkudata(L, 1, SESSION_MT);

	if (ls->http)
		lua_pushfstring(L, "pecctl.session (%p)", (void *)ls);
	else
		lua_pushliteral(L, "pecctl.session (closed)");
	return 1;
}

/* Copy headers (already checked) into a fresh table, so later changes to
 * the caller's table don't reach the session. [-0, +1, m] */
static void copy_table(lua_State *L, int t)
{
	t = lua_absindex(L, t);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
}

int lua_http_session_new(lua_State *L)
{
	struct http_config cfg;
	struct lua_session *ls;
	struct pecctl_error err;
	const struct lua_http_hook *hook = NULL;
	lua_Number timeout;
	lua_Integer max_body;

	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	cfg.sandbox = pecctl_opts.sandbox;
	cfg.cacert = pecctl_opts.cacert;
	cfg.timeout_ms = pecctl_opts.timeout_s > 0 ? pecctl_opts.timeout_s * 1000 : 0;
	cfg.max_body = pecctl_opts.max_body;
	lua_settop(L, 1);
	if (!lua_isnil(L, 1)) {
		luaL_checktype(L, 1, LUA_TTABLE);
		check_known(L, 1, 1, session_options);
		if (check_field(L, 1, 1, "timeout", 1 << LUA_TNUMBER, "a number") == LUA_TNUMBER) {
			timeout = lua_tonumber(L, -1);
			if (!(timeout > 0 && timeout <= 86400))
				luaL_argerror(L, 1, "'timeout' must be between 0 and 86400 seconds");
			cfg.timeout_ms = (long)(timeout * 1000.0);
			if (cfg.timeout_ms < 1)
				cfg.timeout_ms = 1;
		}
		if (check_field(L, 1, 1, "max_body", 1 << LUA_TNUMBER, "an integer") == LUA_TNUMBER) {
			max_body = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
			if (max_body <= 0)
				luaL_argerror(L, 1, "'max_body' must be a positive integer");
			cfg.max_body = (size_t)max_body;
		}
		if (check_field(L, 1, 1, "headers", 1 << LUA_TTABLE, "a table") == LUA_TTABLE)
			check_headers(L, -1, 1);
		lua_settop(L, 1);
	}
	/* The userdata comes first, marked closed, so an error while the
	 * handle is being made can't leak it. */
	ls = lua_newuserdatauv(L, sizeof(*ls), 1);
	ls->http = NULL;
	luaL_setmetatable(L, SESSION_MT);
	if (lua_istable(L, 1) && lua_getfield(L, 1, "headers") == LUA_TTABLE) {
		copy_table(L, -1);
		lua_setiuservalue(L, 2, 1);
	}
	lua_settop(L, 2);
	if (lua_getfield(L, LUA_REGISTRYINDEX, LUA_HTTP_HOOK_KEY) == LUA_TLIGHTUSERDATA)
		hook = lua_touserdata(L, -1);  /* a batch worker's (lua_http_hook.h) */
	lua_settop(L, 2);
	if (hook)
		cfg.share = hook->share;
	ls->http = http_session_new(&cfg, &err);
	if (!ls->http)
		return lua_push_error(L, &err);
	if (hook && hook->opened)
		hook->opened(hook->userdata, ls->http);
	sessions_attach(ls->http);  /* --har, --replay, the REPL's watcher */
	return 1;
}

static const luaL_Reg session_methods[] = {
	{ "get", session_get },
	{ "post", session_post },
	{ "request", session_request },
	{ "cookies", session_cookies },
	{ "stats", session_stats },
	{ "close", session_close },
	{ NULL, NULL },
};

static const luaL_Reg session_meta[] = {
	{ "__gc", session_close },
	{ "__close", session_close },
	{ "__tostring", session_tostring },
	{ NULL, NULL },
};

int lua_open_http(lua_State *L)
{
	if (luaL_newmetatable(L, SESSION_MT)) {
		luaL_setfuncs(L, session_meta, 0);
		luaL_newlib(L, session_methods);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, BOX_MT)) {
		lua_pushcfunction(L, box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, RESPONSE_MT)) {
		lua_pushcfunction(L, response_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, lua_http_session_new);
	lua_setfield(L, -2, "session");
	return 1;
}
