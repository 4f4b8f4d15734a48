#ifndef PECCTL_HTML_TREE_H
#define PECCTL_HTML_TREE_H
#include <stddef.h>
#include <libxml/HTMLparser.h>

/* A libxml2 HTML tree for a UTF-8 page, built in one pass (html_tree.c);
 * url becomes the document's URL. NULL when the page is one to leave to
 * libxml2's parser (not UTF-8, NUL bytes, very deep) or out of memory. */
htmlDocPtr html_tree_build(const char *body, size_t len, const char *url);
/* Frees a document from html_tree_build or from libxml2's parser (its
 * arena too, when it has one). */
void html_tree_free(htmlDocPtr doc);

#endif
