/*
 * The bearer token lives with the account's session (host->session_data),
 * so one login serves every operation a script runs on that account.
 */
#include <stdlib.h>
#include <string.h>
#include "infocert.h"

static void session_free(void *data)
{
	struct infocert_session *s = data;

	if (!s)
		return;
	infocert_free_secret(s->token);
	free(s->username);
	free(s);
}

struct infocert_session *infocert_session(struct pecctl_call *call)
{
	return infocert_host->session_data(call);
}

const char *infocert_token(struct pecctl_call *call)
{
	struct infocert_session *s = infocert_session(call);

	return s ? s->token : NULL;
}

int infocert_session_store(struct pecctl_call *call, const char *token, const char *username,
			   int mfa_used, struct pecctl_error *err)
{
	struct infocert_session *s = infocert_session(call);
	char *token_copy = strdup(token);
	char *username_copy = strdup(username);

	if (!s)
		s = calloc(1, sizeof(*s));
	if (!s || !token_copy || !username_copy) {
		if (s != infocert_session(call))
			free(s);
		infocert_free_secret(token_copy);
		free(username_copy);
		return infocert_fail(err, PECCTL_E_INTERNAL, "out of memory keeping the session");
	}
	/* before anything could log it: traces, HAR files, error messages */
	infocert_host->redact(call, token);
	infocert_free_secret(s->token);
	free(s->username);
	s->token = token_copy;
	s->username = username_copy;
	s->mfa_used = mfa_used;
	if (s != infocert_session(call))
		infocert_host->set_session_data(call, s, session_free);
	return 0;
}

void infocert_session_forget(struct pecctl_call *call)
{
	struct infocert_session *s = infocert_session(call);

	if (!s)
		return;
	infocert_free_secret(s->token);
	s->token = NULL;
}
