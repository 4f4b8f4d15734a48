/*
 * Logging in on the Aruba sites, remembering who is logged in where (in
 * host->session_data, so consecutive operations reuse a session), and the
 * two-step push approval every login may need.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aruba.h"

/* Per account session: who each site's cookie belongs to, and which secret
 * argument holds that user's password (for logging in again). */
struct aruba_session {
	char *user[ARUBA_SITE_COUNT];
	char *password_arg[ARUBA_SITE_COUNT];
	int used_push[ARUBA_SITE_COUNT];  /* that login needed the app's approval */
};

/* The HTML login form of each site (webmail logs in over JSON). */
struct login_form {
	const char *page;      /* where the form is */
	const char *action;
	const char *form_id;
	const char *user_field;
	const char *logout;
};

static const struct login_form login_forms[ARUBA_SITE_COUNT] = {
	[ARUBA_GESTIONEMAIL] = { "/", "/login", "login", "casella", "/logout" },
	[ARUBA_ACCOUNT] = { "/pec", "/pec/login", "login", "casella", "/logout" },
	[ARUBA_WEBMAIL] = { NULL, NULL, NULL, "casella", "/smart/api/logout" },
	[ARUBA_AREACLIENTI] = { "/", "/login", "login", "username", "/logout" },
};

static void session_free(void *data)
{
	struct aruba_session *s = data;
	int i;

	if (!s)
		return;
	for (i = 0; i < ARUBA_SITE_COUNT; i++) {
		free(s->user[i]);
		free(s->password_arg[i]);
	}
	free(s);
}

static struct aruba_session *session_of(struct pecctl_call *call, int create)
{
	struct aruba_session *s = aruba_host->session_data(call);

	if (s || !create)
		return s;
	s = calloc(1, sizeof(*s));
	if (s)
		aruba_host->set_session_data(call, s, session_free);
	return s;
}

int aruba_login_used_push(struct pecctl_call *call, enum aruba_site site)
{
	struct aruba_session *s = session_of(call, 0);

	return s && s->user[site] && s->used_push[site];
}

void aruba_forget_login(struct pecctl_call *call, enum aruba_site site)
{
	struct aruba_session *s = session_of(call, 0);

	if (!s)
		return;
	free(s->user[site]);
	free(s->password_arg[site]);
	s->user[site] = NULL;
	s->password_arg[site] = NULL;
}

void aruba_forget_other_logins(struct pecctl_call *call, enum aruba_site keep)
{
	int i;

	for (i = 0; i < ARUBA_SITE_COUNT; i++)
		if ((enum aruba_site)i != keep)
			aruba_forget_login(call, (enum aruba_site)i);
}

static int remember_login(struct pecctl_call *call, enum aruba_site site, const char *user,
			  const char *password_arg, int used_push, struct pecctl_error *err)
{
	struct aruba_session *s = session_of(call, 1);

	if (!s)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	aruba_forget_login(call, site);
	s->used_push[site] = used_push;
	s->user[site] = strdup(user);
	s->password_arg[site] = strdup(password_arg);
	if (!s->user[site] || !s->password_arg[site]) {
		aruba_forget_login(call, site);
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	}
	return 0;
}

int aruba_mark_login(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err)
{
	return remember_login(call, site, aruba_host->account(call), "password", 0, err);
}

static const char *login_path(struct pecctl_call *call, enum aruba_site site)
{
	return aruba_config(call, site, "login_path", login_forms[site].page);
}

static const char *login_action(struct pecctl_call *call, enum aruba_site site)
{
	return aruba_config(call, site, "login_action", login_forms[site].action);
}

static const char *login_form_id(struct pecctl_call *call, enum aruba_site site)
{
	return aruba_config(call, site, "login_form_id", login_forms[site].form_id);
}

int aruba_is_login_page(struct pecctl_call *call, enum aruba_site site,
			const struct aruba_page *page)
{
	struct pecctl_form *form = NULL;

	if (site == ARUBA_WEBMAIL)
		return page->status == 401;
	if (!page->doc)
		return 0;
	form = aruba_host->html_form(page->doc, login_action(call, site), NULL);
	if (!form)
		form = aruba_host->html_form(page->doc, NULL, login_form_id(call, site));
	if (!form)
		return 0;
	aruba_host->form_free(form);
	return 1;
}

/* ---- push approvals ---- */

