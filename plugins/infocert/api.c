/*
 * Requests to the Legalmail JSON API: URLs from config, flat JSON bodies
 * that may carry secrets, the bearer token, and the two answers every
 * request can meet whatever it asked: 401 (the token idled out: log in
 * again once) and 429 (wait as told, up to a cap).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "infocert.h"

#define DEFAULT_API_BASE "https://webmail.infocert.it/legalmail/api/v1"
/* Longer waits than this are reported to the user rather than slept. */
#define DEFAULT_RATE_LIMIT_MAX_WAIT_S 60
#define DEFAULT_RATE_LIMIT_RETRIES 3
/* No request body of ours comes near this; a runaway value does. */
#define BODY_MAX (64 * 1024)

static const struct {
	const char *key;       /* config "infocert.<key>" */
	const char *fallback;  /* the documented path */
} api_paths[INFOCERT_PATH_COUNT] = {
	[INFOCERT_PATH_LOGIN] = { "path.login", "/auth/login" },
	[INFOCERT_PATH_MFA] = { "path.mfa", "/auth/mfa" },
	[INFOCERT_PATH_LOGOUT] = { "path.logout", "/auth/logout" },
	[INFOCERT_PATH_ACCOUNT] = { "path.account", "/account" },
	[INFOCERT_PATH_PASSWORD] = { "path.password", "/account/password" },
	[INFOCERT_PATH_RECOVERY] = { "path.recovery", "/account/recovery" },
	[INFOCERT_PATH_RECOVERY_VERIFY] = { "path.recovery_verify", "/account/recovery/verify" },
	[INFOCERT_PATH_MFA_DISABLE] = { "path.mfa_disable", "/account/mfa/disable" },
	[INFOCERT_PATH_HOLDER] = { "path.holder", "/account/holder" },
	[INFOCERT_PATH_ACCESS_LOG] = { "path.access_log", "/account/access-log" },
};

char *infocert_url(struct pecctl_call *call, enum infocert_path path, const char *suffix)
{
	const char *base = infocert_host->config(call, "api_base", DEFAULT_API_BASE);
	const char *p = infocert_host->config(call, api_paths[path].key, api_paths[path].fallback);
	size_t base_len = strlen(base);

	/* "…/v1/" + "/account" must not become "…/v1//account" */
	while (base_len > 0 && base[base_len - 1] == '/' && p[0] == '/')
		base_len--;
	return infocert_strdup_printf("%.*s%s%s", (int)base_len, base, p, suffix ? suffix : "");
}

void infocert_reply_release(struct infocert_reply *reply)
{
	cJSON_Delete(reply->json);
	reply->json = NULL;
	reply->status = 0;
}

/* ---- request bodies ---- */

/* A growing buffer that may hold secrets: every copy it leaves behind is
 * wiped, and it stops at BODY_MAX. */
struct body {
	char *data;
	size_t len, cap;
	int failed;
};

static void body_add(struct body *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > BODY_MAX || !(grown = malloc(cap))) {
			b->failed = 1;
			return;
		}
		if (b->data) {
			memcpy(grown, b->data, b->len);
			explicit_bzero(b->data, b->cap);
			free(b->data);
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void body_add_str(struct body *b, const char *s)
{
	body_add(b, s, strlen(s));
}

/* A JSON string literal: quotes, backslashes and control characters
 * escaped; other bytes (UTF-8 included) as they are. */
static void body_add_json_string(struct body *b, const char *s)
{
	body_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char escaped[8];

		if (c == '"' || c == '\\') {
			escaped[0] = '\\';
			escaped[1] = (char)c;
			body_add(b, escaped, 2);
		} else if (c < 0x20) {
			snprintf(escaped, sizeof(escaped), "\\u%04x", c);
			body_add_str(b, escaped);
		} else {
			body_add(b, s, 1);
		}
	}
	body_add(b, "\"", 1);
}

