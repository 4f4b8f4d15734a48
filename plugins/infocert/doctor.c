/*
 * doctor: every answer of the Legalmail API the operations read, fetched
 * with GET and checked for the members the operations look for (the same
 * tables they use). Nothing is sent that changes the account: with a
 * password, the login; without, one unauthenticated GET to see the shape
 * of the API's errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "infocert.h"

struct doctor {
	struct pecctl_call *call;
	cJSON *checks;
};

static void add(struct doctor *d, enum infocert_path path, const char *suffix, const char *what,
		int ok, int skipped, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static void add(struct doctor *d, enum infocert_path path, const char *suffix, const char *what,
		int ok, int skipped, const char *code, const char *fmt, ...)
{
	cJSON *check = cJSON_CreateObject();
	char *url = infocert_url(d->call, path, suffix);
	const char *page = url ? strstr(url, "://") : NULL;
	char detail[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	page = page ? strchr(page + 3, '/') : NULL;
	cJSON_AddStringToObject(check, "site", infocert_hosts_main);
	cJSON_AddStringToObject(check, "page", page ? page : url ? url : "");
	cJSON_AddStringToObject(check, "what", what);
	cJSON_AddBoolToObject(check, "ok", ok);
	if (skipped)
		cJSON_AddBoolToObject(check, "skipped", 1);
	if (code)
		cJSON_AddStringToObject(check, "code", code);
	cJSON_AddStringToObject(check, "detail", detail);
	cJSON_AddItemToArray(d->checks, check);
	free(url);
}

/* A request the API refused for its own reasons (network, credentials)
 * keeps that code; an answer of the wrong shape is the API having changed. */
static const char *failure_code(const struct pecctl_error *err)
{
	if (strcmp(err->code, PECCTL_E_PORTAL_CHANGED) == 0 || strcmp(err->code, PECCTL_E_PORTAL) == 0)
		return NULL;
	return err->code[0] ? err->code : PECCTL_E_INTERNAL;
}

/* One member of obj, as a check named "json <prefix><name>". */
static void check_member(struct doctor *d, enum infocert_path path, const char *suffix,
			 const cJSON *obj, const char *prefix, const char *name)
{
	char what[160];

	snprintf(what, sizeof(what), "json %s%s", prefix, name);
	if (cJSON_GetObjectItemCaseSensitive(obj, name))
		add(d, path, suffix, what, 1, 0, NULL, "present");
	else
		add(d, path, suffix, what, 0, 0, NULL, "no \"%s\" in the answer any more", name);
}

/* GET a path; the JSON answer, or NULL after adding a failed check. */
static cJSON *fetch(struct doctor *d, enum infocert_path path, const char *suffix,
		    const char *what)
{
	const struct infocert_request req = {
		.what = what, .method = "GET", .path = path, .suffix = suffix,
	};
	struct infocert_reply reply;
	struct pecctl_error err = { 0 };
	cJSON *json;

	if (infocert_api(d->call, &req, &reply, &err) != 0) {
		infocert_reply_release(&reply);
		add(d, path, suffix, what, 0, 0, failure_code(&err), "%s", err.message);
		return NULL;
	}
	json = reply.json;
	if (!cJSON_IsObject(json)) {
		add(d, path, suffix, what, 0, 0, NULL, "the answer (HTTP %ld) is not a JSON object",
		    reply.status);
		infocert_reply_release(&reply);
		return NULL;
	}
	return json;
}

/* Without a session the API must still answer {"error","message"}: every
 * refusal the operations report is read that way. */
static void check_error_shape(struct doctor *d)
{
	const struct infocert_request req = {
		.what = "account details", .method = "GET", .path = INFOCERT_PATH_ACCOUNT,
		.no_login = 1,
	};
	struct infocert_reply reply;
	struct pecctl_error err = { 0 };
	const char *what = "error answer {\"error\",\"message\"} without a session";

	if (infocert_api(d->call, &req, &reply, &err) == 0)
		add(d, INFOCERT_PATH_ACCOUNT, NULL, what, 0, 0, NULL,
		    "answered %ld without a session: the API no longer asks for the token",
		    reply.status);
	else if (reply.status == 0)
		add(d, INFOCERT_PATH_ACCOUNT, NULL, what, 0, 0, failure_code(&err), "%s", err.message);
	else if (!infocert_json_string(reply.json, "error") ||
		 !infocert_json_string(reply.json, "message"))
		add(d, INFOCERT_PATH_ACCOUNT, NULL, what, 0, 0, NULL,
		    "answered %ld without \"error\" and \"message\" strings", reply.status);
	else
		add(d, INFOCERT_PATH_ACCOUNT, NULL, what, 1, 0, NULL, "%ld {\"error\":\"%s\"}",
		    reply.status, infocert_json_string(reply.json, "error"));
	infocert_reply_release(&reply);
}

