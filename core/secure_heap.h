#ifndef PECCTL_SECURE_HEAP_H
#define PECCTL_SECURE_HEAP_H
#include <stddef.h>

/* Memory for secrets: inside one sodium_malloc'd region (guard pages around
 * it, mlock'd, left out of core dumps), handed out in size classes and
 * zeroed when freed. Larger blocks, or all blocks once the region is full,
 * get a sodium_malloc of their own. Thread-safe. Never returns NULL: out of
 * memory aborts, as for any secret. */
void *secure_alloc(size_t size);
/* Zeroes the whole block, then releases it. NULL is ignored. */
void secure_free(void *p);

#endif
