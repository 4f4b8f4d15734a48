/*
 * HTML pages on libxml2's HTML parser: parse in recovery mode (portals
 * serve tag soup), evaluate XPath, and turn the CSS subset of css.c into
 * XPath. Forms live in html_form.c.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <libxml/valid.h>
#include <libxml/xpathInternals.h>
#include "html_internal.h"
#include "html_tree.h"
#include "log.h"
#include "xml_alloc.h"

#define HTML_PARSE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | \
			    HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_COMPACT)
#define HTML_XPATH_MAX 4096

static pthread_once_t html_once = PTHREAD_ONCE_INIT;

static void html_silent(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* One parser context and one XPath context per thread, reused for every
 * page: a new parser context makes a new string dictionary and a new XPath
 * context registers every XPath function in a new hash table, and libxml2
 * seeds each dictionary and hash table under one global lock that batch
 * workers would otherwise queue for on every page. */
/* XPath expressions compiled by this thread, the last few: a procedure
 * asks the same few of every page, and compiling one cost a quarter of
 * evaluating it. */
#define KEPT_EXPRESSIONS 8

struct html_thread {
	htmlParserCtxtPtr parser;
	xmlXPathContextPtr xpath;
	struct {
		char *expr;
		xmlXPathCompExprPtr comp;
	} kept[KEPT_EXPRESSIONS];
	unsigned next_kept;       /* the slot the next new expression replaces */
};

static pthread_key_t thread_key;

static void thread_free(void *p)
{
	struct html_thread *t = p;

	if (!t)
		return;
	if (t->parser)
		htmlFreeParserCtxt(t->parser);
	for (size_t i = 0; i < KEPT_EXPRESSIONS; i++) {
		free(t->kept[i].expr);
		xmlXPathFreeCompExpr(t->kept[i].comp);
	}
	xmlXPathFreeContext(t->xpath);
	free(t);
}

static void thread_free_main(void)
{
	thread_free(pthread_getspecific(thread_key));
	pthread_setspecific(thread_key, NULL);
}

static void html_init_once(void)
{
	xml_alloc_setup();
	xmlInitParser();
	pthread_key_create(&thread_key, thread_free);
	/* thread-specific data of the main thread is not destroyed at exit */
	atexit(thread_free_main);
}

/* This thread's contexts; NULL out of memory. */
static struct html_thread *this_thread(void)
{
	struct html_thread *t = pthread_getspecific(thread_key);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (t && pthread_setspecific(thread_key, t) != 0) {
		free(t);
		t = NULL;
	}
	return t;
}

static htmlParserCtxtPtr thread_parser(void)
{
	struct html_thread *t = this_thread();

	if (t && !t->parser)
		t->parser = htmlNewParserCtxt();
	return t ? t->parser : NULL;
}

/* PECCTL_HTML_PARSER=libxml2 parses every page with libxml2's own parser
 * instead of html_tree.c: for telling the two apart when a page looks
 * wrong. */
static int libxml2_only;

static void read_parser_choice(void)
{
	const char *choice = getenv("PECCTL_HTML_PARSER");

	libxml2_only = choice && strcmp(choice, "libxml2") == 0;
	if (libxml2_only)
		log_printf(PECCTL_LOG_DEBUG, "html",
			   "PECCTL_HTML_PARSER=libxml2: pages are read by libxml2's HTML parser");
	else if (choice && *choice)
		log_printf(PECCTL_LOG_WARN, "html",
			   "PECCTL_HTML_PARSER=%s is not 'libxml2', the one other reader; pages are read "
			   "by pecctl's own", choice);
}

static int use_libxml2_parser(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, read_parser_choice);
	return libxml2_only;
}

/* libxml2 keeps its generic error handler per thread; XPath evaluation
 * prints "function not found" through it, so silence it where we run. */
static void html_init(void)
{
	pthread_once(&html_once, html_init_once);
	xmlSetGenericErrorFunc(NULL, html_silent);
}

