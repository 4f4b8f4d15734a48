#ifndef PECCTL_HTML_H
#define PECCTL_HTML_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "pecctl/plugin.h"

/* HTML pages on libxml2's HTML parser: XPath, a small CSS subset, forms.
 * Plain C: no Lua here. */

struct html_doc;
struct html_form;

struct html_doc *html_parse(const char *body, size_t len, const char *base_url,
			    struct pecctl_error *err);
void html_doc_free(struct html_doc *doc);
const char *html_base_url(const struct html_doc *doc);

/* Evaluate XPath; a node-set gives each node's string value (text content,
 * or the attribute's value), a scalar gives one string. Caller frees. NULL
 * and err on a bad expression. */
cJSON *html_xpath_strings(struct html_doc *doc, const char *expr, struct pecctl_error *err);

/* Translate a CSS selector subset (tag, #id, .class, [attr], [attr=v],
 * descendant and child combinators, comma lists) to XPath. 0, or -1 and
 * err for what it does not understand. */
int html_css_to_xpath(const char *css, char *out, size_t cap, struct pecctl_error *err);

/* A form found by its action (path, matched after resolving against the
 * page URL, query ignored) or its id; either may be NULL. NULL when absent. */
struct html_form *html_form_find(struct html_doc *doc, const char *action, const char *id);
void html_form_free(struct html_form *f);
const char *html_form_action(const struct html_form *f);  /* absolute URL */
const char *html_form_method(const struct html_form *f);  /* "GET" or "POST" */
size_t html_form_field_count(const struct html_form *f);
const char *html_form_field_name(const struct html_form *f, size_t i);
const char *html_form_field_type(const struct html_form *f, size_t i);  /* "hidden", "text", ... */
const char *html_form_get(const struct html_form *f, const char *name);
/* Set a declared field; -1 and err (portal_changed) when there is none. */
int html_form_set(struct html_form *f, const char *name, const char *value, struct pecctl_error *err);
/* The urlencoded body of all fields with a value; caller frees (the body
 * can hold secrets: callers zero it before freeing). */
char *html_form_encode(const struct html_form *f, size_t *len);

#endif
