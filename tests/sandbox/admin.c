/* The admin API under /__sandbox/ (tests and demos only): state, reset,
 * outbox, pushes, faults, variants, the request log, and a check of which
 * password a mail program (IMAP/SMTP) would accept. */
#include "pecsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The newest entries are kept; a benchmark must not grow memory forever. */
#define REQLOG_MAX 5000

struct reqlog_entry {
	long seq;
	int64_t time_ms;
	unsigned long conn;
	char *host, *method, *path, *ip;
	unsigned status;
};

static struct reqlog_entry reqlog[REQLOG_MAX];
static long reqlog_seq;

static void entry_release(struct reqlog_entry *e)
{
	free(e->host);
	free(e->method);
	free(e->path);
	free(e->ip);
	memset(e, 0, sizeof(*e));
}

void reqlog_add(const struct sim_request *rq, unsigned status)
{
	struct reqlog_entry *e = &reqlog[reqlog_seq % REQLOG_MAX];
	entry_release(e);
	e->seq = ++reqlog_seq;
	e->time_ms = now_ms();
	e->conn = rq->conn_id;
	e->host = xstrdup(rq->host_name);
	e->method = xstrdup(rq->method);
	e->path = xstrdup(rq->path);
	e->ip = xstrdup(rq->client_ip);
	e->status = status;
}

void reqlog_clear(void)
{
	for (size_t i = 0; i < REQLOG_MAX; i++)
		entry_release(&reqlog[i]);
}

static cJSON *reqlog_json(long since)
{
	cJSON *list = cJSON_CreateArray();
	long first = reqlog_seq > REQLOG_MAX ? reqlog_seq - REQLOG_MAX + 1 : 1;
	if (since + 1 > first)
		first = since + 1;
	for (long seq = first; seq <= reqlog_seq; seq++) {
		const struct reqlog_entry *e = &reqlog[(seq - 1) % REQLOG_MAX];
		if (e->seq != seq)
			continue;
		char when[32];
		format_iso(when, sizeof(when), (time_t)(e->time_ms / 1000));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", (double)e->seq);
		cJSON_AddStringToObject(o, "time", when);
		cJSON_AddNumberToObject(o, "time_ms", (double)e->time_ms);
		cJSON_AddNumberToObject(o, "conn", (double)e->conn);
		cJSON_AddStringToObject(o, "ip", e->ip);
		cJSON_AddStringToObject(o, "host", e->host);
		cJSON_AddStringToObject(o, "method", e->method);
		cJSON_AddStringToObject(o, "path", e->path);
		cJSON_AddNumberToObject(o, "status", e->status);
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

static void reply_ok(struct sim_response *rs)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	resp_json(rs, 200, o);
}

static void reply_ids(struct sim_response *rs, cJSON *ids)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "ids", ids);
	resp_json(rs, 200, o);
}

/* POST of one rule or an array of rules, all or nothing. */
static void add_rules(struct sim_request *rq, struct sim_response *rs,
		      int (*add)(const cJSON *, char *, size_t))
{
	char err[256];
	if (!rq->json) {
		resp_json_error(rs, 400, "bad_request", "body must be a JSON object or array");
		return;
	}
	cJSON *ids = cJSON_CreateArray();
	const cJSON *rule;
	if (cJSON_IsArray(rq->json)) {
		cJSON_ArrayForEach(rule, rq->json) {
			int id = add(rule, err, sizeof(err));
			if (id < 0) {
				cJSON_Delete(ids);
				resp_json_error(rs, 400, "bad_rule", err);
				return;
			}
			cJSON_AddItemToArray(ids, cJSON_CreateNumber(id));
		}
	} else {
		int id = add(rq->json, err, sizeof(err));
		if (id < 0) {
			cJSON_Delete(ids);
			resp_json_error(rs, 400, "bad_rule", err);
			return;
		}
		cJSON_AddItemToArray(ids, cJSON_CreateNumber(id));
	}
	reply_ids(rs, ids);
}

static void rules_endpoint(struct sim_request *rq, struct sim_response *rs,
			   int (*add)(const cJSON *, char *, size_t), cJSON *(*list)(void), void (*clear_fn)(void))
{
	if (strcmp(rq->method, "GET") == 0)
		resp_json(rs, 200, list());
	else if (strcmp(rq->method, "POST") == 0)
		add_rules(rq, rs, add);
	else if (strcmp(rq->method, "DELETE") == 0) {
		clear_fn();
		reply_ok(rs);
	} else
		resp_json_error(rs, 405, "method_not_allowed", "use GET, POST or DELETE");
}