/* The common case without libcurl's URL parser, which cost more than the
 * rest of a form lookup: a path-absolute ref ("/path?query") against an
 * http(s) base whose origin libcurl would print as it is. NULL when the
 * ref or the base needs the full rules (dot segments, fragments, bytes to
 * escape, ports, user info, upper case). */
static char *resolve_path_absolute(const char *base, const char *ref)
{
	size_t origin;
	const char *p;
	char *out;

	if (ref[0] != '/' || ref[1] == '/')
		return NULL;
	if (strncmp(base, "https://", 8) == 0)
		origin = 8;
	else if (strncmp(base, "http://", 7) == 0)
		origin = 7;
	else
		return NULL;
	for (p = base + origin; *p && !strchr("/?#", *p); p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			return NULL;
	origin = (size_t)(p - base);
	for (p = ref; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || c == '#' || c == '\\')
			return NULL;
		if (c == '.' && p[-1] == '/' && strchr("/.?", p[1]))  /* also the final NUL */
			return NULL;
	}
	out = malloc(origin + strlen(ref) + 1);
	if (out) {
		memcpy(out, base, origin);
		strcpy(out + origin, ref);
	}
	return out;
}

char *html_resolve(const char *base, const char *ref)
{
	CURLU *u;
	char *abs = NULL, *out;

	if (!ref)
		ref = "";
	if (!base || !*base)
		return strdup(ref);
	if ((out = resolve_path_absolute(base, ref)) != NULL)
		return out;
	u = curl_url();
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    (*ref && curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)) {
		curl_url_cleanup(u);
		return strdup(ref);
	}
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &abs, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return strdup(ref);
	}
	out = strdup(abs);
	curl_free(abs);
	curl_url_cleanup(u);
	return out;
}

void html_url_path(const char *url, const char **path, size_t *len)
{
	const char *p = strstr(url, "://");

	if (p && p < url + strcspn(url, "/?#")) {
		p += 3;
		p += strcspn(p, "/?#");
	} else {
		p = url;
	}
	*path = p;
	*len = strcspn(p, "?#");
}

xmlXPathContextPtr html_doc_xpath(struct html_doc *d)
{
	struct html_thread *t = this_thread();

	if (!t)
		return NULL;
	if (!t->xpath) {
		if (!(t->xpath = xmlXPathNewContext(d->doc)))
			return NULL;
		/* reuse the result objects of earlier queries instead of
		 * allocating each one (libxml2's default sizes) */
		xmlXPathContextSetCache(t->xpath, 1, -1, 0);
	}
	t->xpath->doc = d->doc;
	t->xpath->node = NULL;  /* every query starts from the document */
	return t->xpath;
}

/* Whether the raw page has a <base tag at all: most pages do not, and a
 * scan of the bytes costs less than an XPath walk over the tree. */
static int mentions_base_tag(const char *body, size_t len)
{
	const char *p = body, *end = body + len;

	/* letters compared with their case bit set: a page has many tags and
	 * a call per tag cost more than the scan */
	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL && end - p > 5) {
		if ((p[1] | 0x20) == 'b' && (p[2] | 0x20) == 'a' && (p[3] | 0x20) == 's' &&
		    (p[4] | 0x20) == 'e' && memchr(" \t\r\n/>", p[5], 6))
			return 1;
		p++;
	}
	return 0;
}

/* The first <base href> changes what relative links mean. */
static char *html_find_base(struct html_doc *d, const char *page_url)
{
	xmlXPathContextPtr ctx = html_doc_xpath(d);
	xmlXPathObjectPtr res = NULL;
	char *out = NULL;

	if (ctx)
		res = xmlXPathEvalExpression((const xmlChar *)"(//base[@href])[1]/@href", ctx);
	if (res && res->type == XPATH_NODESET && res->nodesetval && res->nodesetval->nodeNr > 0) {
		xmlChar *href = xmlXPathCastNodeToString(res->nodesetval->nodeTab[0]);

		if (href) {
			out = html_resolve(page_url, HTML_STR(href));
			xmlFree(href);
		}
	}
	xmlXPathFreeObject(res);
	return out;
}

