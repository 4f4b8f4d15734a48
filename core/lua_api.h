#ifndef PECCTL_LUA_API_H
#define PECCTL_LUA_API_H
/* The Lua bindings: the only place that includes lua.h. Each lua_*.c file
 * builds one part of the `pecctl` table. */
#include <lua.h>
#include <lauxlib.h>
#include "pecctl/plugin.h"

/* Module openers: each pushes its table ([-0, +1]). */
int lua_open_http(lua_State *L);    /* pecctl.http: session = function */
int lua_open_html(lua_State *L);    /* pecctl.html: parse = function */
int lua_open_json(lua_State *L);    /* pecctl.json: decode, encode, null */
int lua_open_log(lua_State *L);     /* pecctl.log: debug, info, warn, error */
int lua_open_secret(lua_State *L);  /* pecctl.secrets: new, resolve, is_secret, reveal_length */
int lua_open_prompt(lua_State *L);  /* pecctl.prompt: otp, confirm */
int lua_open_provider(lua_State *L);/* pecctl.providers: list, for_account, open */
int lua_open_vault(lua_State *L);   /* pecctl.vault: stage, promote, discard, get, pending, available */
int lua_open_fs(lua_State *L);      /* pecctl.fs: write_atomic, read, mkdir, exists */

/* HTTP sessions: the userdata type "pecctl.session". */
struct http_session;
/* pecctl.session{...} itself: options table at index 1 (may be absent). */
int lua_http_session_new(lua_State *L);
/* The session at idx, raising a type error when it is not one. */
struct http_session *lua_http_check_session(lua_State *L, int idx);

/* Expected failures: push nil and an error table {code=, message=, field=,
 * status=} and return 2, for `return lua_push_error(L, &err);`. */
int lua_push_error(lua_State *L, const struct pecctl_error *err);
int lua_push_error_code(lua_State *L, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Read an error table (or string) at idx into err. */
void lua_to_error(lua_State *L, int idx, struct pecctl_error *err);

/* Secrets: the userdata type "pecctl.secret". */
struct secret;
/* The secret at idx, or NULL when the value there is not one. */
struct secret *lua_test_secret(lua_State *L, int idx);
/* Push a new secret userdata that takes ownership of s ([-0, +1, m]). */
void lua_push_secret(lua_State *L, struct secret *s);
/* Bytes of a string or secret argument ("value" for errors), NULL if neither. */
const char *lua_string_or_secret(lua_State *L, int idx, size_t *len);

/* cJSON <-> Lua, shared by json and the provider bindings. JSON null maps
 * to pecctl.json.null (a light userdata), never to nil. */
void lua_push_cjson(lua_State *L, const cJSON *item);
/* NULL and err filled for values JSON cannot hold (functions, cycles). */
cJSON *lua_to_cjson(lua_State *L, int idx, struct pecctl_error *err);
/* Push the json.null sentinel. */
void lua_push_json_null(lua_State *L);
int lua_is_json_null(lua_State *L, int idx);

#endif
