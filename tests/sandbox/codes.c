/* Verification codes "sent" by email or SMS: 6 digits, valid for a while,
 * a few tries. They are delivered to the admin outbox only, never shown on
 * a page, so a client must fetch them as a person would read their phone. */
#include "pecsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct code {
	char id[33];
	char *to;
	char digits[7];
	int64_t created_ms;
	long tries;
	int used;
	struct code *next;
};

static struct code *codes;
static cJSON *outbox;

const char *code_send(const char *to, const char *channel, const char *purpose)
{
	struct code *c = xcalloc(1, sizeof(*c));
	random_hex(c->id, 16);
	c->to = xstrdup(to);
	random_digits(c->digits, 6);
	c->created_ms = now_ms();
	c->next = codes;
	codes = c;

	if (!outbox)
		outbox = cJSON_CreateArray();
	char text[256], when[32];
	snprintf(text, sizeof(text), "Il codice di verifica per %s è %s", purpose, c->digits);
	format_iso(when, sizeof(when), (time_t)(c->created_ms / 1000));
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "to", to);
	cJSON_AddStringToObject(m, "channel", channel);
	cJSON_AddStringToObject(m, "code", c->digits);
	cJSON_AddStringToObject(m, "purpose", purpose);
	cJSON_AddStringToObject(m, "text", text);
	cJSON_AddStringToObject(m, "time", when);
	cJSON_AddItemToArray(outbox, m);
	return c->id;
}

static struct code *code_find(const char *id)
{
	for (struct code *c = codes; id && c; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

enum code_result code_check(const char *id, const char *entered)
{
	struct code *c = code_find(id);
	if (!c || c->used || c->tries >= setting_long("code_max_tries", 3) ||
	    now_ms() - c->created_ms > (int64_t)setting_long("code_validity_seconds", 600) * 1000)
		return CODE_EXPIRED;
	if (entered && strcmp(entered, c->digits) == 0) {
		c->used = 1;
		return CODE_OK;
	}
	c->tries++;
	return CODE_WRONG;
}

cJSON *outbox_json(const char *to)
{
	cJSON *list = cJSON_CreateArray();
	const cJSON *m;
	cJSON_ArrayForEach(m, outbox) {
		if (!to || !*to || str_ieq(json_str(m, "to"), to))
			cJSON_AddItemToArray(list, cJSON_Duplicate(m, 1));
	}
	return list;
}

void codes_clear(void)
{
	while (codes) {
		struct code *c = codes;
		codes = c->next;
		free(c->to);
		free(c);
	}
	cJSON_Delete(outbox);
	outbox = NULL;
}