struct html_doc *html_parse(const char *body, size_t len, const char *base_url,
			    struct pecctl_error *err)
{
	struct html_doc *d;
	static const char empty[] = "<html></html>";

	html_init();
	if (len > INT_MAX) {
		pecctl_error_set(err, PECCTL_E_INVALID, "html page too large to parse");
		return NULL;
	}
	/* libxml2 refuses an empty buffer; an empty page is still a page. */
	if (len == 0) {
		body = empty;
		len = sizeof(empty) - 1;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	if (!use_libxml2_parser())
		d->doc = html_tree_build(body, len, base_url);
	if (!d->doc) {
		htmlParserCtxtPtr ctxt = thread_parser();

		d->doc = ctxt ? htmlCtxtReadMemory(ctxt, body, (int)len, base_url, "UTF-8",
						   HTML_PARSE_OPTIONS)
			      : htmlReadMemory(body, (int)len, base_url, "UTF-8", HTML_PARSE_OPTIONS);
		if (d->doc)
			d->doc->_private = NULL;  /* no arena: html_tree_free reads one there */
	}
	if (!d->doc) {
		free(d);
		pecctl_error_set(err, PECCTL_E_INVALID, "html page could not be parsed");
		return NULL;
	}
	if (mentions_base_tag(body, len))
		d->base_url = html_find_base(d, base_url);
	if (!d->base_url && base_url)
		d->base_url = strdup(base_url);
	return d;
}

void html_doc_free(struct html_doc *d)
{
	if (!d)
		return;
	html_tree_free(d->doc);
	free(d->base_url);
	free(d);
}

const char *html_base_url(const struct html_doc *d)
{
	return d->base_url;
}

/* XPath errors arrive through the context's structured handler. */
struct xpath_errors {
	char message[256];
};

#if LIBXML_VERSION >= 21200
static void xpath_error(void *userdata, const xmlError *e)
#else
static void xpath_error(void *userdata, xmlErrorPtr e)
#endif
{
	struct xpath_errors *xe = userdata;
	size_t n;

	if (xe->message[0] || !e || !e->message)
		return;
	snprintf(xe->message, sizeof(xe->message), "%s", e->message);
	n = strlen(xe->message);
	while (n && (xe->message[n - 1] == '\n' || xe->message[n - 1] == ' '))
		xe->message[--n] = '\0';
	if (n)
		xe->message[0] = (char)(xe->message[0] >= 'A' && xe->message[0] <= 'Z' ?
					xe->message[0] - 'A' + 'a' : xe->message[0]);
}

static void xpath_fail(struct pecctl_error *err, const char *expr, const char *why)
{
	char msg[sizeof(err->message)];

	snprintf(msg, sizeof(msg), "bad XPath expression \"%.200s\": %s", expr,
		 why && *why ? why : "invalid expression");
	pecctl_error_set(err, PECCTL_E_INVALID, msg);
}


xmlNodePtr html_next_node(xmlNodePtr node)
{
	if (node->type == XML_ELEMENT_NODE && node->children)
		return node->children;
	while (!node->next) {
		node = node->parent;
		if (!node || node->type == XML_DOCUMENT_NODE || node->type == XML_HTML_DOCUMENT_NODE)
			return NULL;
	}
	return node->next;
}

/* XPath's id() looks ids up in the document's index, which html_tree.c
 * does not build (libxml2's parser does, at a cost to every page): made
 * here for the rare expression that calls id(). */
static void index_ids(struct html_doc *d, const char *expr)
{
	xmlNodePtr node;

	if (d->doc->ids || !strstr(expr, "id("))
		return;
	for (node = d->doc->children; node; node = html_next_node(node)) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		for (xmlAttrPtr a = node->properties; a; a = a->next)
			if (xmlStrEqual(a->name, (const xmlChar *)"id") && a->children &&
			    a->children->type == XML_TEXT_NODE && a->children->content)
				xmlAddID(NULL, d->doc, a->children->content, a);
	}
}

