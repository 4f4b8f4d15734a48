/* The HTML login the Aruba portals share: the #login form, lockout and
 * rate limit through auth.c, the two-step waiting page with its poll URL,
 * and the redirects of a session that is missing or expired. */
#include "pecsim.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char locked_message[] = "Accesso temporaneamente bloccato per troppi tentativi errati";

cJSON *session_mailbox(const struct session *s)
{
	return s && s->user && !s->is_account ? mailbox_find(s->user) : NULL;
}

void page_not_found(struct sim_response *rs, const char *site)
{
	kv_free(&rs->headers);
	page_begin(rs, site, "Pagina non trovata");
	page_menu(rs, NULL, 0);
	html(rs, "<h1>Pagina non trovata</h1>\n");
	page_end(rs);
	rs->status = 404;
}

/* Aruba portals know Aruba mailboxes; the client area also Aruba accounts. */
static cJSON *find_principal(const struct web_portal *wp, const char *login, int *is_account)
{
	*is_account = 0;
	cJSON *m = mailbox_find(login);
	if (m && strcmp(json_str(m, "provider"), "infocert") != 0)
		return m;
	cJSON *a = wp->accounts_allowed ? account_find(login) : NULL;
	if (a)
		*is_account = 1;
	return a;
}

static void render_login(struct sim_response *rs, const struct web_portal *wp, struct session *s,
			 const struct form_errors *fe, const char *login_value)
{
	page_begin(rs, wp->site, "Accedi");
	page_menu(rs, NULL, 0);
	html(rs, "<h1>Accedi</h1>\n<p>Inserisci nei campi sottostanti i tuoi dati di accesso:</p>\n");
	page_alerts(rs, s, fe);
	page_form_begin(rs, "login", wp->login_action, s);
	page_input(rs, wp->login_label, wp->login_field, "text", login_value, fe);
	page_input(rs, "Password", "password", "password", "", fe);
	page_form_end(rs, "Login");
	html(rs, "<p><a href=\"/password-dimenticata\">Password dimenticata?</a></p>\n");
	page_end(rs);
}

static void finish_login(struct sim_response *rs, const struct web_portal *wp, struct session *s,
			 const char *user, int is_account)
{
	session_login(s, user, is_account);
	session_attach_cookie(rs, s);
	resp_redirect(rs, is_account && wp->account_home_url ? wp->account_home_url : wp->home_url);
}

static void login_page(struct sim_request *rq, struct sim_response *rs, const struct web_portal *wp)
{
	struct session *s = rq->session;
	if (s && s->user) {
		resp_redirect(rs, s->is_account && wp->account_home_url ? wp->account_home_url : wp->home_url);
		return;
	}
	if (!s) {
		s = rq->session = session_create(wp->host);
		session_attach_cookie(rs, s);
	}
	render_login(rs, wp, s, NULL, "");
}

static void login_post(struct sim_request *rq, struct sim_response *rs, const struct web_portal *wp)
{
	if (auth_rate_limited(rq, rs, 0) || !page_check_token(rq, rs))
		return;
	struct session *s = rq->session;
	const char *login = req_field(rq, wp->login_field);
	struct form_errors fe = { 0 };
	int is_account;
	cJSON *who = find_principal(wp, login, &is_account);
	enum login_outcome out = who ? auth_login(rq, who, req_field(rq, "password"), wp->service) : LOGIN_BAD;
	switch (out) {
	case LOGIN_OK:
		finish_login(rs, wp, s, json_str(who, is_account ? "username" : "address"), is_account);
		return;
	case LOGIN_NEEDS_PUSH: {
		char title[160];
		snprintf(title, sizeof(title), "Accesso a %s", wp->site);
		const char *push = push_create(json_str(who, "address"), title, NULL, PUSH_FOR_LOGIN);
		s->pending = PENDING_LOGIN;
		free(s->pending_user);
		s->pending_user = xstrdup(json_str(who, "address"));
		snprintf(s->pending_push, sizeof(s->pending_push), "%s", push);
		session_flash(s, "Notifica inviata all'app sul tuo telefono");
		resp_redirect(rs, wp->verify_url);
		return;
	}
	case LOGIN_LOCKED:
		form_error(&fe, NULL, locked_message);
		break;
	case LOGIN_BAD:
		form_error(&fe, "password", "Credenziali non valide");
		break;
	}
	render_login(rs, wp, s, &fe, login ? login : "");
}

