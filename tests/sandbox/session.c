/* Sessions: one cookie per host (a bearer token on Legalmail's API), idle
 * expiry from the settings, and the per-render _token of HTML forms. */
#include "pecsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct session *sessions;

static const char *const cookie_names[HOST_COUNT] = {
	[HOST_GESTIONEMAIL] = "GMSESSID",
	[HOST_ACCOUNT] = "ACCOUNTPEC",
	[HOST_WEBMAIL] = "WMSESS",
	[HOST_AREACLIENTI] = "ACPECSESS",
	[HOST_INFOCERT] = "LMSESS",
};

/* In milliseconds, so a test with a 1-second expiry waits just over 1 s. */
static int64_t idle_limit_ms(enum sim_host h)
{
	long secs = h == HOST_INFOCERT ? setting_long("legalmail_idle_expiry_seconds", 1800)
				       : setting_long("idle_expiry_seconds", 900);
	return (int64_t)secs * 1000;
}

static void session_free(struct session *s);

/* Every login page GET makes a session; idle ones are swept now and then so
 * a long run (or a benchmark) does not pile them up. */
static void sessions_prune(void)
{
	int64_t now = now_ms();
	struct session **p = &sessions;
	while (*p) {
		struct session *s = *p;
		if (now - s->last_seen_ms > idle_limit_ms(s->host)) {
			*p = s->next;
			session_free(s);
		} else {
			p = &s->next;
		}
	}
}

struct session *session_create(enum sim_host host)
{
	static unsigned created;
	if (++created % 256 == 0)
		sessions_prune();
	struct session *s = xcalloc(1, sizeof(*s));
	random_hex(s->id, 32);
	s->host = host;
	s->last_seen_ms = now_ms();
	s->next = sessions;
	sessions = s;
	return s;
}

static void session_free(struct session *s)
{
	free(s->user);
	free(s->pending_user);
	free(s->flash_ok);
	free(s->flash_secret);
	free(s->new_email);
	free(s->new_mobile);
	cJSON_Delete(s->pending_data);
	free(s);
}

void session_destroy(struct session *s)
{
	for (struct session **p = &sessions; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			session_free(s);
			return;
		}
	}
}

static struct session *find_by_id(enum sim_host host, const char *id)
{
	if (!id)
		return NULL;
	for (struct session *s = sessions; s; s = s->next)
		if (s->host == host && strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

static const char *request_session_id(const struct sim_request *rq)
{
	if (rq->host == HOST_INFOCERT) {
		const char *auth = req_header(rq, "Authorization");
		if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
			return auth + 7;
		return NULL;
	}
	return req_cookie(rq, cookie_names[rq->host]);
}

struct session *session_lookup(struct sim_request *rq)
{
	struct session *s = find_by_id(rq->host, request_session_id(rq));
	if (s && now_ms() - s->last_seen_ms > idle_limit_ms(s->host)) {
		session_destroy(s);
		s = NULL;
		rq->session_expired = 1;
	}
	if (s)
		s->last_seen_ms = now_ms();
	rq->session = s;
	return s;
}

void session_attach_cookie(struct sim_response *rs, const struct session *s)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; Secure; SameSite=Lax",
		 cookie_names[s->host], s->id);
	resp_header(rs, "Set-Cookie", cookie);
}

/* A new id at login, so an id seen before login is worthless after it. */
void session_login(struct session *s, const char *user, int is_account)
{
	free(s->user);
	s->user = xstrdup(user);
	s->is_account = is_account;
	s->pending = PENDING_NONE;
	random_hex(s->id, 32);
}

void session_end_user(const char *user, const struct session *keep)
{
	struct session **p = &sessions;
	while (*p) {
		struct session *s = *p;
		if (s != keep && s->user && str_ieq(s->user, user)) {
			*p = s->next;
			session_free(s);
		} else {
			p = &s->next;
		}
	}
}

void session_expire_for_request(struct sim_request *rq)
{
	struct session *s = rq->session ? rq->session : find_by_id(rq->host, request_session_id(rq));
	if (s)
		session_destroy(s);
	rq->session = NULL;
}

const char *session_new_token(struct session *s)
{
	char *slot = s->tokens[s->next_token++ % SESSION_TOKENS];
	random_hex(slot, 16);
	return slot;
}

/* Each token works once: a replayed form is as stale as a forged one. */
int session_take_token(struct session *s, const char *token)
{
	if (!s || !token || !*token)
		return 0;
	for (size_t i = 0; i < SESSION_TOKENS; i++) {
		if (s->tokens[i][0] && strcmp(s->tokens[i], token) == 0) {
			s->tokens[i][0] = '\0';
			return 1;
		}
	}
	return 0;
}

void session_flash(struct session *s, const char *msg)
{
	free(s->flash_ok);
	s->flash_ok = xstrdup(msg);
}

void sessions_clear(void)
{
	while (sessions) {
		struct session *s = sessions;
		sessions = s->next;
		session_free(s);
	}
}