/* expr compiled, from this thread's kept ones or now (and kept); NULL
 * when it does not compile (the context's error handler has the reason).
 * *owned is set when the caller must free it (it could not be kept). */
static xmlXPathCompExprPtr compiled(xmlXPathContextPtr ctx, const char *expr, int *owned)
{
	struct html_thread *t = this_thread();
	xmlXPathCompExprPtr comp;
	char *copy;
	unsigned slot;

	*owned = 0;
	for (size_t i = 0; t && i < KEPT_EXPRESSIONS; i++)
		if (t->kept[i].expr && strcmp(t->kept[i].expr, expr) == 0)
			return t->kept[i].comp;
	comp = xmlXPathCtxtCompile(ctx, (const xmlChar *)expr);
	if (!comp || !t || !(copy = strdup(expr))) {
		*owned = comp != NULL;
		return comp;
	}
	slot = t->next_kept++ % KEPT_EXPRESSIONS;
	free(t->kept[slot].expr);
	xmlXPathFreeCompExpr(t->kept[slot].comp);
	t->kept[slot].expr = copy;
	t->kept[slot].comp = comp;
	return comp;
}

static xmlXPathObjectPtr xpath_eval(struct html_doc *d, const char *expr, struct pecctl_error *err)
{
	struct xpath_errors xe = { { 0 } };
	xmlXPathContextPtr ctx;
	xmlXPathCompExprPtr comp;
	xmlXPathObjectPtr res = NULL;
	int owned;

	html_init();
	ctx = html_doc_xpath(d);
	if (!ctx) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	index_ids(d, expr);
	ctx->error = xpath_error;
	ctx->userData = &xe;
	comp = compiled(ctx, expr, &owned);
	if (comp) {
		res = xmlXPathCompiledEval(comp, ctx);
		if (owned)
			xmlXPathFreeCompExpr(comp);
	}
	ctx->userData = NULL;  /* xe lives on this stack frame only */
	if (!res || xe.message[0]) {
		xmlXPathFreeObject(res);
		xpath_fail(err, expr, xe.message);
		return NULL;
	}
	return res;
}

static int add_string(cJSON *arr, const char *s)
{
	cJSON *item = cJSON_CreateString(s ? s : "");

	if (!item)
		return -1;
	cJSON_AddItemToArray(arr, item);
	return 0;
}

/* A number as XPath's string() would write it: integers without a point. */
static void xpath_number(char *buf, size_t cap, double v)
{
	if (v != v)
		snprintf(buf, cap, "NaN");
	else if (v >= -1e15 && v <= 1e15 && (double)(long long)v == v)
		snprintf(buf, cap, "%lld", (long long)v);
	else
		snprintf(buf, cap, "%.17g", v);
}

cJSON *html_xpath_strings(struct html_doc *d, const char *expr, struct pecctl_error *err)
{
	xmlXPathObjectPtr res = xpath_eval(d, expr, err);
	cJSON *arr;
	char num[64];
	int i, rc = 0;

	if (!res)
		return NULL;
	arr = cJSON_CreateArray();
	if (!arr)
		goto oom;
	switch (res->type) {
	case XPATH_NODESET:
		for (i = 0; res->nodesetval && i < res->nodesetval->nodeNr && rc == 0; i++) {
			xmlChar *s = xmlXPathCastNodeToString(res->nodesetval->nodeTab[i]);

			rc = s ? add_string(arr, HTML_STR(s)) : -1;
			xmlFree(s);
		}
		break;
	case XPATH_BOOLEAN:
		rc = add_string(arr, res->boolval ? "true" : "false");
		break;
	case XPATH_NUMBER:
		xpath_number(num, sizeof(num), res->floatval);
		rc = add_string(arr, num);
		break;
	case XPATH_STRING:
		rc = add_string(arr, HTML_STR(res->stringval));
		break;
	default:
		break;
	}
	if (rc)
		goto oom;
	xmlXPathFreeObject(res);
	return arr;
oom:
	cJSON_Delete(arr);
	xmlXPathFreeObject(res);
	pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
	return NULL;
}

