/* Logins as every portal sees them: password check, lockout after too many
 * failures, a per-client rate limit on login POSTs, the access history,
 * push approvals on the account's phone app, and one-time SSO tickets. */
#include "pecsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enough history for any page; older entries are dropped. */
#define ACCESS_LOG_MAX 1000

struct rate_client {
	char ip[64];
	int64_t *times; /* login POSTs in the last minute, oldest first */
	size_t n, cap;
	struct rate_client *next;
};

struct push {
	char id[33];
	char *address;
	char *title; /* NULL: an OTP-only challenge, nothing on the phone */
	char code_id[33];
	int64_t created_ms, approve_at_ms;
	enum push_state state;
	enum push_purpose purpose;
	int consumed;
	struct push *next;
};

struct sso_ticket {
	char ticket[65];
	char *address;
	time_t expires;
	struct sso_ticket *next;
};

static struct rate_client *rate_clients;
static struct push *pushes;
static struct sso_ticket *tickets;

int auth_rate_limited(struct sim_request *rq, struct sim_response *rs, int json)
{
	struct rate_client *c;
	for (c = rate_clients; c; c = c->next)
		if (strcmp(c->ip, rq->client_ip) == 0)
			break;
	if (!c) {
		c = xcalloc(1, sizeof(*c));
		snprintf(c->ip, sizeof(c->ip), "%s", rq->client_ip);
		c->next = rate_clients;
		rate_clients = c;
	}
	int64_t now = now_ms();
	size_t keep = 0;
	while (keep < c->n && c->times[keep] <= now - 60000)
		keep++;
	if (keep) {
		memmove(c->times, c->times + keep, (c->n - keep) * sizeof(*c->times));
		c->n -= keep;
	}

	long limit = setting_long("login_rate_per_minute", 20);
	if ((long)c->n >= limit) {
		long wait = (long)((c->times[0] + 60000 - now + 999) / 1000);
		char secs[32];
		snprintf(secs, sizeof(secs), "%ld", wait < 1 ? 1 : wait);
		if (json) {
			resp_json_error(rs, 429, "rate_limited", "Troppi tentativi di accesso, riprova più tardi");
		} else {
			page_begin(rs, host_name(rq->host), "Troppi tentativi");
			page_menu(rs, NULL, 0);
			html(rs, "<div class=\"alert alert-danger\">Troppi tentativi di accesso, riprova più tardi</div>\n");
			page_end(rs);
			rs->status = 429;
		}
		resp_header(rs, "Retry-After", secs);
		return 1;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		int64_t *p = realloc(c->times, c->cap * sizeof(*p));
		if (!p)
			abort();
		c->times = p;
	}
	c->times[c->n++] = now;
	return 0;
}

void auth_record(struct sim_request *rq, cJSON *principal, const char *service, const char *outcome)
{
	cJSON *log = cJSON_GetObjectItemCaseSensitive(principal, "access_log");
	if (!cJSON_IsArray(log)) {
		cJSON_DeleteItemFromObjectCaseSensitive(principal, "access_log");
		log = cJSON_AddArrayToObject(principal, "access_log");
	}
	while (cJSON_GetArraySize(log) >= ACCESS_LOG_MAX)
		cJSON_DeleteItemFromArray(log, 0);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "time", (double)sim_now());
	cJSON_AddStringToObject(e, "ip", rq->client_ip);
	cJSON_AddStringToObject(e, "service", service);
	cJSON_AddStringToObject(e, "outcome", outcome);
	cJSON_AddItemToArray(log, e);
}

/* "twofa" is the contract's flag for both providers; a Legalmail mailbox
 * may say it as "mfa": {"enabled"}, which then wins. */
int auth_twofa_on(const cJSON *mbox)
{
	const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mbox, "mfa"), "enabled");
	if (strcmp(json_str(mbox, "provider"), "infocert") == 0 && cJSON_IsBool(enabled))
		return cJSON_IsTrue(enabled);
	return json_bool(mbox, "twofa");
}

enum login_outcome auth_login(struct sim_request *rq, cJSON *principal, const char *password,
			      const char *service)
{
	time_t now = sim_now();
	if (json_long(principal, "locked_until", 0) > now) {
		auth_record(rq, principal, service, "bloccato");
		return LOGIN_LOCKED;
	}
	const char *stored = json_str(principal, "password");
	if (!password || !*stored || strcmp(password, stored) != 0) {
		long failed = json_long(principal, "failed_logins", 0) + 1;
		auth_record(rq, principal, service, "fallito");
		if (failed >= setting_long("lockout_threshold", 5)) {
			json_set_num(principal, "locked_until", (double)(now + setting_long("lockout_seconds", 900)));
			json_set_num(principal, "failed_logins", 0);
			return LOGIN_LOCKED;
		}
		json_set_num(principal, "failed_logins", (double)failed);
		return LOGIN_BAD;
	}
	json_set_num(principal, "failed_logins", 0);
	json_set_num(principal, "locked_until", 0);
	if (auth_twofa_on(principal)) {
		auth_record(rq, principal, service, "in attesa di verifica");
		return LOGIN_NEEDS_PUSH;
	}
	auth_record(rq, principal, service, "riuscito");
	return LOGIN_OK;
}

static void push_free(struct push *p)
{
	free(p->address);
	free(p->title);
	free(p);
}

/* Forgets challenges long past any use, so a long run stays small. */
static void pushes_prune(int64_t now)
{
	int64_t horizon = (setting_long("push_timeout_seconds", 120) + 600) * 1000;
	struct push **pp = &pushes;
	while (*pp) {
		struct push *p = *pp;
		if (now - p->created_ms > horizon) {
			*pp = p->next;
			push_free(p);
		} else {
			pp = &p->next;
		}
	}
}

