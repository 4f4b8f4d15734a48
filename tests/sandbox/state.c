/* The emulator's state: one JSON tree (settings, mailboxes, Aruba
 * accounts), loaded from the state file, replaceable and resettable
 * through the admin API. Runtime-only things (sessions, pushes, codes)
 * live in their own files. */
#include "pecsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *root;
static char *loaded_text; /* the state file as loaded, for reset */

/* The contract's defaults; a state file may override any of them. */
static const struct {
	const char *name;
	long value;
} setting_defaults[] = {
	{ "lockout_threshold", 5 },
	{ "lockout_seconds", 900 },
	{ "login_rate_per_minute", 20 },
	{ "idle_expiry_seconds", 900 },
	{ "legalmail_idle_expiry_seconds", 1800 },
	{ "push_timeout_seconds", 120 },
	{ "code_validity_seconds", 600 },
	{ "code_max_tries", 3 },
	{ "app_password_months", 6 },
	{ "sso_ticket_seconds", 60 },
};

static void fill_setting_defaults(cJSON *r)
{
	cJSON *s = json_child(r, "settings");
	for (size_t i = 0; i < sizeof(setting_defaults) / sizeof(setting_defaults[0]); i++)
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, setting_defaults[i].name)))
			json_set_num(s, setting_defaults[i].name, (double)setting_defaults[i].value);
}

static int validate(const cJSON *r, char *err, size_t errsize)
{
	if (!cJSON_IsObject(r)) {
		snprintf(err, errsize, "state must be a JSON object");
		return -1;
	}
	const cJSON *mboxes = cJSON_GetObjectItemCaseSensitive(r, "mailboxes");
	if (!cJSON_IsArray(mboxes)) {
		snprintf(err, errsize, "state needs a \"mailboxes\" array");
		return -1;
	}
	const cJSON *m;
	cJSON_ArrayForEach(m, mboxes) {
		if (!cJSON_IsObject(m) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "address")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "password"))) {
			snprintf(err, errsize, "every mailbox needs string \"address\" and \"password\"");
			return -1;
		}
	}
	const cJSON *accounts = cJSON_GetObjectItemCaseSensitive(r, "accounts");
	if (accounts && !cJSON_IsArray(accounts)) {
		snprintf(err, errsize, "\"accounts\" must be an array");
		return -1;
	}
	const cJSON *settings = cJSON_GetObjectItemCaseSensitive(r, "settings");
	if (settings && !cJSON_IsObject(settings)) {
		snprintf(err, errsize, "\"settings\" must be an object");
		return -1;
	}
	return 0;
}

int state_load(const char *path, char *err, size_t errsize)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsize, "cannot open state file %s", path);
		return -1;
	}
	struct buf b;
	buf_init(&b, 64u << 20);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	cJSON *r = b.data ? cJSON_ParseWithLength(b.data, b.len) : NULL;
	if (!r) {
		snprintf(err, errsize, "state file %s is not valid JSON", path);
		buf_release(&b);
		return -1;
	}
	if (validate(r, err, errsize)) {
		cJSON_Delete(r);
		buf_release(&b);
		return -1;
	}
	fill_setting_defaults(r);
	cJSON_Delete(root);
	free(loaded_text);
	root = r;
	loaded_text = b.data;
	return 0;
}

void state_free(void)
{
	cJSON_Delete(root);
	root = NULL;
	free(loaded_text);
	loaded_text = NULL;
}

cJSON *state_root(void)
{
	return root;
}

int state_replace(cJSON *r, char *err, size_t errsize)
{
	if (validate(r, err, errsize)) {
		cJSON_Delete(r);
		return -1;
	}
	fill_setting_defaults(r);
	cJSON_Delete(root);
	root = r;
	return 0;
}

void state_reset(void)
{
	cJSON *r = cJSON_Parse(loaded_text);
	if (!r)
		return;
	fill_setting_defaults(r);
	cJSON_Delete(root);
	root = r;
}

cJSON *state_settings(void)
{
	return json_child(root, "settings");
}

/* A JSON number as a long; anything a long cannot hold is "absent". */
static long number_or(const cJSON *v, long fallback)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble > -9.0e18 && v->valuedouble < 9.0e18))
		return fallback;
	return (long)v->valuedouble;
}

long setting_long(const char *name, long fallback)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(state_settings(), name);
	if (!cJSON_IsNumber(v))
		v = cJSON_GetObjectItemCaseSensitive(root, name); /* a top-level option */
	return number_or(v, fallback);
}

void settings_merge(const cJSON *patch)
{
	cJSON *s = state_settings();
	const cJSON *item;
	cJSON_ArrayForEach(item, patch) {
		cJSON_DeleteItemFromObjectCaseSensitive(s, item->string);
		cJSON_AddItemToObject(s, item->string, cJSON_Duplicate(item, 1));
	}
}

static cJSON *find_in(const char *list, const char *key1, const char *key2, const char *value)
{
	cJSON *m;
	if (!value)
		return NULL;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(root, list)) {
		if (str_ieq(json_str(m, key1), value) || (key2 && str_ieq(json_str(m, key2), value)))
			return m;
	}
	return NULL;
}

cJSON *mailbox_find(const char *address)
{
	return find_in("mailboxes", "address", NULL, address);
}

cJSON *mailbox_find_login(const char *login)
{
	return find_in("mailboxes", "address", "userid", login);
}

cJSON *account_find(const char *username)
{
	return find_in("accounts", "username", NULL, username);
}

const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

int json_bool(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

long json_long(const cJSON *obj, const char *key, long fallback)
{
	return number_or(cJSON_GetObjectItemCaseSensitive(obj, key), fallback);
}

static void json_put(cJSON *obj, const char *key, cJSON *item)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	else
		cJSON_AddItemToObject(obj, key, item);
}

void json_set_str(cJSON *obj, const char *key, const char *value)
{
	json_put(obj, key, cJSON_CreateString(value ? value : ""));
}

void json_set_bool(cJSON *obj, const char *key, int value)
{
	json_put(obj, key, cJSON_CreateBool(value));
}

void json_set_num(cJSON *obj, const char *key, double value)
{
	json_put(obj, key, cJSON_CreateNumber(value));
}

cJSON *json_child(cJSON *obj, const char *key)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsObject(c)) {
		c = cJSON_CreateObject();
		json_put(obj, key, c);
	}
	return c;
}

cJSON *mailbox_profile(cJSON *mbox)
{
	const char *address = json_str(mbox, "address");
	cJSON *acct, *svc, *prof, *linked;
	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(root, "accounts"))
		cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(acct, "services"))
			cJSON_ArrayForEach(prof, cJSON_GetObjectItemCaseSensitive(svc, "profiles"))
				cJSON_ArrayForEach(linked, cJSON_GetObjectItemCaseSensitive(prof, "mailboxes"))
					if (cJSON_IsString(linked) && str_ieq(linked->valuestring, address))
						return prof;
	return json_child(mbox, "profile");
}

const char *mailbox_domain(const cJSON *mbox)
{
	const char *d = json_str(mbox, "domain");
	if (*d)
		return d;
	const char *at = strchr(json_str(mbox, "address"), '@');
	return at ? at + 1 : "";
}
