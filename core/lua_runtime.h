#ifndef PECCTL_LUA_RUNTIME_H
#define PECCTL_LUA_RUNTIME_H
#include <lua.h>
#include "pecctl/plugin.h"

/* A Lua state with the standard libraries, the global `pecctl` table and
 * the embedded Lua modules in package.preload. NULL on out-of-memory. */
lua_State *runtime_new(void);
void runtime_close(lua_State *L);

/* Call the function below nargs arguments with a traceback handler.
 * Returns a lua_pcall status; on error the message is left on the stack. */
int runtime_pcall(lua_State *L, int nargs, int nresults);

/* Load a Lua file as a chunk ([-0, +1]); on failure pushes nothing, fills
 * err (noinput when missing, invalid on a syntax error) and returns -1. */
int runtime_load_file(lua_State *L, const char *path, struct pecctl_error *err);

/* Report a Lua error message (string or error table) on the log, redacted. */
void runtime_report_error(lua_State *L, int idx, const char *context);

#endif
