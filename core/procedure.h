#ifndef PECCTL_PROCEDURE_H
#define PECCTL_PROCEDURE_H
#include <stddef.h>
#include <lua.h>
#include "pecctl/plugin.h"

/* Procedure scripts: scripts/<name>.lua returning a table
 *   { name=, summary=, operations={...}, params={NAME={secret=, optional=,
 *     help=}}, changes_state=, run=function(ctx) ... end }
 * found along the script path (--script-path, PECCTL_SCRIPT_PATH). */

/* Path of the script for `name`, or -1 and err (usage) when none. */
int procedure_find(const char *name, char *path, size_t cap, struct pecctl_error *err);
/* Load and check the procedure at path; pushes its table ([-0, +1]) or
 * returns -1 with err saying what is wrong in which file. */
int procedure_load(lua_State *L, const char *path, struct pecctl_error *err);
/* Calls fn for every *.lua along the script path, first match of a name
 * wins; returns the number found. */
size_t procedure_each(void (*fn)(const char *name, const char *path, void *ud), void *ud);

#endif
