/*
 * Logging in to Legalmail: POST /auth/login by user id or address, then,
 * with "autenticazione forte" on, a second factor: a push approval in the
 * MyInfoCert app (polled with a countdown) or a code (TTY or
 * --otp-command). The same confirmation serves operations that answer
 * with a challenge (turning two-step off).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "infocert.h"

/* The portal lets a push live 120 s; waiting a little longer lets it say
 * "expired" itself rather than us guessing. */
#define DEFAULT_PUSH_TIMEOUT_S 125
#define DEFAULT_POLL_INTERVAL_MS 2000
/* The portal allows 3 wrong codes; a person mistyping deserves as many. */
#define DEFAULT_CODE_ATTEMPTS 3
#define CODE_MAX 64

/* ---- choosing a second factor ---- */

static int offers(const cJSON *methods, const char *method)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, methods)
		if (cJSON_IsString(m) && strcmp(m->valuestring, method) == 0)
			return 1;
	return 0;
}

/* The wanted method when the portal offers it, else push, else a code. */
static const char *choose_method(struct pecctl_call *call, const cJSON *methods,
				 const char *wanted, struct pecctl_error *err)
{
	if (!wanted)
		wanted = infocert_host->config(call, "mfa_method", NULL);
	if (wanted && offers(methods, wanted))
		return wanted;
	if (wanted)
		infocert_log(call, PECCTL_LOG_INFO,
			     "the portal does not offer \"%s\" for this confirmation", wanted);
	if (offers(methods, "push"))
		return "push";
	if (offers(methods, "otp"))
		return "otp";
	/* an old portal that does not list methods sent a push */
	if (!cJSON_IsArray(methods) || cJSON_GetArraySize(methods) == 0)
		return "push";
	infocert_fail(err, PECCTL_E_NEEDS_HUMAN,
		      "the portal asks for a confirmation pecctl cannot give (neither push nor otp)");
	return NULL;
}

/* ---- push approval ---- */

struct push_poll {
	char suffix[160];    /* "/<challenge>" */
	cJSON *last;         /* the last answer, kept for its token */
	int portal_verdict;  /* the portal itself said denied or expired */
};

static const struct infocert_request poll_request = {
	.what = "approval status", .method = "GET", .path = INFOCERT_PATH_MFA, .no_login = 1,
};

static enum pecctl_approval poll_push(struct pecctl_call *call, void *userdata,
				      struct pecctl_error *err)
{
	struct push_poll *poll = userdata;
	struct infocert_request req = poll_request;
	struct infocert_reply reply;
	const char *status;

	req.suffix = poll->suffix;
	if (infocert_api(call, &req, &reply, err) != 0) {
		infocert_reply_release(&reply);
		if (strcmp(err->code, PECCTL_E_EXPIRED) == 0)
			return PECCTL_APPROVAL_EXPIRED;
		if (strcmp(err->code, PECCTL_E_DENIED) == 0)
			return PECCTL_APPROVAL_DENIED;
		return PECCTL_APPROVAL_ERROR;
	}
	cJSON_Delete(poll->last);
	poll->last = reply.json;
	status = infocert_json_string(reply.json, "status");
	if (!status) {
		infocert_fail(err, PECCTL_E_PORTAL_CHANGED,
			      "the approval status has no \"status\" (HTTP %ld)", reply.status);
		return PECCTL_APPROVAL_ERROR;
	}
	if (strcmp(status, "pending") == 0)
		return PECCTL_APPROVAL_PENDING;
	if (strcmp(status, "approved") == 0)
		return PECCTL_APPROVAL_APPROVED;
	poll->portal_verdict = 1;
	if (strcmp(status, "denied") == 0)
		return PECCTL_APPROVAL_DENIED;
	if (strcmp(status, "expired") == 0)
		return PECCTL_APPROVAL_EXPIRED;
	poll->portal_verdict = 0;
	infocert_fail(err, PECCTL_E_PORTAL_CHANGED, "unknown approval status \"%s\"", status);
	return PECCTL_APPROVAL_ERROR;
}

/* POST /auth/mfa/<id> with a code, or with nothing after an approval. */
static int post_challenge(struct pecctl_call *call, const char *suffix, const char *code,
			  struct infocert_reply *reply, struct pecctl_error *err)
{
	const struct infocert_field fields[] = { { "otp", code, 1 } };
	const struct infocert_request req = {
		.what = code ? "confirmation code" : "approved confirmation",
		.method = "POST", .path = INFOCERT_PATH_MFA, .suffix = suffix,
		.fields = fields, .n_fields = 1, .changes_state = 1, .no_login = 1,
	};

	return infocert_api(call, &req, reply, err);
}

/* Denied or expired on the portal's word: finish the challenge as the
 * webmail does (the portal records the attempt and says it its way), then
 * report it with the portal's text. */
static int refused_push(struct pecctl_call *call, const char *suffix, const char *what,
			enum pecctl_approval outcome, struct pecctl_error *err)
{
	struct infocert_reply reply;
	struct pecctl_error portal = { 0 };
	int denied = outcome == PECCTL_APPROVAL_DENIED;

