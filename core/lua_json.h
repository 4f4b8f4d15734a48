#ifndef PECCTL_LUA_JSON_H
#define PECCTL_LUA_JSON_H
/* JSON for the HTTP layer: the one place secrets become JSON text. */
#include <stddef.h>
#include "lua_api.h"

/* The JSON text of the value at idx for an HTTP request body: secrets,
 * bare or wrapped in pecctl.json.reveal, are written as their bytes, since
 * this text goes only to the server. Built without reallocations, so no
 * stray copy of a secret is left in freed memory. Caller zeroes
 * (sodium_memzero) and frees with free(). NULL and err (invalid) for
 * values JSON cannot hold (functions, cycles, mixed tables). */
char *lua_json_encode_body(lua_State *L, int idx, size_t *len, struct pecctl_error *err);

/* Push tree as Lua values and free it, even when a memory error cuts the
 * conversion short ([-0, +1, m]). */
void lua_push_cjson_owned(lua_State *L, cJSON *tree);

#endif