const char *push_create(const char *address, const char *title, const char *code_id,
			enum push_purpose purpose)
{
	int64_t now = now_ms();
	pushes_prune(now);
	struct push *p = xcalloc(1, sizeof(*p));
	random_hex(p->id, 16);
	p->address = xstrdup(address);
	p->title = title ? xstrdup(title) : NULL;
	if (code_id)
		snprintf(p->code_id, sizeof(p->code_id), "%s", code_id);
	p->created_ms = now;
	long auto_ms = setting_long("auto_approve_ms", -1);
	p->approve_at_ms = title && auto_ms >= 0 ? now + auto_ms : 0;
	p->state = PUSH_PENDING;
	p->purpose = purpose;
	p->next = pushes;
	pushes = p;
	return p->id;
}

static struct push *push_find(const char *id)
{
	for (struct push *p = pushes; id && p; p = p->next)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

/* Time moves a pending push on: auto-approval, then expiry. */
static void push_refresh(struct push *p)
{
	if (p->state != PUSH_PENDING)
		return;
	int64_t now = now_ms();
	if (p->approve_at_ms && now >= p->approve_at_ms)
		p->state = PUSH_APPROVED;
	else if (now - p->created_ms > setting_long("push_timeout_seconds", 120) * 1000)
		p->state = PUSH_EXPIRED;
}

enum push_state push_state_of(const char *id)
{
	struct push *p = push_find(id);
	if (!p || p->consumed)
		return PUSH_EXPIRED;
	push_refresh(p);
	return p->state;
}

enum push_purpose push_purpose_of(const char *id)
{
	struct push *p = push_find(id);
	return p ? p->purpose : PUSH_FOR_LOGIN;
}

const char *push_address(const char *id)
{
	struct push *p = push_find(id);
	return p ? p->address : NULL;
}

const char *push_code(const char *id)
{
	struct push *p = push_find(id);
	return p && p->code_id[0] ? p->code_id : NULL;
}

const char *push_state_name(enum push_state st)
{
	switch (st) {
	case PUSH_PENDING: return "in_attesa";
	case PUSH_APPROVED: return "autorizzato";
	case PUSH_DENIED: return "negato";
	default: return "scaduto";
	}
}

void push_consume(const char *id)
{
	struct push *p = push_find(id);
	if (p)
		p->consumed = 1;
}

int push_decide(const char *id, int approve)
{
	struct push *p = push_find(id);
	if (!p || p->consumed)
		return -1;
	push_refresh(p);
	if (p->state != PUSH_PENDING)
		return -1;
	p->state = approve ? PUSH_APPROVED : PUSH_DENIED;
	return 0;
}

cJSON *push_list_json(int all)
{
	cJSON *list = cJSON_CreateArray();
	int64_t timeout_ms = setting_long("push_timeout_seconds", 120) * 1000;
	for (struct push *p = pushes; p; p = p->next) {
		if (!p->title)
			continue;
		push_refresh(p);
		if (!all && (p->state != PUSH_PENDING || p->consumed))
			continue;
		char when[32];
		format_iso(when, sizeof(when), (time_t)(p->created_ms / 1000));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", p->id);
		cJSON_AddStringToObject(o, "address", p->address);
		cJSON_AddStringToObject(o, "title", p->title);
		cJSON_AddStringToObject(o, "created", when);
		cJSON_AddNumberToObject(o, "expires_in_ms", (double)(p->created_ms + timeout_ms - now_ms()));
		cJSON_AddStringToObject(o, "state", p->consumed ? "usato" : push_state_name(p->state));
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

void pushes_clear(void)
{
	while (pushes) {
		struct push *p = pushes;
		pushes = p->next;
		push_free(p);
	}
}

const char *sso_ticket_create(const char *address)
{
	struct sso_ticket *t = xcalloc(1, sizeof(*t));
	random_hex(t->ticket, 24);
	t->address = xstrdup(address);
	t->expires = sim_now() + setting_long("sso_ticket_seconds", 60);
	t->next = tickets;
	tickets = t;
	return t->ticket;
}

/* One use only; expired tickets are dropped on the way. */
char *sso_ticket_redeem(const char *ticket)
{
	char *address = NULL;
	time_t now = sim_now();
	struct sso_ticket **pp = &tickets;
	while (*pp) {
		struct sso_ticket *t = *pp;
		int match = ticket && strcmp(t->ticket, ticket) == 0;
		if (match || t->expires < now) {
			if (match && t->expires >= now)
				address = xstrdup(t->address);
			*pp = t->next;
			free(t->address);
			free(t);
		} else {
			pp = &t->next;
		}
	}
	return address;
}

void auth_clear(void)
{
	while (rate_clients) {
		struct rate_client *c = rate_clients;
		rate_clients = c->next;
		free(c->times);
		free(c);
	}
	pushes_clear();
	while (tickets) {
		struct sso_ticket *t = tickets;
		tickets = t->next;
		free(t->address);
		free(t);
	}
}

int auth_mail_login_ok(cJSON *mbox, const char *password, const char **via)
{
	*via = "";
	if (!mbox || !password)
		return 0;
	int aruba = strcmp(json_str(mbox, "provider"), "infocert") != 0;
	if (aruba && json_bool(mbox, "twofa")) {
		/* with two-step on, mail programs need the app password */
		const cJSON *app = cJSON_GetObjectItemCaseSensitive(mbox, "app_password");
		if (*json_str(app, "value") && strcmp(json_str(app, "value"), password) == 0 &&
		    json_long(app, "expires", 0) > sim_now()) {
			*via = "app_password";
			return 1;
		}
		return 0;
	}
	if (strcmp(json_str(mbox, "password"), password) == 0) {
		*via = "password";
		return 1;
	}
	return 0;
}
