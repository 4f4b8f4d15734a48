#ifndef PECCTL_LUA_BYTECODE_H
#define PECCTL_LUA_BYTECODE_H
#include <stddef.h>
#include <stdint.h>
#include <lua.h>

/* Which version of a source a chunk was compiled from: a file's device,
 * inode, size and modification time; all zero for sources built into the
 * binary. */
struct bytecode_stamp {
	uint64_t device, inode, size;
	int64_t mtime_ns;
};

/* The stamp of the open file fd; 0, or -1 when it cannot be read. */
int bytecode_stamp_file(int fd, struct bytecode_stamp *stamp);
/* Pushes the chunk kept for key when its stamp matches ([-0, +1]) and
 * returns 0; -1 and nothing pushed when none is kept (or it fails to load). */
int bytecode_load_kept(lua_State *L, const char *key, const struct bytecode_stamp *stamp,
		       const char *chunkname);
/* Keeps the function on top of the stack ([-0, +0]) as key's chunk, for
 * the other states of the process. */
void bytecode_keep(lua_State *L, const char *key, const struct bytecode_stamp *stamp);

#endif
