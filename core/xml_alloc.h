#ifndef PECCTL_XML_ALLOC_H
#define PECCTL_XML_ALLOC_H

/* Gives libxml2 the per-thread pool allocator of xml_alloc.c. Once, before
 * libxml2 allocates anything (html.c does it before xmlInitParser). */
void xml_alloc_setup(void);

#endif
