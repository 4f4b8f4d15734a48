/*
 * pecctl.json: decode, encode, null, array, reveal; and the cJSON <-> Lua
 * converters the provider bindings share.
 *
 * JSON null is pecctl.json.null (a light userdata), never nil, so that
 * {"a":null} keeps its key. Decoded arrays carry the metatable
 * "pecctl.json.array" so that [] survives a round trip; any other empty
 * table encodes as {}. Secrets encode as "***" unless wrapped with
 * pecctl.json.reveal(secret), and then the encoded text is itself a secret.
 */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "lua_api.h"
#include "lua_json.h"
#include "secret.h"

#define JSON_ARRAY_MT "pecctl.json.array"
#define JSON_REVEAL_MT "pecctl.json.reveal"
#define JSON_MAX_DEPTH CJSON_NESTING_LIMIT  /* as deep as decode accepts */
#define JSON_EXACT_INT 9007199254740992.0  /* 2^53: doubles are exact below */

static const char json_null_tag = 0;

void lua_push_json_null(lua_State *L)
{
	lua_pushlightuserdata(L, (void *)&json_null_tag);
}

int lua_is_json_null(lua_State *L, int idx)
{
	return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == &json_null_tag;
}

static void push_array_metatable(lua_State *L)
{
	if (luaL_newmetatable(L, JSON_ARRAY_MT)) {
		lua_pushliteral(L, "json array");
		lua_setfield(L, -2, "__name");
	}
}

/* [-0, +1, m] */
static void push_cjson(lua_State *L, const cJSON *item, int depth)
{
	const cJSON *c;
	lua_Integer i;

	luaL_checkstack(L, 4, "JSON too deeply nested");
	if (!item || cJSON_IsInvalid(item)) {
		lua_pushnil(L);
	} else if (cJSON_IsNull(item)) {
		lua_push_json_null(L);
	} else if (cJSON_IsBool(item)) {
		lua_pushboolean(L, cJSON_IsTrue(item));
	} else if (cJSON_IsNumber(item)) {
		double d = item->valuedouble;

		/* 3 stays an integer in Lua; 3.5 and 1e300 stay floats. */
		if (floor(d) == d && fabs(d) <= JSON_EXACT_INT && lua_numbertointeger(d, &i))
			lua_pushinteger(L, i);
		else
			lua_pushnumber(L, d);
	} else if (cJSON_IsString(item) || cJSON_IsRaw(item)) {
		lua_pushstring(L, item->valuestring ? item->valuestring : "");
	} else if (cJSON_IsArray(item)) {
		lua_createtable(L, cJSON_GetArraySize(item), 0);
		i = 1;
		cJSON_ArrayForEach(c, item) {
			push_cjson(L, c, depth + 1);
			lua_rawseti(L, -2, i++);
		}
		push_array_metatable(L);
		lua_setmetatable(L, -2);
	} else if (cJSON_IsObject(item)) {
		lua_createtable(L, 0, cJSON_GetArraySize(item));
		cJSON_ArrayForEach(c, item) {
			push_cjson(L, c, depth + 1);
			lua_setfield(L, -2, c->string ? c->string : "");
		}
	} else {
		lua_pushnil(L);
	}
}

void lua_push_cjson(lua_State *L, const cJSON *item)
{
	push_cjson(L, item, 0);
}

/* A tree owned by a userdata while it becomes Lua values, so a memory
 * error on the way cannot leak it. */
#define JSON_TREE_MT "pecctl.json.tree"

static int tree_gc(lua_State *L)
{
	cJSON **box = luaL_checkudata(L, 1, JSON_TREE_MT);

	cJSON_Delete(*box);
	*box = NULL;
	return 0;
}

