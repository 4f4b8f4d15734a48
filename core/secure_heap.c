/*
 * The secure heap: small secrets carved out of one sodium_malloc'd region.
 *
 * A sodium_malloc of its own for every secret costs an mmap, three
 * mprotects, an mlock and a madvise, and as many calls again to free it;
 * in a threaded batch each of them also takes the process's memory-map
 * lock and makes every other core flush its TLB. One region, guarded,
 * locked and kept out of core dumps once, keeps those properties for all
 * the secrets inside it; what is given up is a guard page between two
 * secrets, which only catches overruns in our own code.
 *
 * Blocks come in power-of-two classes with free lists, so a batch that
 * resolves and drops the same few secrets per mailbox reuses the same
 * blocks. The region never shrinks; a request it cannot serve falls back
 * to sodium_malloc.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sodium.h>
#include "secure_heap.h"

#define REGION_SIZE ((size_t)256 << 10)
#define MIN_SHIFT 6   /* 64-byte blocks */
#define N_CLASSES 10  /* up to 32 KiB */
/* Each block starts with its class, padded so the bytes handed out stay
 * 16-byte aligned like malloc's. */
#define HEADER 16

struct free_block {
	struct free_block *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *region;
static size_t region_used;
static struct free_block *free_lists[N_CLASSES];

static int class_of(size_t total)
{
	for (int c = 0; c < N_CLASSES; c++)
		if (total <= (size_t)1 << (MIN_SHIFT + c))
			return c;
	return -1;
}

/* With the lock held (the region appears on first use). */
static int in_region(const void *p)
{
	uintptr_t a = (uintptr_t)p, start = (uintptr_t)region;

	return region && a >= start && a < start + REGION_SIZE;
}

/* With the lock held: a block of class c, or NULL when the region is full. */
static unsigned char *take_block(int c)
{
	size_t size = (size_t)1 << (MIN_SHIFT + c);
	unsigned char *block;

	if (free_lists[c]) {
		block = (unsigned char *)free_lists[c];
		free_lists[c] = free_lists[c]->next;
		return block;
	}
	if (!region && !(region = sodium_malloc(REGION_SIZE)))
		return NULL;
	if (REGION_SIZE - region_used < size)
		return NULL;
	block = region + region_used;
	region_used += size;
	return block;
}

void *secure_alloc(size_t size)
{
	int c = size <= SIZE_MAX - HEADER ? class_of(size + HEADER) : -1;
	unsigned char *block = NULL;
	void *own;

	if (c >= 0) {
		pthread_mutex_lock(&lock);
		block = take_block(c);
		pthread_mutex_unlock(&lock);
	}
	if (block) {
		block[0] = (unsigned char)c;
		return block + HEADER;
	}
	/* sodium_malloc puts the block against its guard page: rounding the
	 * size up to 16 keeps the start aligned */
	if (size > SIZE_MAX - 15 || !(own = sodium_malloc((size + 15) & ~(size_t)15)))
		abort();
	return own;
}

void secure_free(void *p)
{
	unsigned char *block;
	int c;

	if (!p)
		return;
	pthread_mutex_lock(&lock);
	if (!in_region(p)) {
		pthread_mutex_unlock(&lock);
		sodium_free(p);  /* zeroes before releasing */
		return;
	}
	block = (unsigned char *)p - HEADER;
	c = block[0];
	sodium_memzero(block, (size_t)1 << (MIN_SHIFT + c));
	((struct free_block *)block)->next = free_lists[c];
	free_lists[c] = (struct free_block *)block;
	pthread_mutex_unlock(&lock);
}
