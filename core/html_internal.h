#ifndef PECCTL_HTML_INTERNAL_H
#define PECCTL_HTML_INTERNAL_H
/* Shared between html.c, html_form.c and css.c only. */
#include <libxml/HTMLparser.h>
#include "html.h"

#include <libxml/xpath.h>

struct html_doc {
	htmlDocPtr doc;
	char *base_url;   /* the page URL, after any <base href>; NULL when unknown */
};

/* The thread's XPath context, pointed at the document's root: valid until
 * the next call on this thread. NULL on out-of-memory. */
xmlXPathContextPtr html_doc_xpath(struct html_doc *d);
/* An absolute URL for ref against base (fragment dropped); caller frees.
 * With no usable base, a copy of ref. NULL on out-of-memory. */
char *html_resolve(const char *base, const char *ref);
/* The node after node in document order (depth first), within its
 * document; NULL after the last. */
xmlNodePtr html_next_node(xmlNodePtr node);
/* Start and length of the path part of url (no query, no fragment). */
void html_url_path(const char *url, const char **path, size_t *len);
/* libxml2 strings are UTF-8 bytes. */
#define HTML_STR(x) ((const char *)(x))

#endif