static void push_decision(struct sim_request *rq, struct sim_response *rs, const char *rest)
{
	char id[64];
	const char *slash = strchr(rest, '/');
	if (!slash || (size_t)(slash - rest) >= sizeof(id) || strcmp(rq->method, "POST") != 0) {
		resp_json_error(rs, 404, "not_found", "use POST /__sandbox/push/<id>/approve or /deny");
		return;
	}
	memcpy(id, rest, (size_t)(slash - rest));
	id[slash - rest] = '\0';
	int approve = strcmp(slash + 1, "approve") == 0;
	if (!approve && strcmp(slash + 1, "deny") != 0) {
		resp_json_error(rs, 404, "not_found", "use approve or deny");
		return;
	}
	if (!push_address(id)) {
		resp_json_error(rs, 404, "not_found", "no such push");
		return;
	}
	if (push_decide(id, approve)) {
		resp_json_error(rs, 409, "not_pending", "the push is no longer pending");
		return;
	}
	reply_ok(rs);
}

/* Pairs a phone app after the SMS step of two-step activation. */
static void pair_device(struct sim_request *rq, struct sim_response *rs)
{
	cJSON *mbox = mailbox_find(req_field(rq, "address"));
	if (!mbox) {
		resp_json_error(rs, 404, "not_found", "no such mailbox");
		return;
	}
	const char *device = req_field(rq, "device");
	json_set_str(mbox, "device", device && *device ? device : "Telefono di prova");
	json_set_bool(mbox, "twofa", 1);
	cJSON_DeleteItemFromObjectCaseSensitive(mbox, "pairing");
	reply_ok(rs);
}

static void check_mail_login(struct sim_request *rq, struct sim_response *rs)
{
	const char *via;
	int ok = auth_mail_login_ok(mailbox_find(req_field(rq, "address")), req_field(rq, "password"), &via);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", ok);
	if (ok)
		cJSON_AddStringToObject(o, "via", via);
	resp_json(rs, 200, o);
}

static void reset_everything(void)
{
	state_reset();
	sessions_clear();
	auth_clear();
	codes_clear();
	faults_clear();
	variants_clear();
}

void admin_handle(struct sim_request *rq, struct sim_response *rs)
{
	const char *p = rq->path + strlen("/__sandbox/");
	const char *m = rq->method;
	char err[256];

	if (strcmp(p, "state") == 0 && strcmp(m, "GET") == 0) {
		resp_json(rs, 200, cJSON_Duplicate(state_root(), 1));
	} else if (strcmp(p, "state") == 0 && strcmp(m, "PUT") == 0) {
		if (!rq->json) {
			resp_json_error(rs, 400, "bad_request", "body must be the state as JSON");
		} else if (state_replace(rq->json, err, sizeof(err))) {
			rq->json = NULL; /* state_replace took and freed it */
			resp_json_error(rs, 400, "bad_state", err);
		} else {
			rq->json = NULL;
			reply_ok(rs);
		}
	} else if (strcmp(p, "settings") == 0 && (strcmp(m, "PATCH") == 0 || strcmp(m, "POST") == 0)) {
		if (!cJSON_IsObject(rq->json)) {
			resp_json_error(rs, 400, "bad_request", "body must be a JSON object of settings");
		} else {
			settings_merge(rq->json);
			resp_json(rs, 200, cJSON_Duplicate(state_settings(), 1));
		}
	} else if (strcmp(p, "reset") == 0 && strcmp(m, "POST") == 0) {
		reset_everything();
		reply_ok(rs);
	} else if (strcmp(p, "outbox") == 0 && strcmp(m, "GET") == 0) {
		resp_json(rs, 200, outbox_json(req_query(rq, "to")));
	} else if (strcmp(p, "outbox") == 0 && strcmp(m, "DELETE") == 0) {
		codes_clear();
		reply_ok(rs);
	} else if (strcmp(p, "push") == 0 && strcmp(m, "GET") == 0) {
		const char *all = req_query(rq, "all");
		resp_json(rs, 200, push_list_json(all && strcmp(all, "0") != 0));
	} else if (str_starts(p, "push/")) {
		push_decision(rq, rs, p + 5);
	} else if (strcmp(p, "pair") == 0 && strcmp(m, "POST") == 0) {
		pair_device(rq, rs);
	} else if (strcmp(p, "faults") == 0) {
		rules_endpoint(rq, rs, faults_add, faults_json, faults_clear);
	} else if (strcmp(p, "variants") == 0) {
		rules_endpoint(rq, rs, variants_add, variants_json, variants_clear);
	} else if (strcmp(p, "log") == 0 && strcmp(m, "GET") == 0) {
		long since = 0;
		if (parse_long(req_query(rq, "since"), &since))
			since = 0;
		resp_json(rs, 200, reqlog_json(since));
	} else if (strcmp(p, "log") == 0 && strcmp(m, "DELETE") == 0) {
		reqlog_clear();
		reply_ok(rs);
	} else if (strcmp(p, "check-mail-login") == 0 && strcmp(m, "POST") == 0) {
		check_mail_login(rq, rs);
	} else if (*p == '\0' || strcmp(p, "health") == 0) {
		reply_ok(rs);
	} else {
		resp_json_error(rs, 404, "not_found", "unknown admin endpoint");
	}
}
