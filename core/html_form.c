/*
 * HTML forms as a browser would submit them: found by action or id, the
 * fields the page declares (hidden ones included, boxes only when ticked),
 * filled by name and encoded as application/x-www-form-urlencoded.
 * Refusing an undeclared name is the point: a renamed field means the
 * portal changed, and posting a form without the password it now expects
 * would fail in a confusing way later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include "html_internal.h"

struct html_field {
	char *name;
	char *type;       /* "text", "hidden", "checkbox", "select", "textarea", "submit"... */
	char *value;      /* what is sent; NULL sends nothing */
	char *on_value;   /* checkbox, radio, button: what is sent when ticked or pressed */
	int button;       /* a named submit button: declared, sent only when pressed */
};

struct html_form {
	char *action;     /* absolute when the page URL is known */
	char *method;     /* "GET" or "POST" */
	char *id;
	char *label;      /* how error messages name the form: its action path */
	struct html_field *fields;
	size_t n_fields;
	size_t cap_fields;
};

static void free_value(char *v)
{
	if (v) {
		sodium_memzero(v, strlen(v));
		free(v);
	}
}

void html_form_free(struct html_form *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n_fields; i++) {
		free(f->fields[i].name);
		free(f->fields[i].type);
		free_value(f->fields[i].value);
		free_value(f->fields[i].on_value);
	}
	free(f->fields);
	free(f->action);
	free(f->method);
	free(f->id);
	free(f->label);
	free(f);
}

/* An attribute as a malloc'd string, NULL when absent. */
static char *prop(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	char *out;

	if (!v)
		return NULL;
	out = strdup(HTML_STR(v));
	xmlFree(v);
	return out;
}

static int has_prop(xmlNodePtr node, const char *name)
{
	return xmlHasProp(node, (const xmlChar *)name) != NULL;
}

