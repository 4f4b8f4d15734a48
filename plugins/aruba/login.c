/*
 * Logging in on the Aruba sites and remembering who is logged in where (in
 * host->session_data, so consecutive operations reuse a session). The push
 * approval a login may need is in push.c.
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
	/* The page the last login landed on, until the next request: an
	 * operation that wants that very page takes it instead of asking for
	 * it again (aruba_take_landing). */
	struct aruba_page landing;
};

/* Where each site logs out; the login forms are in pages.c (the webmail
 * logs in over JSON). */
static const char *const logout_paths[ARUBA_SITE_COUNT] = {
	[ARUBA_GESTIONEMAIL] = "/logout",
	[ARUBA_ACCOUNT] = "/logout",
	[ARUBA_WEBMAIL] = "/smart/api/logout",
	[ARUBA_AREACLIENTI] = "/logout",
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
	aruba_page_release(&s->landing);
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

void aruba_drop_landing(struct pecctl_call *call)
{
	struct aruba_session *s = session_of(call, 0);

	if (s)
		aruba_page_release(&s->landing);
}

int aruba_take_landing(struct pecctl_call *call, const char *url, struct aruba_page *page)
{
	struct aruba_session *s = session_of(call, 0);

	if (!s || !s->landing.resp || strcmp(aruba_page_url(&s->landing), url) != 0)
		return 0;
	aruba_page_release(page);
	*page = s->landing;
	memset(&s->landing, 0, sizeof(s->landing));
	return 1;
}

/* Keeps a login's landing page for aruba_take_landing (page is emptied). */
static void keep_landing(struct pecctl_call *call, struct aruba_page *page)
{
	struct aruba_session *s = session_of(call, 1);

	if (!s)
		return;
	aruba_page_release(&s->landing);
	s->landing = *page;
	memset(page, 0, sizeof(*page));
}

const char *aruba_logged_in_user(struct pecctl_call *call, enum aruba_site site)
{
	struct aruba_session *s = session_of(call, 0);

	return s ? s->user[site] : NULL;
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

/* 1 when url's path (query and fragment left out) is path; path may be
 * given as a full URL too. */
static int url_has_path(const char *url, const char *path)
{
	const char *p;
	size_t len;

	if (!url || !path)
		return 1;  /* nothing to go by: let the form lookup decide */
	if ((p = strstr(path, "://")) != NULL)
		path = strchr(p + 3, '/') ? strchr(p + 3, '/') : "/";
	if ((p = strstr(url, "://")) != NULL)
		url = strchr(p + 3, '/') ? strchr(p + 3, '/') : "/";
	len = strcspn(url, "?#");
	return strlen(path) == len && strncmp(url, path, len) == 0;
}

int aruba_is_login_page(struct pecctl_call *call, enum aruba_site site,
			const struct aruba_page *page)
{
	const struct aruba_page_spec *spec = aruba_login_spec(site);

	if (!spec)
		return page->status == 401;
	/* A portal shows its login form only at its own address or as the
	 * answer to its POST (an ended session is redirected there): a page
	 * anywhere else is not it, and need not be parsed to know. */
	if (!url_has_path(aruba_page_url(page), aruba_spec_path(call, spec)) &&
	    !url_has_path(aruba_page_url(page), aruba_spec_action(call, spec)))
		return 0;
	return aruba_page_has_form(page, aruba_spec_action(call, spec), aruba_spec_form_id(call, spec));
}

/* ---- logins ---- */

int aruba_logout_site(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err)
{
	char *url = aruba_url(call, site, aruba_config(call, site, "logout_path",
						       logout_paths[site]));
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
	const struct aruba_page_spec *spec = aruba_login_spec(site);
	/* the form's first field is the user's */
	struct aruba_fill fills[] = {
		{ spec->fields[0], user, ARUBA_FILL_TEXT },
		{ "password", password, ARUBA_FILL_SECRET },
	};
	struct aruba_step step = aruba_spec_step(call, spec);
	struct aruba_page page = { 0 };
	char *url = aruba_url(call, site, aruba_spec_path(call, spec));
	char what[128];
	int rc = -1;

	/* the page is fetched here (a stale session is ended first) */
	step.page = NULL;
	step.fills = fills;
	step.n_fills = sizeof(fills) / sizeof(fills[0]);
	if (!url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	if (aruba_fetch(call, "GET", url, NULL, NULL, 0, &page, err) != 0)
		goto out;
	/* a session we did not know about (the portal sends a logged-in
	 * browser home): end it, then log in as asked */
	if (!aruba_is_login_page(call, site, &page) &&
	    (aruba_logout_site(call, site, err) != 0 ||
	     aruba_fetch(call, "GET", url, NULL, NULL, 0, &page, err) != 0))
		goto out;
	if (aruba_submit(call, &step, &page, 0, NULL, err) != 0)
		goto out;
	*two_step = aruba_is_push_page(&page);
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
	keep_landing(call, &page);
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
		if (aruba_logout_site(call, site, err) != 0)
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
