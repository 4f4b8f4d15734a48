/*
 * Access history: GET /account/access-log?page=N, every page, as
 * {"entries":[{"time","ip","service","outcome"}]} like Aruba's.
 */
#include <stdio.h>
#include <string.h>
#include "infocert.h"

/* A runaway "next" must not page forever. */
#define DEFAULT_MAX_PAGES 100

/* The first of several names a member may have. */
static const cJSON *member(const cJSON *obj, const char *const *names)
{
	for (; *names; names++) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, *names);

		if (item && !cJSON_IsNull(item))
			return item;
	}
	return NULL;
}

static const char *const time_names[] = { "time", "timestamp", "date", NULL };
static const char *const ip_names[] = { "ip", "client_ip", NULL };
static const char *const service_names[] = { "service", "servizio", NULL };
static const char *const outcome_names[] = { "outcome", "esito", "result", NULL };

const struct infocert_history_column infocert_history_columns[] = {
	{ "time", time_names }, { "ip", ip_names }, { "service", service_names },
	{ "outcome", outcome_names }, { NULL, NULL },
};
const char *const infocert_history_list_names[] = { "entries", "items", "accessi", NULL };

static void add_entry(cJSON *entries, const cJSON *item)
{
	const struct infocert_history_column *col;
	cJSON *entry = cJSON_CreateObject();

	for (col = infocert_history_columns; col->key; col++) {
		const cJSON *value = member(item, col->names);

		cJSON_AddStringToObject(entry, col->key, cJSON_IsString(value) ? value->valuestring : "");
	}
	cJSON_AddItemToArray(entries, entry);
}

/* Is there a page after `page`? "next" (a URL or number) or "pages". */
static int has_next_page(const cJSON *reply, long page)
{
	static const char *const pages_names[] = { "pages", "total_pages", NULL };
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(reply, "next");
	const cJSON *pages = member(reply, pages_names);

	if (next)
		return !cJSON_IsNull(next) && !cJSON_IsFalse(next);
	if (cJSON_IsNumber(pages))
		return page < (long)pages->valuedouble;
	return 0;
}

/* args.max_pages, 1 to the configured cap; -1 and err when wrong. */
static long max_pages_arg(struct pecctl_call *call, const cJSON *args, struct pecctl_error *err)
{
	long cap = infocert_config_long(call, "access_log_max_pages", DEFAULT_MAX_PAGES, 1, 100000);
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(args, "max_pages");

	if (!item)
		return cap;
	if (!cJSON_IsNumber(item) || item->valuedouble < 1 || item->valuedouble > (double)cap) {
		infocert_fail(err, PECCTL_E_INVALID, "\"max_pages\" must be a number from 1 to %ld",
			      cap);
		snprintf(err->field, sizeof(err->field), "max_pages");
		return -1;
	}
	return (long)item->valuedouble;
}

/* access_history{max_pages=} → {"entries":[...],"pages":N,"complete":bool} */
int infocert_op_access_history(struct pecctl_call *call, const cJSON *args, cJSON **result,
			       struct pecctl_error *err)
{
	const char *const *list_names = infocert_history_list_names;
	long max_pages = max_pages_arg(call, args, err);
	cJSON *entries;
	long page, pages = 0;
	int more = 0;

	if (max_pages < 0)
		return -1;
	entries = cJSON_CreateArray();
	for (page = 1; page <= max_pages; page++) {
		char suffix[48];
		struct infocert_request req = {
			.what = "access history", .method = "GET", .path = INFOCERT_PATH_ACCESS_LOG,
			.suffix = suffix,
		};
		struct infocert_reply reply;
		const cJSON *list, *item;

		snprintf(suffix, sizeof(suffix), "?page=%ld", page);
		if (infocert_api(call, &req, &reply, err) != 0) {
			infocert_reply_release(&reply);
			cJSON_Delete(entries);
			return -1;
		}
		list = cJSON_IsArray(reply.json) ? reply.json : member(reply.json, list_names);
		if (!cJSON_IsArray(list)) {
			infocert_reply_release(&reply);
			cJSON_Delete(entries);
			return infocert_fail(err, PECCTL_E_PORTAL_CHANGED,
					     "the access history (page %ld) has no list of entries", page);
		}
		cJSON_ArrayForEach(item, list)
			add_entry(entries, item);
		pages++;
		more = cJSON_GetArraySize(list) > 0 && has_next_page(reply.json, page);
		infocert_reply_release(&reply);
		if (!more)
			break;
	}
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "entries", entries);
	cJSON_AddNumberToObject(*result, "pages", (double)pages);
	/* a next page left unread: the caller asked for fewer pages */
	cJSON_AddBoolToObject(*result, "complete", !more);
	return 0;
}
