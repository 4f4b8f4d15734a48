#ifndef PECCTL_LUA_ALLOC_H
#define PECCTL_LUA_ALLOC_H
#include <lua.h>

/* A lua_State whose small objects come from free lists of its own
 * (lua_alloc.c); NULL out of memory. Close it with lua_alloc_close. */
lua_State *lua_alloc_newstate(void);
void lua_alloc_close(lua_State *L);

#endif