static cJSON **push_tree_box(lua_State *L)
{
	cJSON **box = lua_newuserdatauv(L, sizeof(*box), 0);

	*box = NULL;
	if (luaL_newmetatable(L, JSON_TREE_MT)) {
		lua_pushcfunction(L, tree_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	return box;
}

void lua_push_cjson_owned(lua_State *L, cJSON *tree)
{
	cJSON **box;

	luaL_checkstack(L, 2, NULL);
	box = push_tree_box(L);
	*box = tree;
	lua_push_cjson(L, tree);
	cJSON_Delete(tree);
	*box = NULL;
	lua_remove(L, -2);
}

/* Lua -> cJSON. Errors name where the bad value sits: `.users[2].name`. */
struct json_enc {
	lua_State *L;
	struct pecctl_error *err;
	int reveal;            /* 0: secrets are ***; 1: json.reveal() writes bytes; 2: all do */
	int raw_big_ints;      /* integers past 2^53 as exact digits (encode only) */
	int failed;
	int depth;
	char where[256];
	cJSON **revealed;      /* strings holding secret bytes, zeroed before freeing */
	size_t n_revealed;
	size_t cap_revealed;
	const void *path[JSON_MAX_DEPTH];  /* last: enc_init leaves its 8 KB alone */
};

/* Everything but the path zeroed: only its first depth entries are ever
 * read, and clearing all of it cost more than encoding a call's arguments. */
static void enc_init(struct json_enc *e, lua_State *L, struct pecctl_error *err, int reveal,
		     int raw_big_ints)
{
	memset(e, 0, offsetof(struct json_enc, path));
	e->L = L;
	e->err = err;
	e->reveal = reveal;
	e->raw_big_ints = raw_big_ints;
}

static cJSON *enc_fail(struct json_enc *e, const char *what)
{
	char msg[sizeof(e->err->message)];

	if (!e->failed) {
		snprintf(msg, sizeof(msg), "cannot encode %s as JSON%s%s", what,
			 e->where[0] ? " at " : "", e->where);
		pecctl_error_set(e->err, PECCTL_E_INVALID, msg);
	}
	e->failed = 1;
	return NULL;
}

static size_t where_push_key(struct json_enc *e, const char *key)
{
	size_t n = strlen(e->where);

	snprintf(e->where + n, sizeof(e->where) - n, ".%s", key);
	return n;
}

static size_t where_push_index(struct json_enc *e, lua_Integer i)
{
	size_t n = strlen(e->where);

	snprintf(e->where + n, sizeof(e->where) - n, "[%lld]", (long long)i);
	return n;
}

static cJSON *enc_value(struct json_enc *e, int idx);

static int remember_revealed(struct json_enc *e, cJSON *item)
{
	if (e->n_revealed == e->cap_revealed) {
		size_t cap = e->cap_revealed ? e->cap_revealed * 2 : 4;
		cJSON **grown = realloc(e->revealed, cap * sizeof(*grown));

		if (!grown)
			return -1;
		e->revealed = grown;
		e->cap_revealed = cap;
	}
	e->revealed[e->n_revealed++] = item;
	return 0;
}

/* The bytes of the secret at idx as a JSON string, remembered so they are
 * zeroed before the tree is freed. */
static cJSON *enc_secret_bytes(struct json_enc *e, int idx)
{
	size_t len;
	const char *bytes = lua_string_or_secret(e->L, idx, &len);
	cJSON *item;

	if (!bytes)
		return enc_fail(e, "a reveal wrapper without a secret");
	if (strlen(bytes) != len)
		return enc_fail(e, "a secret holding a NUL byte");
	item = cJSON_CreateString(bytes);
	if (item && remember_revealed(e, item) < 0) {
		cJSON_Delete(item);
		item = NULL;
	}
	return item ? item : enc_fail(e, "a secret (out of memory)");
}

static cJSON *enc_revealed(struct json_enc *e, int idx)
{
	cJSON *item;

	if (!e->reveal)
		return cJSON_CreateString("***");
	lua_getiuservalue(e->L, idx, 1);
	item = enc_secret_bytes(e, lua_gettop(e->L));
	lua_pop(e->L, 1);
	return item;
}

static cJSON *enc_number(struct json_enc *e, int idx)
{
	lua_State *L = e->L;

	if (lua_isinteger(L, idx)) {
		lua_Integer i = lua_tointeger(L, idx);

		if (e->raw_big_ints && (i > (lua_Integer)JSON_EXACT_INT || i < -(lua_Integer)JSON_EXACT_INT)) {
			char digits[32];

			snprintf(digits, sizeof(digits), "%lld", (long long)i);
			return cJSON_CreateRaw(digits);
		}
		return cJSON_CreateNumber((double)i);
	}
	if (!isfinite(lua_tonumber(L, idx)))
		return enc_fail(e, "NaN or infinity");
	return cJSON_CreateNumber(lua_tonumber(L, idx));
}

static int key_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/* Keys sorted, so the same table always gives the same text. */
static cJSON *enc_object(struct json_enc *e, int idx, size_t count)
{
	lua_State *L = e->L;
	const char **keys = lua_newuserdatauv(L, count * sizeof(*keys) + 1, 0);
	cJSON *obj = cJSON_CreateObject();
	size_t k = 0, i;

	if (!obj) {
		lua_pop(L, 1);
		return enc_fail(e, "a table (out of memory)");
	}
	lua_pushnil(L);
	while (k < count && lua_next(L, idx)) {
		size_t len;

		keys[k] = lua_tolstring(L, -2, &len);
		if (strlen(keys[k]) != len) {
			lua_pop(L, 3);
			cJSON_Delete(obj);
			return enc_fail(e, "a key holding a NUL byte");
		}
		k++;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);  /* the last key (or the first nil): we stop before lua_next ends */
	qsort(keys, k, sizeof(*keys), key_cmp);
	for (i = 0; i < k; i++) {
		size_t mark = where_push_key(e, keys[i]);
		cJSON *v;

		lua_pushstring(L, keys[i]);
		lua_rawget(L, idx);
		v = enc_value(e, lua_gettop(L));
		lua_pop(L, 1);
		e->where[mark] = '\0';
		if (!v) {
			lua_pop(L, 1);
			cJSON_Delete(obj);
			return NULL;
		}
		cJSON_AddItemToObject(obj, keys[i], v);
	}
	lua_pop(L, 1);
	return obj;
}

static cJSON *enc_array(struct json_enc *e, int idx, lua_Integer n)
{
	lua_State *L = e->L;
	cJSON *arr = cJSON_CreateArray();
	lua_Integer i;

	if (!arr)
		return enc_fail(e, "a table (out of memory)");
	for (i = 1; i <= n; i++) {
		size_t mark = where_push_index(e, i);
		cJSON *v;

		lua_rawgeti(L, idx, i);
		v = enc_value(e, lua_gettop(L));
		lua_pop(L, 1);
		e->where[mark] = '\0';
		if (!v) {
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddItemToArray(arr, v);
	}
	return arr;
}

static int is_marked_array(lua_State *L, int idx)
{
	int marked;

	if (!lua_getmetatable(L, idx))
		return 0;
	luaL_getmetatable(L, JSON_ARRAY_MT);
	marked = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	return marked;
}

/* 1..n integer keys make an array, string keys an object; both is an
 * error rather than a guess. */
static cJSON *enc_table(struct json_enc *e, int idx)
{
	lua_State *L = e->L;
	lua_Integer max = 0;
	size_t n_int = 0, n_str = 0;
	const void *self = lua_topointer(L, idx);
	cJSON *out;
	int i;

	for (i = 0; i < e->depth; i++)
		if (e->path[i] == self)
			return enc_fail(e, "a table that contains itself (a cycle)");
	if (e->depth >= JSON_MAX_DEPTH)
		return enc_fail(e, "tables nested this deep");
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING) {
			n_str++;
		} else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
			n_int++;
			if (lua_tointeger(L, -1) > max)
				max = lua_tointeger(L, -1);
		} else {
			int number = lua_type(L, -1) == LUA_TNUMBER;

			lua_pop(L, 1);
			return enc_fail(e, number ? "a table with a number key that is not 1, 2, 3..." :
					"a table with a key that is neither a string nor a number");
		}
	}
	if (n_int && n_str)
		return enc_fail(e, "a table mixing array items and string keys");
	if (n_int && (size_t)max != n_int)
		return enc_fail(e, "a sparse array (holes between its items)");
	if (n_str && is_marked_array(L, idx))
		return enc_fail(e, "a json array with string keys");
	luaL_checkstack(L, 6, "JSON too deeply nested");
	e->path[e->depth++] = self;
	if (n_int || (!n_str && is_marked_array(L, idx)))
		out = enc_array(e, idx, max);
	else
		out = enc_object(e, idx, n_str);
	e->depth--;
	return out;
}

