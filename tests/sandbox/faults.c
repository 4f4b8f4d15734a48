/* Injected faults (a dropped connection, an error status, a delay, a rate
 * limit, a lost session; before or after the request's state change) and
 * variants (a portal that renamed a field or reworded a text). */
#include "pecsim.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DELAY_MS 120000

struct fault {
	long id;
	char *host, *method, *path;
	enum fault_when when;
	struct fault_action action;
	long times; /* -1: until cleared */
	struct fault *next;
};

enum variant_kind { VARIANT_RENAME_FIELD, VARIANT_REPLACE_TEXT };

struct variant {
	long id;
	char *host, *path;
	enum variant_kind kind;
	char *from, *to;
	struct variant *next;
};

static struct fault *faults;
static struct variant *variants;
static long next_id;

static const char *opt_str(const cJSON *o, const char *key, const char *fallback)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : fallback;
}

static int parse_action(const char *text, struct fault_action *a)
{
	static const char *const with_arg[] = { "status", "delay", "rate_limit" };
	memset(a, 0, sizeof(*a));
	if (strcmp(text, "drop") == 0 || strcmp(text, "expire_session") == 0) {
		snprintf(a->kind, sizeof(a->kind), "%s", text);
		a->active = 1;
		return 0;
	}
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(with_arg[i]);
		if (strncmp(text, with_arg[i], n) == 0 && text[n] == ':' && !parse_long(text + n + 1, &a->arg) &&
		    a->arg >= 0) {
			if (i == 0 && (a->arg < 100 || a->arg > 599))
				return -1;
			/* a delay holds a connection thread; shutdown waits for it */
			if (i == 1 && a->arg > MAX_DELAY_MS)
				return -1;
			snprintf(a->kind, sizeof(a->kind), "%s", with_arg[i]);
			a->active = 1;
			return 0;
		}
	}
	return -1;
}

static void fault_free(struct fault *f)
{
	free(f->host);
	free(f->method);
	free(f->path);
	free(f);
}

int faults_add(const cJSON *rule, char *err, size_t errsize)
{
	if (!cJSON_IsObject(rule)) {
		snprintf(err, errsize, "a fault is a JSON object");
		return -1;
	}
	struct fault_action a;
	const char *action = opt_str(rule, "action", "");
	if (parse_action(action, &a)) {
		snprintf(err, errsize, "unknown action '%s': use drop, status:<100-599>, delay:<ms up to 120000>, "
				       "rate_limit:<seconds> or expire_session", action);
		return -1;
	}
	const char *when = opt_str(rule, "when", "before");
	if (strcmp(when, "before") != 0 && strcmp(when, "after") != 0) {
		snprintf(err, errsize, "\"when\" is before or after, not '%s'", when);
		return -1;
	}
	struct fault *f = xcalloc(1, sizeof(*f));
	f->id = ++next_id;
	f->host = xstrdup(opt_str(rule, "host", "*"));
	f->method = xstrdup(opt_str(rule, "method", "*"));
	f->path = xstrdup(opt_str(rule, "path", "*"));
	f->when = strcmp(when, "after") == 0 ? FAULT_AFTER : FAULT_BEFORE;
	f->action = a;
	f->times = json_long(rule, "times", -1);
	/* appended, so rules apply in the order they were given */
	struct fault **pp = &faults;
	while (*pp)
		pp = &(*pp)->next;
	*pp = f;
	return (int)f->id;
}

static int glob_match(const char *pattern, const char *text, int flags)
{
	return fnmatch(pattern, text ? text : "", flags) == 0;
}

struct fault_action faults_match(const struct sim_request *rq, enum fault_when when)
{
	struct fault_action none = { 0 };
	for (struct fault **pp = &faults; *pp; pp = &(*pp)->next) {
		struct fault *f = *pp;
		if (f->when != when || !glob_match(f->host, rq->host_name, FNM_CASEFOLD) ||
		    !glob_match(f->method, rq->method, FNM_CASEFOLD) || !glob_match(f->path, rq->path, 0))
			continue;
		struct fault_action a = f->action;
		if (f->times > 0 && --f->times == 0) {
			*pp = f->next;
			fault_free(f);
		}
		return a;
	}
	return none;
}

