/*
 * Unit test of core/secure_heap.c, TAP on stdout. Built by
 * tests/t/04-secure-heap.t:
 *   cc -Icore core/secure_heap.c tests/unit/secure_heap_test.c -lsodium -lpthread
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "tap.h"
#include "secure_heap.h"

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

#define THREADS 8
#define ROUNDS 2000

/* Each thread fills its blocks with its own byte and checks that no other
 * thread wrote into them before it frees them. */
static void *churn(void *arg)
{
	unsigned char mark = (unsigned char)(uintptr_t)arg;
	long bad = 0;

	for (int r = 0; r < ROUNDS; r++) {
		size_t size = 16 + (size_t)(r % 7) * 150;
		unsigned char *a = secure_alloc(size), *b = secure_alloc(size / 2 + 1);

		memset(a, mark, size);
		memset(b, mark, size / 2 + 1);
		for (size_t i = 0; i < size; i++)
			bad += a[i] != mark;
		for (size_t i = 0; i < size / 2 + 1; i++)
			bad += b[i] != mark;
		secure_free(b);
		secure_free(a);
	}
	return (void *)(intptr_t)bad;
}

int main(void)
{
	unsigned char *a, *b, *c, *big;
	pthread_t threads[THREADS];
	long bad = 0;

	if (sodium_init() < 0)
		return 1;

	a = secure_alloc(40);
	b = secure_alloc(40);
	ok(a && b && a != b, "two blocks are distinct");
	ok(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0, "blocks are 16-byte aligned");
	ok((size_t)(a > b ? a - b : b - a) >= 40, "blocks do not overlap");
	memset(a, 'S', 40);
	secure_free(a);
	ok(all_zero(a, 40), "a freed block is zeroed");
	c = secure_alloc(30);
	ok(c == a, "a freed block of the same class is reused");
	ok(all_zero(c, 30), "and handed out zeroed");
	secure_free(c);
	secure_free(b);
	secure_free(NULL);
	c = secure_alloc(40);
	ok(c == b, "freeing NULL leaves the free lists as they were (the last block freed comes back)");
	secure_free(c);

	big = secure_alloc(100000);
	memset(big, 'B', 100000);
	ok(big[99999] == 'B', "a block larger than any class is writable to its end");
	secure_free(big);

	/* more than the region holds: the rest comes from sodium_malloc */
	{
		enum { N = 80 };
		unsigned char *blocks[N];
		int intact = 1;

		for (int i = 0; i < N; i++) {
			blocks[i] = secure_alloc(8000);
			memset(blocks[i], i, 8000);
		}
		for (int i = 0; i < N; i++)
			intact &= blocks[i][0] == i && blocks[i][7999] == i;
		for (int i = 0; i < N; i++)
			secure_free(blocks[i]);
		ok(intact, "blocks past the region's end are served and kept apart");
	}

	for (int i = 0; i < THREADS; i++)
		pthread_create(&threads[i], NULL, churn, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < THREADS; i++) {
		void *r;

		pthread_join(threads[i], &r);
		bad += (long)(intptr_t)r;
	}
	ok(bad == 0, "threads allocating and freeing at once never share a block");

	return tap_done();
}
