/*
 * The allocator of our lua_States. Lua tells the allocator the size of
 * every block it frees, so small blocks need no header: a free list per
 * 16-byte size class, carved out of 64 KiB slabs that belong to the state
 * and go with it at lua_alloc_close. A state is used by one thread at a
 * time, so there is no lock. A batch worker makes and drops the same
 * strings, tables and closures for every mailbox; glibc's malloc spent
 * more on them than the interpreter did running the code.
 *
 * Under AddressSanitizer every block comes from malloc, so that it sees
 * each one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "lua_alloc.h"

#define STEP 16
#define SMALL_MAX 256                 /* larger blocks go to malloc */
#define N_CLASSES (SMALL_MAX / STEP)
#define SLAB_SIZE ((size_t)64 << 10)

struct free_block {
	struct free_block *next;
};

struct slab {
	struct slab *next;
	unsigned char *bump, *end;
};

struct lua_pool {
	struct free_block *lists[N_CLASSES];
	struct slab *slabs;               /* the newest first: it is carved */
};

#if defined(__SANITIZE_ADDRESS__)
#define USE_POOL 0
#else
#define USE_POOL 1
#endif

static int class_of(size_t size)
{
	return size && size <= SMALL_MAX ? (int)((size + STEP - 1) / STEP) - 1 : -1;
}

static void *pool_take(struct lua_pool *pool, int c)
{
	size_t size = (size_t)(c + 1) * STEP;
	struct slab *s = pool->slabs;
	void *block;

	if (pool->lists[c]) {
		block = pool->lists[c];
		pool->lists[c] = pool->lists[c]->next;
		return block;
	}
	if (!s || (size_t)(s->end - s->bump) < size) {
		if (!(s = malloc(SLAB_SIZE)))
			return NULL;
		/* blocks start 16-byte aligned after the header */
		s->bump = (unsigned char *)s + ((sizeof(*s) + STEP - 1) / STEP) * STEP;
		s->end = (unsigned char *)s + SLAB_SIZE;
		s->next = pool->slabs;
		pool->slabs = s;
	}
	block = s->bump;
	s->bump += size;
	return block;
}

static void pool_give(struct lua_pool *pool, void *block, int c)
{
	struct free_block *f = block;

	f->next = pool->lists[c];
	pool->lists[c] = f;
}

/* lua_Alloc: osize is the block's size when ptr is not NULL. */
static void *pool_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lua_pool *pool = ud;
	int from = ptr && USE_POOL ? class_of(osize) : -1;
	int to = USE_POOL ? class_of(nsize) : -1;
	void *moved;

	if (nsize == 0) {
		if (from >= 0)
			pool_give(pool, ptr, from);
		else
			free(ptr);
		return NULL;
	}
	if (ptr && from == to && from >= 0)
		return ptr;   /* the block already has room */
	if (to < 0 && (from < 0 || !ptr))
		return realloc(ptr, nsize);
	moved = to >= 0 ? pool_take(pool, to) : malloc(nsize);
	if (!moved)
		return NULL;  /* Lua keeps the old block */
	if (ptr) {
		memcpy(moved, ptr, osize < nsize ? osize : nsize);
		if (from >= 0)
			pool_give(pool, ptr, from);
		else
			free(ptr);
	}
	return moved;
}

static int panic(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);

	fprintf(stderr, "pecctl: Lua error outside any protected call: %s\n",
		msg ? msg : "(not a string)");
	return 0;  /* Lua aborts */
}

lua_State *lua_alloc_newstate(void)
{
	struct lua_pool *pool = calloc(1, sizeof(*pool));
	lua_State *L;

	if (!pool)
		return NULL;
	L = lua_newstate(pool_alloc, pool);
	if (!L) {
		free(pool);
		return NULL;
	}
	lua_atpanic(L, panic);
	return L;
}

void lua_alloc_close(lua_State *L)
{
	struct lua_pool *pool;
	struct slab *s, *next;

	if (!L)
		return;
	lua_getallocf(L, (void **)&pool);
	lua_close(L);
	for (s = pool->slabs; s; s = next) {
		next = s->next;
		free(s);
	}
	free(pool);
}