cJSON *faults_json(void)
{
	cJSON *list = cJSON_CreateArray();
	for (struct fault *f = faults; f; f = f->next) {
		cJSON *o = cJSON_CreateObject();
		char action[48];
		if (strcmp(f->action.kind, "drop") == 0 || strcmp(f->action.kind, "expire_session") == 0)
			snprintf(action, sizeof(action), "%s", f->action.kind);
		else
			snprintf(action, sizeof(action), "%s:%ld", f->action.kind, f->action.arg);
		cJSON_AddNumberToObject(o, "id", (double)f->id);
		cJSON_AddStringToObject(o, "host", f->host);
		cJSON_AddStringToObject(o, "method", f->method);
		cJSON_AddStringToObject(o, "path", f->path);
		cJSON_AddStringToObject(o, "when", f->when == FAULT_AFTER ? "after" : "before");
		cJSON_AddStringToObject(o, "action", action);
		cJSON_AddNumberToObject(o, "times", (double)f->times);
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

void faults_clear(void)
{
	while (faults) {
		struct fault *f = faults;
		faults = f->next;
		fault_free(f);
	}
}

int variants_add(const cJSON *rule, char *err, size_t errsize)
{
	const cJSON *rename = cJSON_GetObjectItemCaseSensitive(rule, "rename_field");
	const cJSON *replace = cJSON_GetObjectItemCaseSensitive(rule, "replace_text");
	const cJSON *spec = rename ? rename : replace;
	const char *from = opt_str(spec, "from", NULL), *to = opt_str(spec, "to", "");
	if (!cJSON_IsObject(rule) || !cJSON_IsObject(spec) || !from || (rename && !*to)) {
		snprintf(err, errsize, "a variant needs rename_field or replace_text with \"from\" and \"to\"");
		return -1;
	}
	struct variant *v = xcalloc(1, sizeof(*v));
	v->id = ++next_id;
	v->host = xstrdup(opt_str(rule, "host", "*"));
	v->path = xstrdup(opt_str(rule, "path", "*"));
	v->kind = rename ? VARIANT_RENAME_FIELD : VARIANT_REPLACE_TEXT;
	v->from = xstrdup(from);
	v->to = xstrdup(to);
	struct variant **pp = &variants;
	while (*pp)
		pp = &(*pp)->next;
	*pp = v;
	return (int)v->id;
}

static int variant_applies(const struct variant *v, const struct sim_request *rq)
{
	return glob_match(v->host, rq->host_name, FNM_CASEFOLD) && glob_match(v->path, rq->path, 0);
}

/* The changed portal knows the field only by its new name: the old name
 * is ignored, the new one is read as the field the handler expects. */
static void rename_incoming(struct sim_request *rq, const char *old_name, const char *new_name)
{
	for (size_t i = 0; i < rq->form.n; i++) {
		struct kv *kv = &rq->form.items[i];
		const char *replacement = strcmp(kv->key, old_name) == 0   ? "\x01ignored"
					  : strcmp(kv->key, new_name) == 0 ? old_name
									   : NULL;
		if (replacement) {
			free(kv->key);
			kv->key = xstrdup(replacement);
		}
	}
	if (cJSON_IsObject(rq->json)) {
		cJSON_DeleteItemFromObjectCaseSensitive(rq->json, old_name);
		cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(rq->json, new_name);
		if (item)
			cJSON_AddItemToObject(rq->json, old_name, item);
	}
}

void variants_apply_request(struct sim_request *rq)
{
	for (struct variant *v = variants; v; v = v->next)
		if (v->kind == VARIANT_RENAME_FIELD && variant_applies(v, rq))
			rename_incoming(rq, v->from, v->to);
}

void variants_apply_response(const struct sim_request *rq, struct sim_response *rs)
{
	for (struct variant *v = variants; v; v = v->next) {
		if (!variant_applies(v, rq))
			continue;
		if (v->kind == VARIANT_REPLACE_TEXT) {
			buf_replace_all(&rs->body, v->from, v->to);
			continue;
		}
		static const char *const shapes[] = { "name=\"%s\"", "data-field=\"%s\"", "\"%s\":" };
		for (size_t i = 0; i < 3; i++) {
			char from[300], to[300];
			snprintf(from, sizeof(from), shapes[i], v->from);
			snprintf(to, sizeof(to), shapes[i], v->to);
			buf_replace_all(&rs->body, from, to);
		}
	}
}

cJSON *variants_json(void)
{
	cJSON *list = cJSON_CreateArray();
	for (struct variant *v = variants; v; v = v->next) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)v->id);
		cJSON_AddStringToObject(o, "host", v->host);
		cJSON_AddStringToObject(o, "path", v->path);
		cJSON *spec = cJSON_AddObjectToObject(o, v->kind == VARIANT_RENAME_FIELD ? "rename_field" : "replace_text");
		cJSON_AddStringToObject(spec, "from", v->from);
		cJSON_AddStringToObject(spec, "to", v->to);
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

void variants_clear(void)
{
	while (variants) {
		struct variant *v = variants;
		variants = v->next;
		free(v->host);
		free(v->path);
		free(v->from);
		free(v->to);
		free(v);
	}
}