static int is_tag(xmlNodePtr node, const char *tag)
{
	return node->type == XML_ELEMENT_NODE && strcasecmp(HTML_STR(node->name), tag) == 0;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static struct html_field *find_field(const struct html_form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_fields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

/* Takes ownership of the strings, even on failure. */
static int add_field(struct html_form *f, char *name, const char *type, char *value,
		     char *on_value, int button)
{
	struct html_field *fl;
	char *t = strdup(type);

	if (!t || !name)
		goto fail;
	if (f->n_fields == f->cap_fields) {
		size_t cap = f->cap_fields ? f->cap_fields * 2 : 8;
		struct html_field *grown = realloc(f->fields, cap * sizeof(*grown));

		if (!grown)
			goto fail;
		f->fields = grown;
		f->cap_fields = cap;
	}
	fl = &f->fields[f->n_fields++];
	fl->name = name;
	fl->type = t;
	fl->value = value;
	fl->on_value = on_value;
	fl->button = button;
	return 0;
fail:
	free(t);
	free(name);
	free_value(value);
	free_value(on_value);
	return -1;
}

static int add_input(struct html_form *f, xmlNodePtr node)
{
	char *name = prop(node, "name"), *type = prop(node, "type"), *value;
	int rc = 0;

	if (!name || !*name || has_prop(node, "disabled"))
		goto skip;
	if (!type || !*type) {
		free(type);
		type = strdup("text");
		if (!type)
			goto oom;
	}
	lower(type);
	if (!strcmp(type, "reset") || !strcmp(type, "button") || !strcmp(type, "image"))
		goto skip;
	value = prop(node, "value");
	if (!strcmp(type, "submit")) {
		rc = add_field(f, name, type, NULL, value ? value : strdup(""), 1);
	} else if (!strcmp(type, "checkbox") || !strcmp(type, "radio")) {
		struct html_field *same = find_field(f, name);
		char *on = value ? value : strdup("on");
		int checked = has_prop(node, "checked");

		if (!on)
			goto oom;
		/* A radio group is one field whose value is the ticked button's. */
		if (!strcmp(type, "radio") && same && !strcmp(same->type, "radio")) {
			if (checked) {
				free_value(same->value);
				same->value = strdup(on);
			}
			free_value(on);
			free(name);
			free(type);
			return same->value || !checked ? 0 : -1;
		}
		rc = add_field(f, name, type, checked ? strdup(on) : NULL, on, 0);
	} else {
		rc = add_field(f, name, type, value ? value : strdup(""), NULL, 0);
	}
	free(type);
	return rc;
skip:
	free(name);
	free(type);
	return 0;
oom:
	free(name);
	free(type);
	return -1;
}

static char *option_value(xmlNodePtr opt)
{
	char *v = prop(opt, "value");
	xmlChar *text;

	if (v)
		return v;
	text = xmlNodeGetContent(opt);
	v = strdup(text ? HTML_STR(text) : "");
	xmlFree(text);
	return v;
}

static xmlNodePtr find_option(xmlNodePtr node, int selected)
{
	xmlNodePtr c, hit;

	for (c = node->children; c; c = c->next) {
		if (is_tag(c, "option")) {
			if (!selected || has_prop(c, "selected"))
				return c;
		} else if (c->type == XML_ELEMENT_NODE && (hit = find_option(c, selected))) {
			return hit;
		}
	}
	return NULL;
}

static int add_select(struct html_form *f, xmlNodePtr node)
{
	char *name = prop(node, "name");
	xmlNodePtr opt;

	if (!name || !*name || has_prop(node, "disabled")) {
		free(name);
		return 0;
	}
	opt = find_option(node, 1);
	/* A single select with nothing selected shows, and sends, its first option. */
	if (!opt && !has_prop(node, "multiple"))
		opt = find_option(node, 0);
	return add_field(f, name, "select", opt ? option_value(opt) : NULL, NULL, 0);
}

static int add_textarea(struct html_form *f, xmlNodePtr node)
{
	char *name = prop(node, "name"), *value;
	xmlChar *text;
	const char *t;

	if (!name || !*name || has_prop(node, "disabled")) {
		free(name);
		return 0;
	}
	text = xmlNodeGetContent(node);
	t = text ? HTML_STR(text) : "";
	/* The newline right after <textarea> is markup, not content. */
	if (t[0] == '\r' && t[1] == '\n')
		t += 2;
	else if (t[0] == '\n')
		t++;
	value = strdup(t);
	xmlFree(text);
	return add_field(f, name, "textarea", value, NULL, 0);
}

static int add_button(struct html_form *f, xmlNodePtr node)
{
	char *name = prop(node, "name"), *type = prop(node, "type"), *value;

	lower(type);
	if (!name || !*name || has_prop(node, "disabled") || (type && strcmp(type, "submit"))) {
		free(name);
		free(type);
		return 0;
	}
	free(type);
	value = prop(node, "value");
	return add_field(f, name, "submit", NULL, value ? value : strdup(""), 1);
}

static int collect_fields(struct html_form *f, xmlNodePtr node)
{
	xmlNodePtr c;
	int rc = 0;

	for (c = node->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_tag(c, "input"))
			rc = add_input(f, c);
		else if (is_tag(c, "select"))
			rc = add_select(f, c);
		else if (is_tag(c, "textarea"))
			rc = add_textarea(f, c);
		else if (is_tag(c, "button"))
			rc = add_button(f, c);
		else
			rc = collect_fields(f, c);
	}
	return rc;
}

/* The action a browser would post to: the page itself when absent. */
static char *form_action_url(struct html_doc *d, xmlNodePtr node)
{
	char *action = prop(node, "action"), *abs;

	abs = html_resolve(d->base_url, action ? action : "");
	free(action);
	return abs;
}

static struct html_form *form_build(struct html_doc *d, xmlNodePtr node)
{
	struct html_form *f = calloc(1, sizeof(*f));
	const char *path;
	size_t plen;
	char *method;

	if (!f)
		return NULL;
	f->action = form_action_url(d, node);
	method = prop(node, "method");
	f->method = strdup(method && strcasecmp(method, "post") == 0 ? "POST" : "GET");
	free(method);
	f->id = prop(node, "id");
	if (!f->action || !f->method)
		goto fail;
	html_url_path(f->action, &path, &plen);
	if (plen) {
		f->label = strndup(path, plen);
	} else {
		size_t cap = (f->id ? strlen(f->id) : 0) + 8;

		f->label = malloc(cap);
		if (f->label)
			snprintf(f->label, cap, "#%s", f->id ? f->id : "");
	}
	if (!f->label || collect_fields(f, node) < 0)
		goto fail;
	return f;
fail:
	html_form_free(f);
	return NULL;
}

static size_t path_len_trimmed(const char *path, size_t len)
{
	while (len > 1 && path[len - 1] == '/')
		len--;
	return len;
}

/* Same path (query and fragment ignored); the same origin too when the
 * caller named one. */
static int action_matches(const char *want, int want_origin, const char *have)
{
	const char *wp, *hp;
	size_t wl, hl;

	html_url_path(want, &wp, &wl);
	html_url_path(have, &hp, &hl);
	wl = path_len_trimmed(wp, wl);
	hl = path_len_trimmed(hp, hl);
	if (wl != hl || memcmp(wp, hp, wl) != 0)
		return 0;
	if (want_origin) {
		size_t wo = (size_t)(wp - want), ho = (size_t)(hp - have);

		if (wo != ho || strncasecmp(want, have, wo) != 0)
			return 0;
	}
	return 1;
}

/* Every <form>, in document order, as the node set "//form" would give:
 * found by walking the tree, which costs less than compiling and running
 * the expression for each lookup. NULL out of memory. */
static xmlXPathObjectPtr all_forms(struct html_doc *d)
{
	xmlNodeSetPtr set = xmlXPathNodeSetCreate(NULL);
	xmlNodePtr node;

	if (!set)
		return NULL;
	for (node = d->doc ? d->doc->children : NULL; node; node = html_next_node(node)) {
		if (node->type == XML_ELEMENT_NODE && is_tag(node, "form") &&
		    xmlXPathNodeSetAdd(set, node) < 0) {
			xmlXPathFreeNodeSet(set);
			return NULL;
		}
	}
	return xmlXPathWrapNodeSet(set);
}

struct html_form *html_form_find(struct html_doc *d, const char *action, const char *id)
{
	xmlXPathObjectPtr forms = all_forms(d);
	struct html_form *found = NULL;
	char *want = NULL;
	int i, want_origin = action && strstr(action, "://") != NULL;

	if (!forms)
		return NULL;
	if (action) {
		want = html_resolve(d->base_url, action);
		if (!want)
			goto out;
	}
	for (i = 0; i < forms->nodesetval->nodeNr && !found; i++) {
		xmlNodePtr node = forms->nodesetval->nodeTab[i];

		if (id) {
			xmlChar *fid = xmlGetProp(node, (const xmlChar *)"id");
			int same = fid && strcmp(HTML_STR(fid), id) == 0;

			xmlFree(fid);
			if (!same)
				continue;
		}
		if (want) {
			char *have = form_action_url(d, node);
			int same = have && action_matches(want, want_origin, have);

			free(have);
			if (!same)
				continue;
		}
		found = form_build(d, node);
		break;
	}
out:
	free(want);
	xmlXPathFreeObject(forms);
	return found;
}

cJSON *html_forms_summary(struct html_doc *d)
{
	xmlXPathObjectPtr forms = all_forms(d);
	cJSON *arr = cJSON_CreateArray();
	int i;

	for (i = 0; arr && forms && i < forms->nodesetval->nodeNr; i++) {
		struct html_form *f = form_build(d, forms->nodesetval->nodeTab[i]);
		cJSON *obj = cJSON_CreateObject(), *names;
		size_t k;

		if (!f || !obj)
			goto fail;
		cJSON_AddItemToArray(arr, obj);
		if ((f->id && !cJSON_AddStringToObject(obj, "id", f->id)) ||
		    !cJSON_AddStringToObject(obj, "action", f->action) ||
		    !cJSON_AddStringToObject(obj, "method", f->method) ||
		    !(names = cJSON_AddArrayToObject(obj, "fields")))
			goto fail;
		for (k = 0; k < f->n_fields; k++) {
			cJSON *name = cJSON_CreateString(f->fields[k].name);

			if (!name)
				goto fail;
			cJSON_AddItemToArray(names, name);
		}
		html_form_free(f);
		continue;
fail:
		html_form_free(f);
		cJSON_Delete(obj);
		cJSON_Delete(arr);
		arr = NULL;
	}
	xmlXPathFreeObject(forms);
	return arr;
}

const char *html_form_action(const struct html_form *f)
{
	return f->action;
}

const char *html_form_method(const struct html_form *f)
{
	return f->method;
}

const char *html_form_id(const struct html_form *f)
{
	return f->id;
}

/* The i-th field that is not a submit button. */
static const struct html_field *nth_field(const struct html_form *f, size_t i)
{
	size_t k;

	for (k = 0; k < f->n_fields; k++)
		if (!f->fields[k].button && i-- == 0)
			return &f->fields[k];
	return NULL;
}

size_t html_form_field_count(const struct html_form *f)
{
	size_t k, n = 0;

	for (k = 0; k < f->n_fields; k++)
		n += !f->fields[k].button;
	return n;
}

const char *html_form_field_name(const struct html_form *f, size_t i)
{
	const struct html_field *fl = nth_field(f, i);

	return fl ? fl->name : NULL;
}

const char *html_form_field_type(const struct html_form *f, size_t i)
{
	const struct html_field *fl = nth_field(f, i);

	return fl ? fl->type : NULL;
}

const char *html_form_field_value(const struct html_form *f, size_t i)
{
	const struct html_field *fl = nth_field(f, i);

	return fl ? fl->value : NULL;
}

const char *html_form_get(const struct html_form *f, const char *name)
{
	const struct html_field *fl = find_field(f, name);

	return fl ? fl->value : NULL;
}

int html_form_require(const struct html_form *f, const char *name, struct pecctl_error *err)
{
	char msg[sizeof(err->message)];

	if (find_field(f, name))
		return 0;
	snprintf(msg, sizeof(msg), "form \"%.200s\" has no field \"%.200s\"", f->label, name);
	pecctl_error_set(err, PECCTL_E_PORTAL_CHANGED, msg);
	snprintf(err->field, sizeof(err->field), "%s", name);
	return -1;
}

/* Pressing one submit button releases any other. */
static void release_buttons(struct html_form *f)
{
	size_t k;

	for (k = 0; k < f->n_fields; k++) {
		if (f->fields[k].button) {
			free_value(f->fields[k].value);
			f->fields[k].value = NULL;
		}
	}
}

int html_form_set(struct html_form *f, const char *name, const char *value, struct pecctl_error *err)
{
	struct html_field *fl = find_field(f, name);
	char *copy = NULL;

	if (!fl)
		return html_form_require(f, name, err);
	if (value && !(copy = strdup(value))) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return -1;
	}
	if (fl->button && copy)
		release_buttons(f);
	free_value(fl->value);
	fl->value = copy;
	return 0;
}

