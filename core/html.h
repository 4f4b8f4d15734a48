#ifndef PECCTL_HTML_H
#define PECCTL_HTML_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "pecctl/plugin.h"

/* HTML pages on libxml2's HTML parser: XPath, a small CSS subset, forms.
 * Plain C: no Lua here. */

struct html_doc;
struct html_form;

/* Parse a page as UTF-8 in recovery mode (tag soup is fine, nothing is
 * fetched). base_url is the page's URL, may be NULL; a <base href> in the
 * page overrides it. Safe to call from several threads at once, one doc
 * per thread. */
struct html_doc *html_parse(const char *body, size_t len, const char *base_url,
			    struct pecctl_error *err);
void html_doc_free(struct html_doc *doc);
/* The URL relative links resolve against; NULL when unknown. */
const char *html_base_url(const struct html_doc *doc);

/* Evaluate XPath; a node-set gives each node's string value (text content,
 * or the attribute's value), a scalar gives one string. Caller frees. NULL
 * and err on a bad expression. */
cJSON *html_xpath_strings(struct html_doc *doc, const char *expr, struct pecctl_error *err);

/* Evaluate XPath that selects nodes; each element becomes
 * {"tag":, "text": (white space collapsed), "attrs": {name: value}}, an
 * attribute or text node {"text":}. limit 0 = all. Caller frees. */
cJSON *html_xpath_elements(struct html_doc *doc, const char *expr, size_t limit,
			   struct pecctl_error *err);
/* The same for a CSS selector (see html_css_to_xpath). */
cJSON *html_select(struct html_doc *doc, const char *css, size_t limit, struct pecctl_error *err);

/* Translate a CSS selector subset (tag, #id, .class, [attr], [attr=v],
 * descendant and child combinators, comma lists) to XPath. 0, or -1 and
 * err for what it does not understand. */
int html_css_to_xpath(const char *css, char *out, size_t cap, struct pecctl_error *err);

/* Every form on the page, for people looking around (the REPL's forms()):
 * [{"id":, "action": absolute URL, "method":, "fields": [names]}]. Caller frees. */
cJSON *html_forms_summary(struct html_doc *doc);

/* A form found by its action (path, matched after resolving against the
 * page URL, query ignored; scheme and host too when action is absolute)
 * or its id; either may be NULL, both must match when both are given.
 * NULL when absent. The form copies what it needs: it may outlive doc. */
struct html_form *html_form_find(struct html_doc *doc, const char *action, const char *id);
void html_form_free(struct html_form *f);
const char *html_form_action(const struct html_form *f);  /* absolute URL */
const char *html_form_method(const struct html_form *f);  /* "GET" or "POST" */
const char *html_form_id(const struct html_form *f);      /* NULL when it has none */
/* Fields in page order (submit buttons are not fields: see html_form_set). */
size_t html_form_field_count(const struct html_form *f);
const char *html_form_field_name(const struct html_form *f, size_t i);
const char *html_form_field_type(const struct html_form *f, size_t i);  /* "hidden", "text", ... */
const char *html_form_field_value(const struct html_form *f, size_t i);  /* NULL: not sent */
/* The value that will be sent; NULL when the field sends nothing (an
 * unchecked box) or the form has no such field. */
const char *html_form_get(const struct html_form *f, const char *name);
/* 0 when the form declares name (a field or a named submit button), else
 * -1 and err: portal_changed, `form "/login" has no field "pasword"`. */
int html_form_require(const struct html_form *f, const char *name, struct pecctl_error *err);
/* Set a declared field; -1 and err (portal_changed) when there is none.
 * value NULL sends nothing for it. Setting a named submit button sends it,
 * as clicking it would. Old values are zeroed. */
int html_form_set(struct html_form *f, const char *name, const char *value, struct pecctl_error *err);
/* Tick (on) or clear a checkbox or radio: on sends its own value ("on"
 * when the page gives none). */
int html_form_check(struct html_form *f, const char *name, int on, struct pecctl_error *err);
/* The urlencoded body of all fields with a value; caller frees (the body
 * can hold secrets: callers zero it before freeing). NULL on out-of-memory. */
char *html_form_encode(const struct html_form *f, size_t *len);
/* application/x-www-form-urlencoded spelling of len bytes: unreserved
 * characters kept, space as '+', the rest %XX. Caller frees. */
char *html_urlencode(const char *s, size_t len);

#endif