static cJSON *enc_value(struct json_enc *e, int idx)
{
	lua_State *L = e->L;
	cJSON *item = NULL;

	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		item = cJSON_CreateNull();
		break;
	case LUA_TBOOLEAN:
		item = cJSON_CreateBool(lua_toboolean(L, idx));
		break;
	case LUA_TNUMBER:
		item = enc_number(e, idx);
		break;
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);

		if (strlen(s) != len)
			return enc_fail(e, "a string holding a NUL byte");
		item = cJSON_CreateString(s);
		break;
	}
	case LUA_TTABLE:
		return enc_table(e, idx);
	case LUA_TLIGHTUSERDATA:
		if (!lua_is_json_null(L, idx))
			return enc_fail(e, "a light userdata");
		item = cJSON_CreateNull();
		break;
	case LUA_TUSERDATA:
		if (lua_test_secret(L, idx) && e->reveal == 2)
			item = enc_secret_bytes(e, idx);
		else if (lua_test_secret(L, idx))
			item = cJSON_CreateString("***");
		else if (luaL_testudata(L, idx, JSON_REVEAL_MT))
			item = enc_revealed(e, idx);
		else
			return enc_fail(e, luaL_typename(L, idx));
		break;
	default:
		return enc_fail(e, lua_type(L, idx) == LUA_TFUNCTION ? "a function" :
				luaL_typename(L, idx));
	}
	return item ? item : enc_fail(e, "a value (out of memory)");
}

