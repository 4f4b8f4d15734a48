/*
 * Compiled Lua chunks kept for the life of the process, as bytecode with
 * its line information (tracebacks still name file and line). A batch
 * starts one Lua state per worker and each loads the same embedded modules
 * and the same procedure script: parsing those sources again in every
 * state cost more than the rest of the state's start.
 *
 * A chunk is found by its key (the module's or the file's name) and a
 * stamp: a file's identity, size and modification time, so that a script
 * edited since (the REPL reloads them) is compiled again. Entries are
 * never changed once published, nor freed while the process runs: a
 * thread may be reading one while another replaces it, so the lock is
 * held only to find and to publish, not while Lua reads the bytes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <lauxlib.h>
#include "lua_bytecode.h"

struct chunk {
	struct chunk *next;
	char *key;
	struct bytecode_stamp stamp;
	char *code;
	size_t len;
};

struct dump_buffer {
	char *code;
	size_t len, cap;
	int failed;
};

static pthread_mutex_t chunks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *chunks;   /* newest first: a replaced chunk is shadowed */

static int same_stamp(const struct bytecode_stamp *a, const struct bytecode_stamp *b)
{
	return a->device == b->device && a->inode == b->inode && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns;
}

int bytecode_stamp_file(int fd, struct bytecode_stamp *stamp)
{
	struct stat st;

	memset(stamp, 0, sizeof(*stamp));
	if (fstat(fd, &st) != 0)
		return -1;
	stamp->device = (uint64_t)st.st_dev;
	stamp->inode = (uint64_t)st.st_ino;
	stamp->size = (uint64_t)st.st_size;
	stamp->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return 0;
}

int bytecode_load_kept(lua_State *L, const char *key, const struct bytecode_stamp *stamp,
		       const char *chunkname)
{
	const struct chunk *found = NULL;

	pthread_mutex_lock(&chunks_lock);
	for (const struct chunk *c = chunks; c && !found; c = c->next)
		if (strcmp(c->key, key) == 0)
			found = c;
	pthread_mutex_unlock(&chunks_lock);
	if (!found || !same_stamp(&found->stamp, stamp))
		return -1;
	return luaL_loadbufferx(L, found->code, found->len, chunkname, "b") == LUA_OK ? 0 : -1;
}

static int collect(lua_State *L, const void *p, size_t n, void *ud)
{
	struct dump_buffer *d = ud;

	(void)L;
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4096;
		char *grown;

		while (cap < d->len + n)
			cap *= 2;
		if (!(grown = realloc(d->code, cap))) {
			d->failed = 1;
			return 1;
		}
		d->code = grown;
		d->cap = cap;
	}
	memcpy(d->code + d->len, p, n);
	d->len += n;
	return 0;
}

void bytecode_keep(lua_State *L, const char *key, const struct bytecode_stamp *stamp)
{
	struct dump_buffer d = { 0 };
	struct chunk *c;

	/* out of memory: nothing is kept, the next state compiles again */
	if (lua_dump(L, collect, &d, 0) != 0 || d.failed) {
		free(d.code);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->key = strdup(key))) {
		free(c);
		free(d.code);
		return;
	}
	c->stamp = *stamp;
	c->code = d.code;
	c->len = d.len;
	pthread_mutex_lock(&chunks_lock);
	c->next = chunks;
	chunks = c;
	pthread_mutex_unlock(&chunks_lock);
}