	if (post_challenge(call, suffix, NULL, &reply, &portal) == 0)
		portal.message[0] = '\0';  /* not a refusal after all: nothing to quote */
	infocert_reply_release(&reply);
	return infocert_fail(err, denied ? PECCTL_E_DENIED : PECCTL_E_EXPIRED,
			     "%s was %s in the MyInfoCert app%s%s", what,
			     denied ? "denied" : "not given in time", portal.message[0] ? ": " : "",
			     portal.message);
}

static int confirm_by_push(struct pecctl_call *call, const char *suffix, const char *what,
			   cJSON **final, struct pecctl_error *err)
{
	struct push_poll poll = { .last = NULL };
	long timeout_s = infocert_config_long(call, "push_timeout_s", DEFAULT_PUSH_TIMEOUT_S, 1,
					      3600);
	long interval_ms = infocert_config_long(call, "poll_interval_ms", DEFAULT_POLL_INTERVAL_MS,
						10, 60000);
	enum pecctl_approval outcome;
	char label[160];
	struct infocert_reply reply;

	snprintf(poll.suffix, sizeof(poll.suffix), "%s", suffix);
	snprintf(label, sizeof(label), "%s in the MyInfoCert app", what);
	outcome = infocert_host->wait_for_approval(call, label, (int)timeout_s, (int)interval_ms,
						   poll_push, &poll, err);
	if (outcome != PECCTL_APPROVAL_APPROVED) {
		cJSON_Delete(poll.last);
		if (poll.portal_verdict)
			return refused_push(call, suffix, what, outcome, err);
		/* our own wait ran out, or the polling failed: err says which */
		if (!err->code[0])
			infocert_fail(err, PECCTL_E_INTERNAL, "waiting for %s failed", what);
		return -1;
	}
	/* Some answers carry the result of the approval (a login's token);
	 * otherwise the client finishes it with a POST, as the webmail does. */
	if (infocert_json_string(poll.last, "token")) {
		*final = poll.last;
		return 0;
	}
	cJSON_Delete(poll.last);
	if (post_challenge(call, suffix, NULL, &reply, err) != 0) {
		infocert_reply_release(&reply);
		return -1;
	}
	*final = reply.json;
	return 0;
}

/* ---- codes ---- */

static void trim_code(char *code)
{
	size_t start = 0, end = strlen(code);

	while (code[start] == ' ' || code[start] == '\t')
		start++;
	while (end > start && (code[end - 1] == ' ' || code[end - 1] == '\t' ||
			       code[end - 1] == '\n' || code[end - 1] == '\r'))
		end--;
	memmove(code, code + start, end - start);
	code[end - start] = '\0';
}

int infocert_ask_code(struct pecctl_call *call, const char *label, infocert_code_post_fn post,
		      void *userdata, struct infocert_reply *reply, struct pecctl_error *err)
{
	long attempts = infocert_config_long(call, "code_attempts", DEFAULT_CODE_ATTEMPTS, 1, 10);

	memset(reply, 0, sizeof(*reply));
	for (long attempt = 1; attempt <= attempts; attempt++) {
		char code[CODE_MAX];
		int rc;

		if (infocert_host->prompt_code(call, label, code, sizeof(code), err) != 0)
			return -1;
		trim_code(code);
		infocert_reply_release(reply);
		rc = post(call, userdata, code, reply, err);
		explicit_bzero(code, sizeof(code));
		if (rc == 0)
			return 0;
		/* only a wrong code is worth asking again for */
		if (strcmp(err->code, PECCTL_E_AUTH) != 0 || attempt == attempts)
			return -1;
		infocert_log(call, PECCTL_LOG_WARN, "%s refused (%s); %ld attempt%s left", label,
			     err->message, attempts - attempt, attempts - attempt == 1 ? "" : "s");
	}
	return -1;
}

static int post_challenge_code(struct pecctl_call *call, void *userdata, const char *code,
			       struct infocert_reply *reply, struct pecctl_error *err)
{
	return post_challenge(call, userdata, code, reply, err);
}

int infocert_confirm_challenge(struct pecctl_call *call, const char *challenge,
			       const cJSON *methods, const char *mfa_method, const char *what,
			       cJSON **final, struct pecctl_error *err)
{
	const char *method = choose_method(call, methods, mfa_method, err);
	char *suffix, *label;
	struct infocert_reply reply;
	int rc;

	*final = NULL;
	if (!method)
		return -1;
	suffix = infocert_strdup_printf("/%s", challenge);
	if (!suffix)
		return infocert_fail(err, PECCTL_E_INTERNAL, "out of memory");
	infocert_log(call, PECCTL_LOG_INFO, "%s: confirming by %s", what, method);
	if (strcmp(method, "push") == 0) {
		rc = confirm_by_push(call, suffix, what, final, err);
	} else {
		label = infocert_strdup_printf("Legalmail SMS code for the %s", what);
		rc = label ? infocert_ask_code(call, label, post_challenge_code, suffix, &reply, err)
			   : infocert_fail(err, PECCTL_E_INTERNAL, "out of memory");
		if (rc == 0) {
			*final = reply.json;
			reply.json = NULL;
		}
		infocert_reply_release(&reply);
		free(label);
	}
	free(suffix);
	return rc;
}