static void enc_release(struct json_enc *e)
{
	size_t i;

	for (i = 0; i < e->n_revealed; i++)
		if (e->revealed[i]->valuestring)
			sodium_memzero(e->revealed[i]->valuestring, strlen(e->revealed[i]->valuestring));
	free(e->revealed);
	e->revealed = NULL;
	e->n_revealed = e->cap_revealed = 0;
}

cJSON *lua_to_cjson(lua_State *L, int idx, struct pecctl_error *err)
{
	struct json_enc e;
	cJSON *out;

	enc_init(&e, L, err, 0, 0);
	out = enc_value(&e, lua_absindex(L, idx));
	enc_release(&e);
	return out;
}

/* Print into one buffer of the right size: cJSON's own printer grows its
 * buffer with realloc, which would leave copies of secrets behind. */
static char *print_exact(cJSON *tree, int pretty)
{
	size_t cap = 256;

	for (;;) {
		char *buf = malloc(cap);

		if (!buf)
			return NULL;
		if (cJSON_PrintPreallocated(tree, buf, (int)cap, pretty))
			return buf;
		sodium_memzero(buf, cap);
		free(buf);
		if (cap > INT_MAX / 2)
			return NULL;
		cap *= 2;
	}
}

/* Zero and free a tree holding revealed secrets, and the encoder's list. */
static void enc_finish(struct json_enc *e, cJSON *tree)
{
	enc_release(e);
	cJSON_Delete(tree);
}

char *lua_json_encode_body(lua_State *L, int idx, size_t *len, struct pecctl_error *err)
{
	struct json_enc e;
	cJSON *tree;
	char *text;

	enc_init(&e, L, err, 2, 1);
	tree = enc_value(&e, lua_absindex(L, idx));
	if (!tree) {
		enc_release(&e);
		return NULL;
	}
	text = print_exact(tree, 0);
	enc_finish(&e, tree);
	if (!text) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	if (len)
		*len = strlen(text);
	return text;
}