static void check_account(struct doctor *d)
{
	cJSON *account = fetch(d, INFOCERT_PATH_ACCOUNT, NULL, "account details");
	const cJSON *mfa, *recovery;

	if (!account)
		return;
	mfa = cJSON_GetObjectItemCaseSensitive(account, INFOCERT_JSON_MFA);
	check_member(d, INFOCERT_PATH_ACCOUNT, NULL, account, "", INFOCERT_JSON_MFA);
	if (cJSON_IsObject(mfa)) {
		if (cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(mfa, INFOCERT_JSON_MFA_ENABLED)))
			add(d, INFOCERT_PATH_ACCOUNT, NULL,
			    "json " INFOCERT_JSON_MFA "." INFOCERT_JSON_MFA_ENABLED, 1, 0, NULL,
			    "a boolean");
		else
			add(d, INFOCERT_PATH_ACCOUNT, NULL,
			    "json " INFOCERT_JSON_MFA "." INFOCERT_JSON_MFA_ENABLED, 0, 0, NULL,
			    "not a boolean any more: whether two-step is on cannot be read");
	}
	recovery = cJSON_GetObjectItemCaseSensitive(account, INFOCERT_JSON_RECOVERY);
	check_member(d, INFOCERT_PATH_ACCOUNT, NULL, account, "", INFOCERT_JSON_RECOVERY);
	for (size_t i = 0; cJSON_IsObject(recovery) && infocert_recovery_fields[i]; i++)
		check_member(d, INFOCERT_PATH_ACCOUNT, NULL, recovery, INFOCERT_JSON_RECOVERY ".",
			     infocert_recovery_fields[i]);
	cJSON_Delete(account);
}

static void check_holder(struct doctor *d)
{
	cJSON *holder = fetch(d, INFOCERT_PATH_HOLDER, NULL, "holder data");

	if (!holder)
		return;
	for (size_t i = 0; infocert_holder_fields[i]; i++)
		check_member(d, INFOCERT_PATH_HOLDER, NULL, holder, "", infocert_holder_fields[i]);
	cJSON_Delete(holder);
}

/* The first of several names a member may have. */
static const cJSON *first_member(const cJSON *obj, const char *const *names)
{
	for (; *names; names++) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, *names);

		if (item && !cJSON_IsNull(item))
			return item;
	}
	return NULL;
}

static void check_history(struct doctor *d)
{
	static const char suffix[] = "?page=1";
	cJSON *reply = fetch(d, INFOCERT_PATH_ACCESS_LOG, suffix, "access history");
	const cJSON *list, *entry;
	char what[160];

	if (!reply)
		return;
	list = first_member(reply, infocert_history_list_names);
	if (!cJSON_IsArray(list)) {
		add(d, INFOCERT_PATH_ACCESS_LOG, suffix, "json list of entries", 0, 0, NULL,
		    "none of \"entries\", \"items\", \"accessi\" is a list");
		cJSON_Delete(reply);
		return;
	}
	add(d, INFOCERT_PATH_ACCESS_LOG, suffix, "json list of entries", 1, 0, NULL, "%d entr%s",
	    cJSON_GetArraySize(list), cJSON_GetArraySize(list) == 1 ? "y" : "ies");
	entry = cJSON_GetArrayItem(list, 0);
	for (const struct infocert_history_column *col = infocert_history_columns;
	     entry && col->key; col++) {
		snprintf(what, sizeof(what), "json entry %s", col->key);
		if (cJSON_IsString(first_member(entry, col->names)))
			add(d, INFOCERT_PATH_ACCESS_LOG, suffix, what, 1, 0, NULL, "present");
		else
			add(d, INFOCERT_PATH_ACCESS_LOG, suffix, what, 0, 0, NULL,
			    "an entry has no \"%s\" (nor its other names) any more", col->names[0]);
	}
	cJSON_Delete(reply);
}

/* The requests that change the account: never made, but named, so the
 * report says what it cannot vouch for. */
static void skip_state_changes(struct doctor *d)
{
	static const struct {
		enum infocert_path path;
		const char *what;
	} changes[] = {
		{ INFOCERT_PATH_PASSWORD, "POST (password change)" },
		{ INFOCERT_PATH_RECOVERY, "PUT (recovery contacts change)" },
		{ INFOCERT_PATH_RECOVERY_VERIFY, "POST (recovery contacts code)" },
		{ INFOCERT_PATH_MFA_DISABLE, "POST (two-step off)" },
		{ INFOCERT_PATH_HOLDER, "PUT (holder data change)" },
	};

	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		add(d, changes[i].path, NULL, changes[i].what, 1, 1, NULL,
		    "skipped: it changes the account, and doctor changes nothing");
}

int infocert_op_doctor(struct pecctl_call *call, const cJSON *args, cJSON **result,
		       struct pecctl_error *err)
{
	struct doctor d = { call, cJSON_CreateArray() };
	struct pecctl_error login_err = { 0 };
	char what[400];

	(void)args;
	(void)err;
	check_error_shape(&d);
	if (!infocert_host->secret_arg(call, "password")) {
		static const enum infocert_path behind_login[] = {
			INFOCERT_PATH_LOGIN, INFOCERT_PATH_ACCOUNT, INFOCERT_PATH_HOLDER,
			INFOCERT_PATH_ACCESS_LOG,
		};

		for (size_t i = 0; i < sizeof(behind_login) / sizeof(behind_login[0]); i++)
			add(&d, behind_login[i], NULL, i == 0 ? "login" : "GET", 1, 1, NULL,
			    "skipped: needs --account");
	} else {
		snprintf(what, sizeof(what), "login as %s", infocert_host->account(call));
		infocert_session_forget(call);
		if (infocert_login(call, NULL, NULL, &login_err) != 0) {
			add(&d, INFOCERT_PATH_LOGIN, NULL, what, 0, 0, failure_code(&login_err), "%s",
			    login_err.message);
		} else {
			add(&d, INFOCERT_PATH_LOGIN, NULL, what, 1, 0, NULL, "a token%s",
			    infocert_session(call)->mfa_used ? " (second factor confirmed)" : "");
			check_account(&d);
			check_holder(&d);
			check_history(&d);
		}
	}
	skip_state_changes(&d);
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "checks", d.checks);
	return 0;
}