static void body_release(struct body *b)
{
	if (b->data) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

static int method_has_body(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	       strcmp(method, "PATCH") == 0;
}

static int build_body(const struct infocert_request *req, struct body *b,
		      struct pecctl_error *err)
{
	int first = 1;

	memset(b, 0, sizeof(*b));
	if (!method_has_body(req->method))
		return 0;
	body_add(b, "{", 1);
	for (size_t i = 0; i < req->n_fields; i++) {
		if (!req->fields[i].value)
			continue;
		if (!first)
			body_add(b, ",", 1);
		first = 0;
		body_add_json_string(b, req->fields[i].name);
		body_add(b, ":", 1);
		body_add_json_string(b, req->fields[i].value);
	}
	body_add(b, "}", 1);
	if (b->failed) {
		body_release(b);
		return infocert_fail(err, PECCTL_E_INVALID, "%s: request body too large", req->what);
	}
	return 0;
}

cJSON *infocert_would_submit(struct pecctl_call *call, const struct infocert_request *req)
{
	cJSON *result = cJSON_CreateObject();
	cJSON *submit = cJSON_AddObjectToObject(result, "would_submit");
	cJSON *body = NULL;
	char *url = infocert_url(call, req->path, req->suffix);

	cJSON_AddTrueToObject(result, "dry_run");
	if (submit) {
		cJSON_AddStringToObject(submit, "method", req->method);
		cJSON_AddStringToObject(submit, "url", url ? url : "");
		body = cJSON_AddObjectToObject(submit, "body");
	}
	for (size_t i = 0; body && i < req->n_fields; i++)
		if (req->fields[i].value)
			cJSON_AddStringToObject(body, req->fields[i].name,
						req->fields[i].secret ? "***" : req->fields[i].value);
	free(url);
	if (!body) {
		cJSON_Delete(result);
		return NULL;
	}
	return result;
}

int infocert_dry_run_result(struct pecctl_call *call, const struct infocert_request *req,
			    cJSON **result, struct pecctl_error *err)
{
	if (infocert_ensure_login(call, err) != 0)
		return -1;
	*result = infocert_would_submit(call, req);
	return *result ? 0 : infocert_fail(err, PECCTL_E_INTERNAL, "out of memory");
}

/* ---- sending ---- */

/* Retry-After in seconds; -1 when absent or not delta-seconds (an
 * HTTP-date is not worth a date parser here: the cap would refuse most). */
static long retry_after_seconds(const struct pecctl_response *resp)
{
	const char *text = infocert_host->response_header(resp, "Retry-After");
	char *end;
	long value;

	if (!text)
		return -1;
	while (*text == ' ')
		text++;
	errno = 0;
	value = strtol(text, &end, 10);
	while (*end == ' ')
		end++;
	if (errno || end == text || *end || value < 0)
		return -1;
	return value;
}

/* One exchange. The Authorization header holds the token: wiped after. */
static int send_once(struct pecctl_call *call, const struct infocert_request *req,
		     const char *url, const struct body *body, struct pecctl_response **resp,
		     struct pecctl_error *err)
{
	const char *token = infocert_token(call);
	char *authorization = NULL;
	const char *headers[4];
	size_t n = 0;
	int rc;

	headers[n++] = "Accept: application/json";
	if (body->data)
		headers[n++] = "Content-Type: application/json";
	if (token) {
		authorization = infocert_strdup_printf("Authorization: Bearer %s", token);
		if (!authorization)
			return infocert_fail(err, PECCTL_E_INTERNAL, "out of memory");
		headers[n++] = authorization;
	}
	headers[n] = NULL;
	rc = infocert_host->http_request(call, req->method, url, headers, body->data,
					 body->len, resp, err);
	infocert_free_secret(authorization);
	return rc;
}

static void read_reply(const struct pecctl_response *resp, struct infocert_reply *reply)
{
	size_t len = 0;
	const char *text = infocert_host->response_body(resp, &len);

	reply->status = infocert_host->response_status(resp);
	reply->json = text && len ? cJSON_ParseWithLength(text, len) : NULL;
}

/* What to do about a 429: 0 after waiting as told; 1 to report it (the
 * wait is too long or unspecified, or the retries are spent); -1 and err
 * when the user interrupted the wait. */
static int wait_rate_limit(struct pecctl_call *call, const struct infocert_request *req,
			   const struct pecctl_response *resp, int attempt,
			   struct pecctl_error *err)
{
	long max_wait = infocert_config_long(call, "rate_limit_max_wait_s",
					     DEFAULT_RATE_LIMIT_MAX_WAIT_S, 0, 3600);
	long retries = infocert_config_long(call, "rate_limit_retries",
					    DEFAULT_RATE_LIMIT_RETRIES, 0, 100);
	long wait = retry_after_seconds(resp);

	if (wait < 0 || wait > max_wait || attempt >= retries)
		return 1;
	infocert_log(call, PECCTL_LOG_INFO, "%s: the portal asks to slow down; retrying in %ld s",
		     req->what, wait);
	if (infocert_host->sleep_ms(call, wait * 1000) != 0)
		return infocert_fail(err, "interrupted", "%s: interrupted while waiting to retry",
				     req->what);
	return 0;
}

/* A 429 not waited out says when the portal will listen again. */
static void add_retry_after(const struct pecctl_response *resp, struct pecctl_error *err)
{
	long wait = retry_after_seconds(resp);
	size_t used = strlen(err->message);

	if (wait >= 0 && used < sizeof(err->message))
		snprintf(err->message + used, sizeof(err->message) - used, " (retry after %ld s)",
			 wait);
}

int infocert_api(struct pecctl_call *call, const struct infocert_request *req,
		 struct infocert_reply *reply, struct pecctl_error *err)
{
	struct body body;
	char *url;
	int logged_in_again = 0, rate_waits = 0, rc = -1;

	memset(reply, 0, sizeof(*reply));
	if (!req->no_login && !infocert_token(call) && infocert_login(call, NULL, NULL, err) != 0)
		return -1;
	url = infocert_url(call, req->path, req->suffix);
	if (!url)
		return infocert_fail(err, PECCTL_E_INTERNAL, "out of memory");
	if (build_body(req, &body, err) != 0) {
		free(url);
		return -1;
	}
	for (;;) {
		struct pecctl_response *resp = NULL;
		const char *text;
		size_t len = 0;

		infocert_reply_release(reply);
		if (send_once(call, req, url, &body, &resp, err) != 0)
			break;  /* network errors as they are; never resent */
		read_reply(resp, reply);
		if (reply->status == 401 && !req->no_login && !logged_in_again) {
			/* idle expiry (30 minutes) or a session ended elsewhere */
			infocert_host->response_free(resp);
			infocert_log(call, PECCTL_LOG_INFO, "%s: session expired; logging in again",
				     req->what);
			infocert_session_forget(call);
			logged_in_again = 1;
			if (infocert_login(call, NULL, NULL, err) != 0)
				break;
			continue;
		}
		if (reply->status == 429) {
			int waited = wait_rate_limit(call, req, resp, rate_waits++, err);

			if (waited <= 0) {
				infocert_host->response_free(resp);
				if (waited == 0)
					continue;
				break;
			}
		}
		if (reply->status >= 200 && reply->status < 300) {
			rc = 0;
		} else {
			text = infocert_host->response_body(resp, &len);
			infocert_reply_error(reply, text, len, req, err);
			if (reply->status == 429)
				add_retry_after(resp, err);
		}
		infocert_host->response_free(resp);
		break;
	}
	body_release(&body);
	free(url);
	return rc;
}
