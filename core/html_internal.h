#ifndef PECCTL_HTML_INTERNAL_H
#define PECCTL_HTML_INTERNAL_H
/* Shared between html.c, html_form.c and css.c only. */
#include <libxml/HTMLparser.h>
#include "html.h"

#include <libxml/xpath.h>

struct html_doc {
	htmlDocPtr doc;
	/* Made on the first query and kept: a new context registers every
	 * XPath function again, which cost more than most queries. */
	xmlXPathContextPtr xpath;
	char *base_url;   /* the page URL, after any <base href>; NULL when unknown */
};

/* The document's XPath context, made on first use; NULL on out-of-memory. */
xmlXPathContextPtr html_doc_xpath(struct html_doc *d);
/* An absolute URL for ref against base (fragment dropped); caller frees.
 * With no usable base, a copy of ref. NULL on out-of-memory. */
char *html_resolve(const char *base, const char *ref);
/* Start and length of the path part of url (no query, no fragment). */
void html_url_path(const char *url, const char **path, size_t *len);
/* libxml2 strings are UTF-8 bytes. */
#define HTML_STR(x) ((const char *)(x))

#endif