struct push_poll {
	const char *url;
};

static enum pecctl_approval poll_push(struct pecctl_call *call, void *userdata,
				      struct pecctl_error *err)
{
	static const char *const json_headers[] = { "Accept: application/json", NULL };
	const struct push_poll *poll = userdata;
	struct aruba_page page = { 0 };
	enum pecctl_approval state = PECCTL_APPROVAL_ERROR;
	const cJSON *stato;
	cJSON *answer;

	if (aruba_fetch(call, "GET", poll->url, json_headers, NULL, 0, &page, err) != 0)
		return PECCTL_APPROVAL_ERROR;
	if (page.status != 200) {
		aruba_fail(err, PECCTL_E_PORTAL, "%s answered %ld while waiting for the approval",
			   poll->url, page.status);
		err->http_status = page.status;
		aruba_page_release(&page);
		return PECCTL_APPROVAL_ERROR;
	}
	answer = cJSON_Parse(aruba_page_body(&page, NULL));
	stato = cJSON_GetObjectItemCaseSensitive(answer, "stato");
	if (!cJSON_IsString(stato))
		aruba_fail(err, PECCTL_E_PORTAL_CHANGED, "no \"stato\" in the answer of %s", poll->url);
	else if (strcmp(stato->valuestring, "in_attesa") == 0)
		state = PECCTL_APPROVAL_PENDING;
	else if (strcmp(stato->valuestring, "autorizzato") == 0)
		state = PECCTL_APPROVAL_APPROVED;
	else if (strcmp(stato->valuestring, "negato") == 0)
		state = PECCTL_APPROVAL_DENIED;
	else if (strcmp(stato->valuestring, "scaduto") == 0)
		state = PECCTL_APPROVAL_EXPIRED;
	else
		aruba_fail(err, PECCTL_E_PORTAL_CHANGED, "unknown approval state \"%.60s\" from %s",
			   stato->valuestring, poll->url);
	cJSON_Delete(answer);
	aruba_page_release(&page);
	return state;
}

static long config_long(struct pecctl_call *call, const char *key, long fallback, long min,
			long max)
{
	const char *text = aruba_host->config(call, key, NULL);
	char *end;
	long value;

	if (!text)
		return fallback;
	value = strtol(text, &end, 10);
	if (end == text || *end || value < min || value > max)
		return fallback;
	return value;
}

int aruba_wait_push(struct pecctl_call *call, const char *poll_url, const char *what,
		    struct pecctl_error *err)
{
	/* the portal expires a push after 120 s: wait a little longer so it,
	 * not we, says "scaduto" */
	long timeout_s = config_long(call, "push_timeout_s", 150, 1, 3600);
	long interval_ms = config_long(call, "push_poll_ms", 1000, 100, 60000);
	struct push_poll poll = { poll_url };
	char label[160];

	snprintf(label, sizeof(label), "Aruba PEC: %s", what);
	aruba_log(call, PECCTL_LOG_INFO, "%s: waiting for the approval in the Aruba PEC app", what);
	switch (aruba_host->wait_for_approval(call, label, (int)timeout_s, (int)interval_ms,
					      poll_push, &poll, err)) {
	case PECCTL_APPROVAL_APPROVED:
		return 0;
	case PECCTL_APPROVAL_DENIED:
		return aruba_fail(err, PECCTL_E_DENIED, "%s was denied in the Aruba PEC app", what);
	case PECCTL_APPROVAL_EXPIRED:
		return aruba_fail(err, PECCTL_E_EXPIRED,
				  "%s: the approval request expired without an answer", what);
	case PECCTL_APPROVAL_PENDING:
	case PECCTL_APPROVAL_ERROR:
	default:
		if (!err->code[0])
			aruba_fail(err, PECCTL_E_INTERNAL, "%s: waiting for the approval failed", what);
		return -1;
	}
}

void aruba_finish_refused_push(struct pecctl_call *call, struct pecctl_error *err,
			       int finish_rc, const struct pecctl_error *portal)
{
	char ours[sizeof(err->message)];

	(void)call;
	if (strcmp(err->code, PECCTL_E_DENIED) != 0 && strcmp(err->code, PECCTL_E_EXPIRED) != 0)
		return;
	if (finish_rc == 0 || !portal->message[0] || strcmp(portal->code, PECCTL_E_DENIED) != 0)
		return;
	/* the portal's words first, then ours */
	snprintf(ours, sizeof(ours), "%s", err->message);
	snprintf(err->message, sizeof(err->message), "%.200s: %.300s", portal->message, ours);
}