/* Text as a reader sees it: runs of white space (and no-break spaces)
 * become one space, none at either end. */
static char *normalized_text(xmlNodePtr node)
{
	xmlChar *raw = xmlNodeGetContent(node);
	const unsigned char *s;
	char *out, *o;
	int space = 0;

	if (!raw)
		return strdup("");
	out = malloc(strlen(HTML_STR(raw)) + 1);
	if (!out) {
		xmlFree(raw);
		return NULL;
	}
	o = out;
	for (s = raw; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
		    (s[0] == 0xc2 && s[1] == 0xa0)) {
			if (*s == 0xc2)
				s++;
			space = 1;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = 0;
		*o++ = (char)*s;
	}
	*o = '\0';
	xmlFree(raw);
	return out;
}

static cJSON *element_object(xmlNodePtr node)
{
	cJSON *obj = cJSON_CreateObject(), *attrs;
	char *text = NULL;
	xmlAttrPtr a;

	if (!obj)
		return NULL;
	if (node->type == XML_ELEMENT_NODE) {
		if (!cJSON_AddStringToObject(obj, "tag", HTML_STR(node->name)))
			goto fail;
	}
	if (node->type == XML_ATTRIBUTE_NODE || node->type == XML_TEXT_NODE) {
		xmlChar *s = xmlXPathCastNodeToString(node);
		cJSON *v = s ? cJSON_AddStringToObject(obj, "text", HTML_STR(s)) : NULL;

		xmlFree(s);
		return v ? obj : (cJSON_Delete(obj), NULL);
	}
	text = normalized_text(node);
	if (!text || !cJSON_AddStringToObject(obj, "text", text))
		goto fail;
	free(text);
	text = NULL;
	attrs = cJSON_AddObjectToObject(obj, "attrs");
	if (!attrs)
		goto fail;
	for (a = node->type == XML_ELEMENT_NODE ? node->properties : NULL; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		cJSON *item = cJSON_CreateString(v ? HTML_STR(v) : "");

		xmlFree(v);
		if (!item)
			goto fail;
		/* A repeated attribute keeps its first value, as browsers do. */
		if (cJSON_GetObjectItemCaseSensitive(attrs, HTML_STR(a->name)))
			cJSON_Delete(item);
		else
			cJSON_AddItemToObject(attrs, HTML_STR(a->name), item);
	}
	return obj;
fail:
	free(text);
	cJSON_Delete(obj);
	return NULL;
}

cJSON *html_xpath_elements(struct html_doc *d, const char *expr, size_t limit,
			   struct pecctl_error *err)
{
	xmlXPathObjectPtr res = xpath_eval(d, expr, err);
	cJSON *arr;
	int i;

	if (!res)
		return NULL;
	if (res->type != XPATH_NODESET) {
		xmlXPathFreeObject(res);
		xpath_fail(err, expr, "it does not select nodes");
		return NULL;
	}
	arr = cJSON_CreateArray();
	for (i = 0; arr && res->nodesetval && i < res->nodesetval->nodeNr; i++) {
		cJSON *obj;

		if (limit && (size_t)i >= limit)
			break;
		obj = element_object(res->nodesetval->nodeTab[i]);
		if (!obj) {
			cJSON_Delete(arr);
			arr = NULL;
			break;
		}
		cJSON_AddItemToArray(arr, obj);
	}
	xmlXPathFreeObject(res);
	if (!arr)
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
	return arr;
}

cJSON *html_select(struct html_doc *d, const char *css, size_t limit, struct pecctl_error *err)
{
	char xpath[HTML_XPATH_MAX];

	if (html_css_to_xpath(css, xpath, sizeof(xpath), err) < 0)
		return NULL;
	return html_xpath_elements(d, xpath, limit, err);
}