/* pecctl.json.encode(value [, {pretty=true}]) -> text | secret, or nil, err */
static int json_encode(lua_State *L)
{
	struct pecctl_error err = { 0 };
	struct json_enc e;
	cJSON *tree;
	char *text;
	int pretty = 0;

	luaL_checkany(L, 1);
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "pretty");
		pretty = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	enc_init(&e, L, &err, 1, 1);
	tree = enc_value(&e, 1);
	if (!tree) {
		enc_release(&e);
		return lua_push_error(L, &err);
	}
	if (e.n_revealed) {
		/* The text holds secret bytes: hand it back as a secret. */
		struct secret *s;

		text = print_exact(tree, pretty);
		enc_finish(&e, tree);
		s = text ? secret_new(text, strlen(text)) : NULL;
		if (text) {
			sodium_memzero(text, strlen(text));
			free(text);
		}
		if (!s)
			return luaL_error(L, "out of memory");
		lua_push_secret(L, s);
		return 1;
	}
	text = pretty ? cJSON_Print(tree) : cJSON_PrintUnformatted(tree);
	enc_release(&e);
	cJSON_Delete(tree);
	if (!text)
		return luaL_error(L, "out of memory");
	lua_pushstring(L, text);
	cJSON_free(text);
	return 1;
}

/* A short, printable view of the input around an error. */
static void excerpt(char *out, size_t cap, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && i < 24 && o + 1 < cap; i++)
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[o] = '\0';
}

/* pecctl.json.decode(text) -> value, or nil, err (code "invalid") */
static int json_decode(lua_State *L)
{
	size_t len, off;
	const char *text = luaL_checklstring(L, 1, &len);
	const char *end = NULL;
	char near[32];
	cJSON **box = push_tree_box(L);
	cJSON *tree;

	tree = *box = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (tree) {
		off = end ? (size_t)(end - text) : len;
		while (off < len && (text[off] == ' ' || text[off] == '\t' ||
				     text[off] == '\n' || text[off] == '\r'))
			off++;
		if (off == len) {
			lua_push_cjson(L, tree);
			cJSON_Delete(tree);
			*box = NULL;
			return 1;
		}
		cJSON_Delete(tree);
		*box = NULL;
		excerpt(near, sizeof(near), text + off, len - off);
		return lua_push_error_code(L, PECCTL_E_INVALID,
					   "invalid JSON: unexpected data after the value at byte offset %zu (near \"%s\")",
					   off, near);
	}
	off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
	if (len == 0)
		return lua_push_error_code(L, PECCTL_E_INVALID, "invalid JSON: empty input");
	excerpt(near, sizeof(near), text + off, len - off);
	/* cJSON reports running out of input as the last byte. */
	if (off + 1 >= len)
		return lua_push_error_code(L, PECCTL_E_INVALID,
					   "invalid JSON at byte offset %zu, the end of the input (near \"%s\")",
					   off, near);
	return lua_push_error_code(L, PECCTL_E_INVALID, "invalid JSON at byte offset %zu (near \"%s\")",
				   off, near);
}

/* pecctl.json.array([t]) marks t (or a new table) as a JSON array, so an
 * empty one encodes as []. */
static int json_array(lua_State *L)
{
	if (lua_isnoneornil(L, 1)) {
		lua_settop(L, 0);
		lua_newtable(L);
	} else {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_settop(L, 1);
	}
	push_array_metatable(L);
	lua_setmetatable(L, 1);
	return 1;
}

static int reveal_tostring(lua_State *L)
{
	lua_pushliteral(L, "json.reveal(***)");
	return 1;
}

/* pecctl.json.reveal(secret): encode writes this secret's bytes. */
static int json_reveal(lua_State *L)
{
	if (!lua_test_secret(L, 1))
		return luaL_argerror(L, 1, "expected a secret");
	lua_newuserdatauv(L, 1, 1);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	if (luaL_newmetatable(L, JSON_REVEAL_MT)) {
		lua_pushcfunction(L, reveal_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_setmetatable(L, -2);
	return 1;
}

static int json_is_null(lua_State *L)
{
	lua_pushboolean(L, lua_is_json_null(L, 1));
	return 1;
}

int lua_open_json(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "decode", json_decode },
		{ "encode", json_encode },
		{ "array", json_array },
		{ "reveal", json_reveal },
		{ "is_null", json_is_null },
		{ NULL, NULL },
	};

	luaL_newlib(L, funcs);
	lua_push_json_null(L);
	lua_setfield(L, -2, "null");
	return 1;
}