static void render_wait(struct sim_response *rs, const struct web_portal *wp, struct session *s,
			const struct form_errors *fe)
{
	char poll[256];
	snprintf(poll, sizeof(poll), "%s/stato", wp->verify_url);
	page_begin(rs, wp->site, "Verifica in 2 passaggi");
	page_menu(rs, NULL, 0);
	page_alerts(rs, s, fe);
	page_push_wait(rs, s, poll, wp->verify_url, "l'accesso");
	page_end(rs);
}

static int has_pending_login(const struct session *s)
{
	return s && s->pending == PENDING_LOGIN && s->pending_user;
}

static void verify_post(struct sim_request *rq, struct sim_response *rs, const struct web_portal *wp)
{
	if (!page_check_token(rq, rs))
		return;
	struct session *s = rq->session;
	if (!has_pending_login(s)) {
		resp_redirect(rs, wp->login_url);
		return;
	}
	struct form_errors fe = { 0 };
	enum push_state st = push_state_of(s->pending_push);
	cJSON *mbox = mailbox_find(s->pending_user);
	if (st == PUSH_PENDING) {
		form_error(&fe, NULL, "Accesso non ancora autorizzato: conferma la notifica sull'app");
		render_wait(rs, wp, s, &fe);
		return;
	}
	push_consume(s->pending_push);
	s->pending = PENDING_NONE;
	if (st == PUSH_APPROVED && mbox) {
		auth_record(rq, mbox, wp->service, "riuscito");
		finish_login(rs, wp, s, json_str(mbox, "address"), 0);
		return;
	}
	if (mbox)
		auth_record(rq, mbox, wp->service, st == PUSH_DENIED ? "negato" : "scaduto");
	form_error(&fe, NULL, "Operazione non autorizzata");
	render_login(rs, wp, s, &fe, s->pending_user);
}

static void verify_poll(struct sim_request *rq, struct sim_response *rs)
{
	struct session *s = rq->session;
	if (!has_pending_login(s)) {
		resp_json_error(rs, 401, "session_expired", "Sessione scaduta");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "stato", push_state_name(push_state_of(s->pending_push)));
	resp_json(rs, 200, o);
}

int weblogin_route(struct sim_request *rq, struct sim_response *rs, const struct web_portal *wp)
{
	session_lookup(rq);
	char poll[256];
	snprintf(poll, sizeof(poll), "%s/stato", wp->verify_url);
	if (req_is(rq, "GET", wp->login_url))
		login_page(rq, rs, wp);
	else if (req_is(rq, "POST", wp->login_action))
		login_post(rq, rs, wp);
	else if (req_is(rq, "GET", wp->verify_url)) {
		if (has_pending_login(rq->session))
			render_wait(rs, wp, rq->session, NULL);
		else
			resp_redirect(rs, wp->login_url);
	} else if (req_is(rq, "POST", wp->verify_url))
		verify_post(rq, rs, wp);
	else if (req_is(rq, "GET", poll))
		verify_poll(rq, rs);
	else if (req_is(rq, "GET", "/logout") || req_is(rq, "POST", "/logout")) {
		if (rq->session)
			session_destroy(rq->session);
		rq->session = NULL;
		resp_redirect(rs, wp->login_url);
	} else if (req_is(rq, "GET", "/password-dimenticata")) {
		page_begin(rs, wp->site, "Password dimenticata");
		page_menu(rs, NULL, 0);
		page_stub(rs, "Password dimenticata");
		page_end(rs);
	} else
		return 0;
	return 1;
}

struct session *weblogin_require(struct sim_request *rq, struct sim_response *rs, const struct web_portal *wp)
{
	struct session *s = rq->session;
	if (s && s->user && (s->is_account ? account_find(s->user) : mailbox_find(s->user)))
		return s;
	for (const char *const *g = wp->pages; g && *g; g++) {
		if (fnmatch(*g, rq->path, 0) == 0) {
			resp_redirect(rs, wp->login_url);
			return NULL;
		}
	}
	page_not_found(rs, wp->site);
	return NULL;
}
