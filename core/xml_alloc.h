#ifndef PECCTL_XML_ALLOC_H
#define PECCTL_XML_ALLOC_H
#include <stddef.h>

/* Gives libxml2 the per-thread pool allocator of xml_alloc.c. Once, before
 * libxml2 allocates anything (html.c does it before xmlInitParser). */
void xml_alloc_setup(void);

/* The calling thread's libxml2 allocations go to a new arena until
 * xml_arena_end; its blocks are freed all at once by xml_arena_release,
 * after the document made of them (xmlFree of one does nothing). NULL
 * when there is no arena to be had (out of memory, or under
 * AddressSanitizer): allocations then go where they always go. */
struct xml_arena {
	struct xml_arena_chunk *chunks;  /* the newest first */
	unsigned char *bump, *end;       /* free room in the newest */
};
struct xml_arena *xml_arena_begin(void);
void xml_arena_end(void);
void xml_arena_release(struct xml_arena *arena);

/* A block of the arena, as xmlMalloc gives one while the arena is being
 * built (freed with it; xmlFree and xmlRealloc know it), for a caller
 * holding the arena: html_tree.c takes a page's few hundred blocks here,
 * without xmlMalloc's indirect call and thread-local lookup each. NULL out
 * of memory. */
#define XML_ARENA_HEADER 16      /* the block's kind at +0, its size at +8 */
#define XML_FROM_ARENA 0xfe
void *xml_arena_alloc_new_chunk(struct xml_arena *arena, size_t size);

/* The header and room of a block of size bytes. */
static inline size_t xml_arena_block_bytes(size_t size)
{
	return (size + 2 * XML_ARENA_HEADER - 1) / XML_ARENA_HEADER * XML_ARENA_HEADER;
}

/* Cuts the block off the newest chunk, which has room for it. */
static inline void *xml_arena_cut(struct xml_arena *arena, size_t size)
{
	unsigned char *block = arena->bump;

	arena->bump = block + xml_arena_block_bytes(size);
	block[0] = XML_FROM_ARENA;
	__builtin_memcpy(block + 8, &size, sizeof(size));
	return block + XML_ARENA_HEADER;
}

static inline void *xml_arena_alloc(struct xml_arena *arena, size_t size)
{
	/* beyond a megabyte, the slow way, which also refuses sizes whose
	 * rounding would overflow */
	if (size > ((size_t)1 << 20) ||
	    (size_t)(arena->end - arena->bump) < xml_arena_block_bytes(size))
		return xml_arena_alloc_new_chunk(arena, size);
	return xml_arena_cut(arena, size);
}

#endif
