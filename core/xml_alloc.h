#ifndef PECCTL_XML_ALLOC_H
#define PECCTL_XML_ALLOC_H

/* Gives libxml2 the per-thread pool allocator of xml_alloc.c. Once, before
 * libxml2 allocates anything (html.c does it before xmlInitParser). */
void xml_alloc_setup(void);

/* The calling thread's libxml2 allocations go to a new arena until
 * xml_arena_end; its blocks are freed all at once by xml_arena_release,
 * after the document made of them (xmlFree of one does nothing). NULL
 * when there is no arena to be had (out of memory, or under
 * AddressSanitizer): allocations then go where they always go. */
struct xml_arena;
struct xml_arena *xml_arena_begin(void);
void xml_arena_end(void);
void xml_arena_release(struct xml_arena *arena);

#endif