int html_form_check(struct html_form *f, const char *name, int on, struct pecctl_error *err)
{
	struct html_field *fl = find_field(f, name);

	if (!fl)
		return html_form_require(f, name, err);
	return html_form_set(f, name, on ? (fl->on_value ? fl->on_value : "on") : NULL, err);
}

static int unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static size_t encoded_len(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += unreserved((unsigned char)s[i]) || s[i] == ' ' ? 1 : 3;
	return n;
}

static char *encode_into(char *o, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c)) {
			*o++ = (char)c;
		} else if (c == ' ') {
			*o++ = '+';
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	return o;
}

char *html_urlencode(const char *s, size_t len)
{
	char *out = malloc(encoded_len(s, len) + 1), *end;

	if (!out)
		return NULL;
	end = encode_into(out, s, len);
	*end = '\0';
	return out;
}

/* Measured first and written once: growing a buffer by realloc would leave
 * copies of secret values behind in freed memory. */
char *html_form_encode(const struct html_form *f, size_t *len)
{
	size_t k, total = 0, parts = 0;
	char *out, *o;

	for (k = 0; k < f->n_fields; k++) {
		const struct html_field *fl = &f->fields[k];

		if (!fl->value)
			continue;
		total += (parts++ ? 1 : 0) + encoded_len(fl->name, strlen(fl->name)) + 1 +
			 encoded_len(fl->value, strlen(fl->value));
	}
	out = malloc(total + 1);
	if (!out)
		return NULL;
	o = out;
	parts = 0;
	for (k = 0; k < f->n_fields; k++) {
		const struct html_field *fl = &f->fields[k];

		if (!fl->value)
			continue;
		if (parts++)
			*o++ = '&';
		o = encode_into(o, fl->name, strlen(fl->name));
		*o++ = '=';
		o = encode_into(o, fl->value, strlen(fl->value));
	}
	*o = '\0';
	if (len)
		*len = (size_t)(o - out);
	return out;
}