#define XPATH_PUSH_POLL "//*[@id='verifica-accesso']/@data-poll-url"

static int is_push_page(const struct aruba_page *page)
{
	return aruba_page_has(page, XPATH_PUSH_POLL);
}

int aruba_complete_push_page(struct pecctl_call *call, enum aruba_site site, const char *what,
			     struct aruba_page *page, struct pecctl_error *err)
{
	char *poll = aruba_page_text(page, XPATH_PUSH_POLL), *poll_url;
	struct aruba_step step = {
		.site = site,
		.what = what,
		.action = aruba_config(call, site, "push_form_action", NULL),
		.form_id = aruba_config(call, site, "push_form_id", "verifica"),
		.anonymous = 1,  /* a login in progress: never log in from here */
	};
	struct pecctl_error refusal = { 0 };
	int rc;

	if (!poll)
		return aruba_portal_changed(err, page, "#verifica-accesso[data-poll-url]");
	poll_url = aruba_resolve(aruba_page_url(page), poll);
	free(poll);
	if (!poll_url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	rc = aruba_wait_push(call, poll_url, what, err);
	free(poll_url);
	if (rc != 0) {
		aruba_finish_refused_push(call, err, aruba_submit(call, &step, page, 0, NULL, &refusal),
					  &refusal);
		return -1;
	}
	/* the app said yes: the page's own form finishes the step */
	return aruba_submit(call, &step, page, 0, NULL, err);
}

/* ---- logins ---- */

/* End the site's session (best effort: it expires anyway) and forget it. */
static int logout_site(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err)
{
	char *url = aruba_url(call, site, aruba_config(call, site, "logout_path",
						       login_forms[site].logout));
	struct aruba_page page = { 0 };
	int rc;

	if (!url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	rc = aruba_fetch(call, site == ARUBA_WEBMAIL ? "POST" : "GET", url, NULL, NULL, 0, &page,
			 err);
	aruba_page_release(&page);
	free(url);
	aruba_forget_login(call, site);
	return rc;
}

static int html_login(struct pecctl_call *call, enum aruba_site site, const char *user,
		      const char *password, int *two_step, struct pecctl_error *err)
{
	struct aruba_fill fills[] = {
		{ login_forms[site].user_field, user, ARUBA_FILL_TEXT },
		{ "password", password, ARUBA_FILL_SECRET },
	};
	struct aruba_step step = {
		.site = site,
		.what = "login",
		.action = login_action(call, site),
		.form_id = login_form_id(call, site),
		.fills = fills,
		.n_fills = sizeof(fills) / sizeof(fills[0]),
		.anonymous = 1,
	};
	struct aruba_page page = { 0 };
	char *url = aruba_url(call, site, login_path(call, site));
	char what[128];
	int rc = -1;

	if (!url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	if (aruba_fetch(call, "GET", url, NULL, NULL, 0, &page, err) != 0)
		goto out;
	/* a session we did not know about (the portal sends a logged-in
	 * browser home): end it, then log in as asked */
	if (!aruba_is_login_page(call, site, &page) &&
	    (logout_site(call, site, err) != 0 ||
	     aruba_fetch(call, "GET", url, NULL, NULL, 0, &page, err) != 0))
		goto out;
	if (aruba_submit(call, &step, &page, 0, NULL, err) != 0)
		goto out;
	*two_step = is_push_page(&page);
	if (*two_step) {
		snprintf(what, sizeof(what), "login to %s", aruba_site_host(site));
		if (aruba_complete_push_page(call, site, what, &page, err) != 0)
			goto out;
	}
	if (aruba_is_login_page(call, site, &page)) {
		aruba_fail(err, PECCTL_E_AUTH, "%s refused the login without a message",
			   aruba_site_host(site));
		goto out;
	}
	rc = 0;
out:
	free(url);
	aruba_page_release(&page);
	return rc;
}

static int login_as(struct pecctl_call *call, enum aruba_site site, const char *user,
		    const char *password_arg, struct pecctl_error *err)
{
	const char *password = aruba_require_secret(call, password_arg, err);
	int rc, two_step = 0;

	if (!password)
		return -1;
	aruba_log(call, PECCTL_LOG_INFO, "logging in to %s as %s", aruba_site_host(site), user);
	if (site == ARUBA_WEBMAIL)
		rc = aruba_webmail_login(call, user, password, &two_step, err);
	else
		rc = html_login(call, site, user, password, &two_step, err);
	if (rc != 0)
		return -1;
	return remember_login(call, site, user, password_arg, two_step, err);
}


int aruba_ensure_login_as(struct pecctl_call *call, enum aruba_site site,
			  const struct aruba_identity *who, struct pecctl_error *err)
{
	struct aruba_session *s = session_of(call, 0);
	const char *user = who->user ? who->user : aruba_host->account(call);
	const char *password_arg = who->password_arg ? who->password_arg : "password";

	if (s && s->user[site]) {
		if (strcasecmp(s->user[site], user) == 0)
			return 0;
		/* one cookie per site: the other user's session must end first */
		if (logout_site(call, site, err) != 0)
			return -1;
	}
	return login_as(call, site, user, password_arg, err);
}

int aruba_ensure_login(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err)
{
	static const struct aruba_identity mailbox = { NULL, NULL };

	return aruba_ensure_login_as(call, site, &mailbox, err);
}

int aruba_relogin(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err)
{
	struct aruba_session *s = session_of(call, 0);
	char *user = s && s->user[site] ? strdup(s->user[site]) : strdup(aruba_host->account(call));
	char *password_arg = s && s->password_arg[site] ? strdup(s->password_arg[site])
							: strdup("password");
	int rc;

	if (!user || !password_arg)
		rc = aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	else {
		aruba_forget_login(call, site);
		rc = login_as(call, site, user, password_arg, err);
	}
	free(user);
	free(password_arg);
	return rc;
}

/* ---- the login and logout operations ---- */

int aruba_site_arg(const cJSON *args, enum aruba_site fallback, enum aruba_site *site,
		   struct pecctl_error *err)
{
	const char *name = aruba_arg_string(args, "site");
	int i;

	if (!name)
		name = aruba_arg_string(args, "host");
	if (!name) {
		*site = fallback;
		return 0;
	}
	for (i = 0; i < ARUBA_SITE_COUNT; i++) {
		if (strcasecmp(name, aruba_site_key((enum aruba_site)i)) == 0 ||
		    strcasecmp(name, aruba_site_host((enum aruba_site)i)) == 0) {
			*site = (enum aruba_site)i;
			return 0;
		}
	}
	aruba_fail(err, PECCTL_E_INVALID,
		   "unknown site \"%.100s\" (gestionemail, account, webmail or areaclienti)", name);
	snprintf(err->field, sizeof(err->field), "site");
	return -1;
}

int aruba_op_login(struct pecctl_call *call, const cJSON *args, cJSON **result,
		   struct pecctl_error *err)
{
	enum aruba_site site;

	if (aruba_site_arg(args, ARUBA_GESTIONEMAIL, &site, err) != 0)
		return -1;
	/* an explicit login checks the password now, whatever the session says */
	aruba_forget_login(call, site);
	if (aruba_ensure_login(call, site, err) != 0)
		return -1;
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "logged_in", 1);
	cJSON_AddStringToObject(*result, "site", aruba_site_host(site));
	cJSON_AddBoolToObject(*result, "twofa", aruba_login_used_push(call, site));
	return 0;
}

int aruba_op_logout(struct pecctl_call *call, const cJSON *args, cJSON **result,
		    struct pecctl_error *err)
{
	struct aruba_session *s = session_of(call, 0);
	cJSON *sites = cJSON_CreateArray();
	int i;

	(void)args;
	for (i = 0; s && i < ARUBA_SITE_COUNT; i++) {
		struct pecctl_error ignored = { 0 };

		if (!s->user[i])
			continue;
		/* best effort: a session that cannot be ended still expires */
		if (logout_site(call, (enum aruba_site)i, &ignored) != 0)
			aruba_log(call, PECCTL_LOG_DEBUG, "logout from %s: %s",
				  aruba_site_host((enum aruba_site)i), ignored.message);
		cJSON_AddItemToArray(sites, cJSON_CreateString(aruba_site_host((enum aruba_site)i)));
	}
	(void)err;
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "logged_out", sites);
	return 0;
}