/* ---- login ---- */

int infocert_login(struct pecctl_call *call, const char *username, const char *mfa_method,
		   struct pecctl_error *err)
{
	const struct infocert_session *s = infocert_session(call);
	const char *password = infocert_require_secret(call, "password", err);
	struct infocert_field fields[2];
	struct infocert_request req = {
		.what = "login", .method = "POST", .path = INFOCERT_PATH_LOGIN,
		.fields = fields, .n_fields = 2, .no_login = 1,
	};
	struct infocert_reply reply;
	cJSON *final = NULL;
	const char *token;
	int mfa_used = 0, rc;

	if (!password)
		return -1;
	if (!username)
		username = s && s->username ? s->username : infocert_host->account(call);
	fields[0] = (struct infocert_field){ "username", username, 0 };
	fields[1] = (struct infocert_field){ "password", password, 1 };
	if (infocert_api(call, &req, &reply, err) != 0) {
		infocert_reply_release(&reply);
		return -1;
	}
	token = infocert_json_string(reply.json, "token");
	if (!token && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply.json, "mfa_required"))) {
		const char *challenge = infocert_json_string(reply.json, "challenge");

		if (!challenge) {
			infocert_reply_release(&reply);
			return infocert_fail(err, PECCTL_E_PORTAL_CHANGED,
					     "the login asks for a second factor but names no challenge");
		}
		mfa_used = 1;
		if (infocert_confirm_challenge(call, challenge,
					       cJSON_GetObjectItemCaseSensitive(reply.json, "methods"),
					       mfa_method, "login approval", &final, err) != 0) {
			infocert_reply_release(&reply);
			return -1;
		}
		token = infocert_json_string(final, "token");
	}
	if (!token)
		rc = infocert_fail(err, PECCTL_E_PORTAL_CHANGED,
				   "the login answer has no token (HTTP %ld)", reply.status);
	else
		rc = infocert_session_store(call, token, username, mfa_used, err);
	/* the bodies held the token: wipe what cJSON allocated for it */
	if (token)
		explicit_bzero((char *)token, strlen(token));
	cJSON_Delete(final);
	infocert_reply_release(&reply);
	/* username may have been the session's own copy, now replaced */
	if (rc == 0)
		infocert_log(call, PECCTL_LOG_INFO, "logged in to Legalmail as %s%s",
			     infocert_session(call)->username,
			     mfa_used ? " (second factor confirmed)" : "");
	return rc;
}

int infocert_ensure_login(struct pecctl_call *call, struct pecctl_error *err)
{
	return infocert_token(call) ? 0 : infocert_login(call, NULL, NULL, err);
}

/* Legalmail has one host; accept the names a provider-neutral script may
 * pass for "the main one". */
static int check_host_arg(const cJSON *args, struct pecctl_error *err)
{
	static const char *const names[] = { "webmail", "legalmail", "api", infocert_hosts_main };
	const char *host = infocert_arg_string(args, "host");

	if (!host)
		host = infocert_arg_string(args, "site");
	if (!host || !*host)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(host, names[i]) == 0)
			return 0;
	infocert_fail(err, PECCTL_E_INVALID,
		      "Legalmail has a single portal (webmail.infocert.it), not \"%s\"", host);
	snprintf(err->field, sizeof(err->field), "host");
	return -1;
}

/* login{username=, mfa="push"|"otp"}: an explicit login checks the
 * password now, whatever the session holds. */
int infocert_op_login(struct pecctl_call *call, const cJSON *args, cJSON **result,
		      struct pecctl_error *err)
{
	const struct infocert_session *s;

	if (check_host_arg(args, err) != 0)
		return -1;
	infocert_session_forget(call);
	if (infocert_login(call, infocert_arg_string(args, "username"),
			   infocert_arg_string(args, "mfa"), err) != 0)
		return -1;
	s = infocert_session(call);
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "logged_in", 1);
	cJSON_AddStringToObject(*result, "site", infocert_hosts_main);
	cJSON_AddStringToObject(*result, "username", s->username);
	cJSON_AddBoolToObject(*result, "twofa", s->mfa_used);
	return 0;
}

int infocert_op_logout(struct pecctl_call *call, const cJSON *args, cJSON **result,
		       struct pecctl_error *err)
{
	const struct infocert_request req = {
		.what = "logout", .method = "POST", .path = INFOCERT_PATH_LOGOUT, .no_login = 1,
	};
	struct infocert_reply reply;
	cJSON *sites = cJSON_CreateArray();

	(void)args;
	if (infocert_token(call)) {
		/* best effort: a token that cannot be ended still expires */
		if (infocert_api(call, &req, &reply, err) != 0)
			infocert_log(call, PECCTL_LOG_DEBUG, "logout: %s", err->message);
		infocert_reply_release(&reply);
		infocert_session_forget(call);
		cJSON_AddItemToArray(sites, cJSON_CreateString(infocert_hosts_main));
	}
	memset(err, 0, sizeof(*err));
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "logged_out", sites);
	return 0;
}
