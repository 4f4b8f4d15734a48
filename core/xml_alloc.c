/*
 * The allocator libxml2 uses (xmlMemSetup): per-thread free lists of
 * small blocks, carved out of 64 KiB slabs that are never given back.
 *
 * A parsed page is a few hundred nodes, attributes and strings, made and
 * freed together; through glibc's malloc their allocation and release cost
 * more than a third of the parse, most of it in merging and splitting free
 * chunks. Here a block of a size class is popped from, and pushed back on,
 * a list that belongs to the calling thread: no lock, no merging. A block
 * freed by another thread than the one that made it simply joins that
 * thread's list. Blocks above the largest class go to malloc.
 *
 * Each block starts with a 16-byte header holding its class, so that
 * xmlFree, which is given no size, knows where the block goes. Under
 * AddressSanitizer libxml2 keeps the system allocator, so that every node
 * stays visible to it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlmemory.h>
#include "xml_alloc.h"

#if defined(__SANITIZE_ADDRESS__)

void xml_alloc_setup(void)
{
}

#else

#define HEADER 16
#define SLAB_SIZE ((size_t)64 << 10)
#define SMALL_STEP 16
#define SMALL_MAX 512                       /* classes every 16 bytes up to here */
#define N_SMALL (SMALL_MAX / SMALL_STEP)    /* 32 */
#define N_CLASSES (N_SMALL + 4)             /* then 1, 2, 4 and 8 KiB */
#define FROM_MALLOC 0xff

struct free_block {
	struct free_block *next;
};

struct slab {
	struct slab *next;
};

/* The free blocks of a class are kept as pointers in an array that grows
 * as needed, and only when it cannot grow in a list threaded through the
 * blocks. Popping from such a list reads the block's link, and a worker's
 * blocks have left the cache by the time it runs again (sixteen workers
 * take turns on a few cores): a cache miss per node. The array holds
 * eight pointers to a cache line and leaves a block untouched until
 * libxml2 writes it. */
struct class_stack {
	void **blocks;
	size_t count, cap;
};

struct thread_pool {
	struct class_stack stacks[N_CLASSES];
	struct free_block *lists[N_CLASSES];
	unsigned char *bump, *bump_end;
};

static __thread struct thread_pool pool;

/* Every slab, so that they stay reachable (they are never freed: a block
 * may outlive the thread that carved it). */
static pthread_mutex_t slabs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slab *slabs;

/* The class for a block of total bytes (header included), or -1. */
static int class_of(size_t total)
{
	size_t size = (size_t)SMALL_MAX * 2;

	if (total <= SMALL_MAX)
		return (int)((total + SMALL_STEP - 1) / SMALL_STEP) - 1;
	for (int c = N_SMALL; c < N_CLASSES; c++, size *= 2)
		if (total <= size)
			return c;
	return -1;
}

static size_t class_size(int c)
{
	if (c < N_SMALL)
		return (size_t)(c + 1) * SMALL_STEP;
	return (size_t)SMALL_MAX * 2 << (c - N_SMALL);
}

static unsigned char *carve(size_t size)
{
	unsigned char *block;

	if ((size_t)(pool.bump_end - pool.bump) < size) {
		struct slab *s = malloc(SLAB_SIZE);

		if (!s)
			return NULL;
		pthread_mutex_lock(&slabs_lock);
		s->next = slabs;
		slabs = s;
		pthread_mutex_unlock(&slabs_lock);
		/* the rest of the old slab is dropped: less than a block */
		pool.bump = (unsigned char *)s + HEADER;
		pool.bump_end = (unsigned char *)s + SLAB_SIZE;
	}
	block = pool.bump;
	pool.bump += size;
	return block;
}

/* 1 when block went on the stack; 0 when the stack could not grow. */
static int stack_push(struct class_stack *st, void *block)
{
	if (st->count == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		void **grown = realloc(st->blocks, cap * sizeof(*grown));

		/* the array is the thread's and lives as long as its slabs */
		if (!grown)
			return 0;
		st->blocks = grown;
		st->cap = cap;
	}
	st->blocks[st->count++] = block;
	return 1;
}

static void *pool_malloc(size_t size)
{
	int c = size <= SIZE_MAX - HEADER ? class_of(size + HEADER) : -1;
	unsigned char *block;

	if (c < 0) {
		if (size > SIZE_MAX - HEADER || !(block = malloc(size + HEADER)))
			return NULL;
		block[0] = FROM_MALLOC;
		return block + HEADER;
	}
	if (pool.stacks[c].count) {
		block = pool.stacks[c].blocks[--pool.stacks[c].count];
	} else if (pool.lists[c]) {
		block = (unsigned char *)pool.lists[c];
		pool.lists[c] = pool.lists[c]->next;
	} else if (!(block = carve(class_size(c)))) {
		return NULL;
	}
	block[0] = (unsigned char)c;
	return block + HEADER;
}

static void pool_free(void *p)
{
	unsigned char *block;
	int c;

	if (!p)
		return;
	block = (unsigned char *)p - HEADER;
	c = block[0];  /* before the list link overwrites it */
	if (c == FROM_MALLOC) {
		free(block);
		return;
	}
	if (stack_push(&pool.stacks[c], block))
		return;
	((struct free_block *)block)->next = pool.lists[c];
	pool.lists[c] = (struct free_block *)block;
}

static void *pool_realloc(void *p, size_t size)
{
	unsigned char *block;
	size_t room;
	void *moved;

	if (!p)
		return pool_malloc(size);
	block = (unsigned char *)p - HEADER;
	if (block[0] == FROM_MALLOC && class_of(size + HEADER) < 0) {
		block = size <= SIZE_MAX - HEADER ? realloc(block, size + HEADER) : NULL;
		return block ? block + HEADER : NULL;
	}
	room = block[0] == FROM_MALLOC ? size : class_size(block[0]) - HEADER;
	if (block[0] != FROM_MALLOC && size <= room)
		return p;
	if (!(moved = pool_malloc(size)))
		return NULL;
	/* a block from malloc is only moved here when it shrinks into a class */
	memcpy(moved, p, room < size ? room : size);
	pool_free(p);
	return moved;
}

static char *pool_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = pool_malloc(n);

	if (copy)
		memcpy(copy, s, n);
	return copy;
}

void xml_alloc_setup(void)
{
	xmlMemSetup(pool_free, pool_malloc, pool_realloc, pool_strdup);
}

#endif
