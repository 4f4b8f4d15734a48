/*
 * The allocator libxml2 uses (xmlMemSetup): per-thread free blocks in
 * size classes, carved out of 64 KiB slabs that are never given back.
 *
 * A parsed page is a few hundred nodes, attributes and strings, made and
 * freed together; through glibc's malloc their allocation and release cost
 * more than a third of the parse, most of it in merging and splitting free
 * chunks. Here a block of a size class is taken from, and given back to,
 * the free blocks of the calling thread: no lock, no merging. A block
 * freed by another thread than the one that made it simply joins that
 * thread's. Blocks above the largest class go to malloc.
 *
 * Each block starts with a 16-byte header holding its class, so that
 * xmlFree, which is given no size, knows where the block goes. Under
 * AddressSanitizer libxml2 keeps the system allocator, so that every node
 * stays visible to it.
 *
 * While a thread builds a page's tree (html_tree.c), its allocations come
 * from an arena instead: consecutive memory that goes in one piece with
 * the document. Freeing a block of it is nothing; the tree sits in a few
 * cache lines' reach rather than wherever the free blocks were.
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

struct xml_arena *xml_arena_begin(void)
{
	return NULL;
}

void xml_arena_end(void)
{
}

void xml_arena_release(struct xml_arena *a)
{
	(void)a;
}

void *xml_arena_alloc_new_chunk(struct xml_arena *a, size_t size)
{
	(void)a;
	(void)size;
	return NULL;  /* there is no arena to ask: xml_arena_begin gave none */
}

#else

#define HEADER XML_ARENA_HEADER
#define SLAB_SIZE ((size_t)64 << 10)
#define SMALL_STEP 16
#define SMALL_MAX 512                       /* classes every 16 bytes up to here */
#define N_SMALL (SMALL_MAX / SMALL_STEP)    /* 32 */
#define N_CLASSES (N_SMALL + 4)             /* then 1, 2, 4 and 8 KiB */
#define FROM_MALLOC 0xff
#define FROM_ARENA XML_FROM_ARENA            /* the block's size follows at +8 */
#define ARENA_CHUNK ((size_t)32 << 10)

struct slab {
	struct slab *next;
};

/* The free blocks of a class, as pointers in an array that grows as
 * needed: a list threaded through the blocks would read each block's link
 * to pop it, and a worker's blocks have left the cache by the time it runs
 * again (sixteen workers take turns on a few cores): a cache miss per
 * node. The array holds eight pointers to a cache line and leaves a block
 * untouched until libxml2 writes it. */
struct class_stack {
	void **blocks;
	size_t count, cap;
};

struct thread_pool {
	struct class_stack stacks[N_CLASSES];
	unsigned char *bump, *bump_end;
	int has_key;               /* thread_key is set: forget_thread runs at its exit */
};

static __thread struct thread_pool pool;
static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

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

static struct xml_arena_chunk *take_spare_chunk(void);

/* At a thread's exit: its arrays and spare arena chunk go (the blocks on
 * them stay in their slabs, which other threads' blocks share). */
static void forget_thread(void *unused)
{
	(void)unused;
	/* a later destructor freeing libxml2 memory registers again, and
	 * pthreads then calls this once more */
	pool.has_key = 0;
	for (int c = 0; c < N_CLASSES; c++) {
		free(pool.stacks[c].blocks);
		memset(&pool.stacks[c], 0, sizeof(pool.stacks[c]));
	}
	free(take_spare_chunk());
}

static void make_thread_key(void)
{
	pthread_key_create(&thread_key, forget_thread);
}

/* Once a thread holds memory of its own beyond the slabs. */
static void remember_thread(void)
{
	if (pool.has_key)
		return;
	pthread_once(&thread_key_once, make_thread_key);
	pool.has_key = pthread_setspecific(thread_key, &pool) == 0;
}

/* Out of memory for a longer array, the block is not reused: it stays in
 * its slab, unused. */
static void stack_push(struct class_stack *st, void *block)
{
	if (st->count == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		void **grown = realloc(st->blocks, cap * sizeof(*grown));

		if (!grown)
			return;
		remember_thread();
		st->blocks = grown;
		st->cap = cap;
	}
	st->blocks[st->count++] = block;
}

/* --- document arenas --- */

struct xml_arena_chunk {
	struct xml_arena_chunk *next;
	size_t size;                 /* bytes after this header */
	unsigned char pad[HEADER - sizeof(size_t)];
};

static __thread struct xml_arena *building;       /* where this thread's blocks go, or NULL */
static __thread struct xml_arena_chunk *spare_chunk;  /* the last arena's first chunk, kept warm */

static struct xml_arena_chunk *take_spare_chunk(void)
{
	struct xml_arena_chunk *c = spare_chunk;

	spare_chunk = NULL;
	return c;
}

static struct xml_arena_chunk *new_chunk(size_t need)
{
	struct xml_arena_chunk *c;
	size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;

	if (size == ARENA_CHUNK && spare_chunk)
		return take_spare_chunk();
	if (size > SIZE_MAX - sizeof(*c) || !(c = malloc(sizeof(*c) + size)))
		return NULL;
	c->size = size;
	return c;
}

/* xml_arena_alloc's slow way: a new chunk first (a block larger than a
 * chunk gets one of its own). */
void *xml_arena_alloc_new_chunk(struct xml_arena *a, size_t size)
{
	size_t total;

	if (size > SIZE_MAX - 2 * HEADER)
		return NULL;
	total = xml_arena_block_bytes(size);
	if ((size_t)(a->end - a->bump) < total) {
		struct xml_arena_chunk *c = new_chunk(total);

		if (!c)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
		a->bump = (unsigned char *)(c + 1);
		a->end = a->bump + c->size;
	}
	return xml_arena_cut(a, size);
}

struct xml_arena *xml_arena_begin(void)
{
	struct xml_arena *a = calloc(1, sizeof(*a));

	building = a;
	return a;
}

void xml_arena_end(void)
{
	building = NULL;
}

void xml_arena_release(struct xml_arena *a)
{
	struct xml_arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->chunks; c; c = next) {
		next = c->next;
		if (!spare_chunk && c->size == ARENA_CHUNK) {
			spare_chunk = c;
			remember_thread();
		} else
			free(c);
	}
	free(a);
}

/* --- the allocator --- */

static void *pool_malloc(size_t size)
{
	int c;
	unsigned char *block;

	if (building)
		return xml_arena_alloc(building, size);
	c = size <= SIZE_MAX - HEADER ? class_of(size + HEADER) : -1;

	if (c < 0) {
		if (size > SIZE_MAX - HEADER || !(block = malloc(size + HEADER)))
			return NULL;
		block[0] = FROM_MALLOC;
		return block + HEADER;
	}
	if (pool.stacks[c].count) {
		block = pool.stacks[c].blocks[--pool.stacks[c].count];
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
	c = block[0];
	if (c == FROM_ARENA)
		return;  /* it goes with its arena */
	if (c == FROM_MALLOC) {
		free(block);
		return;
	}
	stack_push(&pool.stacks[c], block);
}

static void *pool_realloc(void *p, size_t size)
{
	unsigned char *block;
	size_t room;
	void *moved;

	if (!p)
		return pool_malloc(size);
	block = (unsigned char *)p - HEADER;
	if (block[0] == FROM_ARENA) {
		memcpy(&room, block + 8, sizeof(room));
		if (size <= room)
			return p;
		if ((moved = pool_malloc(size)))
			memcpy(moved, p, room);
		return moved;
	}
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
