/*
 * doctor: every page the operations depend on (pages.c) fetched and
 * checked against what the operations look for: the form by its action or
 * id, each field by its configured name, the elements and the portal's
 * wording. Nothing is posted but the logins (and only with a password):
 * the result is a list of checks, not a change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

struct doctor {
	struct pecctl_call *call;
	cJSON *checks;
	int with_account;                     /* a password to log in with */
	int login_tried[ARUBA_SITE_COUNT];
	int login_failed[ARUBA_SITE_COUNT];
	char *domain_link;                    /* a mailbox's link on the domain list */
	char *profile_link;                   /* "Correggi i dati" on the holder profile */
	char *twofa_state;                    /* "attiva" / "disattiva", as the page says */
};

/* One line of the report. code: NULL for "no longer matches", else the
 * error that kept the check from being made (network, auth...). */
static void add(struct doctor *d, enum aruba_site site, const char *page, const char *what,
		int ok, int skipped, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static void add(struct doctor *d, enum aruba_site site, const char *page, const char *what,
		int ok, int skipped, const char *code, const char *fmt, ...)
{
	cJSON *check = cJSON_CreateObject();
	char detail[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(check, "site", aruba_site_host(site));
	cJSON_AddStringToObject(check, "page", page ? page : "");
	cJSON_AddStringToObject(check, "what", what);
	cJSON_AddBoolToObject(check, "ok", ok);
	if (skipped)
		cJSON_AddBoolToObject(check, "skipped", 1);
	if (code)
		cJSON_AddStringToObject(check, "code", code);
	cJSON_AddStringToObject(check, "detail", detail);
	cJSON_AddItemToArray(d->checks, check);
}

/* A page or form the plugin could not use is the portal having changed;
 * anything else (network, credentials, a human) kept the check from
 * being made and keeps its code. */
static const char *failure_code(const struct pecctl_error *err)
{
	if (strcmp(err->code, PECCTL_E_PORTAL_CHANGED) == 0 || strcmp(err->code, PECCTL_E_PORTAL) == 0)
		return NULL;
	return err->code[0] ? err->code : PECCTL_E_INTERNAL;
}

/* The path part of a URL, for the report ("/cambio-password"). */
static const char *url_path(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return url;
	p = strchr(p + 3, '/');
	return p ? p : "/";
}

/* "text" shortened for a report line; buf holds the result. */
static const char *shorten(const char *text, char *buf, size_t cap)
{
	size_t len = strlen(text), keep = 56;

	if (len <= keep || cap < keep + 4)
		return text;
	/* cut on a character boundary, not inside a UTF-8 sequence */
	while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
		keep--;
	snprintf(buf, cap, "%.*s…", (int)keep, text);
	return buf;
}

/* The names of the fields the page's form has, for a failure's detail;
 * caller frees. */
static char *form_field_names(const struct aruba_page *page, const char *form_id)
{
	char *literal = form_id ? aruba_xpath_literal(form_id) : NULL, *expr, *out;
	cJSON *names, *name;
	size_t used = 0, cap = 512;

	expr = literal ? aruba_strdup_printf("//form[@id=%s]//*[@name]/@name", literal)
		       : strdup("//form//*[@name]/@name");
	free(literal);
	if (!expr)
		return NULL;
	names = aruba_page_strings(page, expr);
	free(expr);
	out = malloc(cap);
	if (out) {
		out[0] = '\0';
		cJSON_ArrayForEach(name, names) {
			if (cJSON_IsString(name) && used + strlen(name->valuestring) + 3 < cap)
				used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "",
							 name->valuestring);
		}
	}
	cJSON_Delete(names);
	return out;
}

static void check_elements(struct doctor *d, const struct aruba_page_spec *spec,
			   const struct aruba_page *page, const char *path)
{
	char what[160], buf[96];
	size_t i;

	for (i = 0; spec->elements && spec->elements[i].label; i++) {
		const struct aruba_element *el = &spec->elements[i];

		snprintf(what, sizeof(what), "element %s", el->label);
		if (aruba_page_has(page, el->xpath))
			add(d, spec->site, path, what, 1, 0, NULL, "found");
		else if (spec->text_instead && aruba_page_says(page, spec->text_instead))
			add(d, spec->site, path, what, 1, 0, NULL,
			    "not shown, and the page says why instead: \"%s\"",
			    shorten(spec->text_instead, buf, sizeof(buf)));
		else
			add(d, spec->site, path, what, 0, 0, NULL, "not found on %s (looked for %s)",
			    aruba_page_url(page), el->xpath);
	}
}

/* The page's wording, and each known portal message it contains: a
 * message the portal rewrote would no longer be recognised. */
static void check_text(struct doctor *d, const struct aruba_page_spec *spec,
		       const struct aruba_page *page, const char *path)
{
	char what[200], buf[96];
	const char *message;
	size_t i;

	if (!spec->text)
		return;
	snprintf(what, sizeof(what), "text \"%s\"", shorten(spec->text, buf, sizeof(buf)));
	if (aruba_page_says(page, spec->text))
		add(d, spec->site, path, what, 1, 0, NULL, "shown");
	else
		add(d, spec->site, path, what, 0, 0, NULL,
		    "the page no longer shows \"%s\": the portal rewrote it", spec->text);
	for (i = 0; (message = aruba_known_message(i)); i++) {
		if (!strstr(spec->text, message))
			continue;
		snprintf(what, sizeof(what), "message \"%s\"", message);
		if (aruba_page_says(page, message))
			add(d, spec->site, path, what, 1, 0, NULL, "worded as the plugin knows it");
		else
			add(d, spec->site, path, what, 0, 0, NULL,
			    "no longer on the page: the portal rewrote it, and a refusal in the new "
			    "words would be reported as a plain portal error");
	}
}

static void check_form(struct doctor *d, const struct aruba_page_spec *spec,
		       const struct aruba_page *page, const char *path, const char *action)
{
	const char *form_id = aruba_spec_form_id(d->call, spec);
	struct pecctl_error err = { 0 };
	struct pecctl_form *form;
	char label[200], what[300];
	size_t i;

	if (form_id)
		snprintf(label, sizeof(label), "form#%s", form_id);
	else
		snprintf(label, sizeof(label), "form[action=%s]", action ? url_path(action) : "?");
	if (spec == &aruba_pages[ARUBA_PAGE_TWOFA] &&
	    !(d->twofa_state && strcmp(d->twofa_state, "attiva") == 0)) {
		add(d, spec->site, path, label, 1, 1, NULL,
		    "skipped: two-step verification is off, so the page has no Disattiva form");
		return;
	}
	form = aruba_page_form(page, spec->what, action, form_id, &err);
	if (!form) {
		add(d, spec->site, path, label, 0, 0, failure_code(&err), "%s", err.message);
		return;
	}
	add(d, spec->site, path, label, 1, 0, NULL, "found (action %s)",
	    url_path(aruba_host->form_action(form)));
	for (i = 0; spec->fields && spec->fields[i]; i++) {
		const char *name = aruba_field(d->call, spec->site, spec->fields[i]);

		snprintf(what, sizeof(what), "%s field %s", label, name);
		memset(&err, 0, sizeof(err));
		/* setting nothing checks the field the way an operation fills it */
		if (aruba_host->form_set(form, name, NULL, &err) == 0) {
			add(d, spec->site, path, what, 1, 0, NULL, "present");
		} else {
			char *names = form_field_names(page, form_id);

			add(d, spec->site, path, what, 0, 0, NULL,
			    "no field \"%s\" in %s on %s; its fields: %s%s%s%s", name, label,
			    aruba_page_url(page), names ? names : "?",
			    strcmp(name, spec->fields[i]) ? " (the name comes from aruba." : "",
			    strcmp(name, spec->fields[i]) ? aruba_site_key(spec->site) : "",
			    strcmp(name, spec->fields[i]) ? ".field.*)" : "");
			free(names);
		}
	}
	aruba_host->form_free(form);
}

static void check_page(struct doctor *d, const struct aruba_page_spec *spec,
		       const struct aruba_page *page, const char *path, const char *action)
{
	check_elements(d, spec, page, path);
	if (spec->fields || spec->action_key)
		check_form(d, spec, page, path, action);
	check_text(d, spec, page, path);
}

/* Log in on site once, as a check of its own; 0 when logged in. */
static int ensure_site(struct doctor *d, enum aruba_site site)
{
	const struct aruba_page_spec *login = aruba_login_spec(site);
	struct pecctl_error err = { 0 };
	char what[400];

	if (d->login_tried[site])
		return d->login_failed[site] ? -1 : 0;
	d->login_tried[site] = 1;
	snprintf(what, sizeof(what), "login as %s", aruba_host->account(d->call));
	if (aruba_ensure_login(d->call, site, &err) != 0) {
		d->login_failed[site] = 1;
		add(d, site, login ? url_path(aruba_spec_action(d->call, login))
				   : aruba_config(d->call, site, "login_api", ARUBA_WEBMAIL_LOGIN_API),
		    what, 0, 0, failure_code(&err), "%s", err.message);
		return -1;
	}
	add(d, site, login ? url_path(aruba_spec_action(d->call, login))
			   : aruba_config(d->call, site, "login_api", ARUBA_WEBMAIL_LOGIN_API),
	    what, 1, 0, NULL, "logged in%s",
	    aruba_login_used_push(d->call, site) ? " (approved in the Aruba PEC app)" : "");
	return 0;
}

/* What later pages need from this one: links to follow, the two-step state. */
static void remember(struct doctor *d, const struct aruba_page_spec *spec,
		     const struct aruba_page *page)
{
	char *href = NULL, *literal, what[200];

	if (spec == &aruba_pages[ARUBA_PAGE_DOMAIN_LIST]) {
		href = aruba_page_text(page, "(//tr[@data-casella]//a/@href)[1]");
		free(d->domain_link);
		d->domain_link = href ? aruba_resolve(aruba_page_url(page), href) : NULL;
	} else if (spec == &aruba_pages[ARUBA_PAGE_AREACLIENTI_HOME]) {
		literal = aruba_xpath_literal(aruba_profile_edit_link(d->call));
		char *expr = literal ? aruba_strdup_printf("(//a[normalize-space()=%s])[1]/@href",
							   literal) : NULL;

		href = expr ? aruba_page_text(page, expr) : NULL;
		free(expr);
		free(literal);
		free(d->profile_link);
		d->profile_link = href ? aruba_resolve(aruba_page_url(page), href) : NULL;
		snprintf(what, sizeof(what), "link \"%s\"", aruba_profile_edit_link(d->call));
		if (href)
			add(d, spec->site, aruba_spec_path(d->call, spec), what, 1, 0, NULL, "found");
		else
			add(d, spec->site, aruba_spec_path(d->call, spec), what, 0, 0, NULL,
			    "not found on %s", aruba_page_url(page));
	} else if (spec == &aruba_pages[ARUBA_PAGE_TWOFA]) {
		free(d->twofa_state);
		d->twofa_state = aruba_page_text(page, ARUBA_XPATH_TWOFA_STATE);
	}
	free(href);
}

/* A login page, fetched before logging in. */
static void visit_anonymous(struct doctor *d, const struct aruba_page_spec *spec)
{
	const char *path = aruba_spec_path(d->call, spec);
	char *url = aruba_url(d->call, spec->site, path);
	struct aruba_page page = { 0 };
	struct pecctl_error err = { 0 };

	if (!url || aruba_fetch(d->call, "GET", url, NULL, NULL, 0, &page, &err) != 0) {
		if (!url)
			pecctl_error_set(&err, PECCTL_E_INTERNAL, "out of memory");
		add(d, spec->site, path, "page", 0, 0, failure_code(&err), "%s", err.message);
	} else if (page.status >= 400) {
		add(d, spec->site, path, "page", 0, 0, NULL, "%s answered %ld", url, page.status);
	} else {
		check_page(d, spec, &page, path, aruba_spec_action(d->call, spec));
	}
	aruba_page_release(&page);
	free(url);
}

/* A page behind the login, by its path or by a link found earlier. */
static void visit(struct doctor *d, const struct aruba_page_spec *spec, const char *link)
{
	const char *path = link ? url_path(link) : aruba_spec_path(d->call, spec);
	struct aruba_page page = { 0 };
	struct pecctl_error err = { 0 };

	if (ensure_site(d, spec->site) != 0) {
		add(d, spec->site, path ? path : "", "page", 1, 1, NULL,
		    "skipped: the login to %s failed", aruba_site_host(spec->site));
		return;
	}
	if (aruba_open(d->call, spec->site, NULL, link ? link : path, &page, &err) != 0) {
		add(d, spec->site, path, "page", 0, 0, failure_code(&err), "%s", err.message);
	} else {
		remember(d, spec, &page);
		/* a form reached by a link posts to its own page */
		check_page(d, spec, &page, path,
			   link ? aruba_page_url(&page) : aruba_spec_action(d->call, spec));
	}
	aruba_page_release(&page);
}

static void skip(struct doctor *d, const struct aruba_page_spec *spec, const char *why)
{
	const char *path = spec->path_key ? aruba_spec_path(d->call, spec) : NULL;

	/* a page without a path of its own is named by how it is reached */
	if (!path)
		path = spec->reach == ARUBA_REACH_POST ? "(after a post)" : "(a link)";
	add(d, spec->site, path, spec->what, 1, 1, NULL, "skipped: %s", why);
}

/* The webmail: a JSON login, and the settings holding the link into
 * Gestione account (the way two-step is turned off). */
static void visit_webmail(struct doctor *d)
{
	const char *settings = aruba_config(d->call, ARUBA_WEBMAIL, "settings_api",
					    ARUBA_WEBMAIL_SETTINGS_API);
	const char *what = "json " ARUBA_JSON_SETTINGS_ACCOUNT "." ARUBA_JSON_SETTINGS_SSO_LINK;
	struct pecctl_error err = { 0 };
	const cJSON *account, *link;
	cJSON *json = NULL;

	if (!d->with_account) {
		add(d, ARUBA_WEBMAIL, aruba_config(d->call, ARUBA_WEBMAIL, "login_api",
						   ARUBA_WEBMAIL_LOGIN_API),
		    "login", 1, 1, NULL, "skipped: needs --account");
		add(d, ARUBA_WEBMAIL, settings, what, 1, 1, NULL, "skipped: needs --account");
		return;
	}
	if (ensure_site(d, ARUBA_WEBMAIL) != 0) {
		add(d, ARUBA_WEBMAIL, settings, what, 1, 1, NULL, "skipped: the login failed");
		return;
	}
	if (aruba_webmail_get(d->call, settings, &json, &err) != 0) {
		add(d, ARUBA_WEBMAIL, settings, what, 0, 0, failure_code(&err), "%s", err.message);
		return;
	}
	account = cJSON_GetObjectItemCaseSensitive(json, ARUBA_JSON_SETTINGS_ACCOUNT);
	link = cJSON_GetObjectItemCaseSensitive(account, ARUBA_JSON_SETTINGS_SSO_LINK);
	if (cJSON_IsString(link) && strncmp(link->valuestring, "https://", 8) == 0)
		add(d, ARUBA_WEBMAIL, settings, what, 1, 0, NULL, "an https link");
	else
		add(d, ARUBA_WEBMAIL, settings, what, 0, 0, NULL, "%s", !cJSON_IsObject(account)
		    ? "the settings have no \"" ARUBA_JSON_SETTINGS_ACCOUNT "\" object"
		    : "no https link under \"" ARUBA_JSON_SETTINGS_SSO_LINK "\"");
	cJSON_Delete(json);
}

static void visit_spec(struct doctor *d, const struct aruba_page_spec *spec)
{
	switch (spec->reach) {
	case ARUBA_REACH_ANONYMOUS:
		break;  /* done first, before any login */
	case ARUBA_REACH_GET:
	case ARUBA_REACH_LINK:
		if (!d->with_account)
			skip(d, spec, "needs --account (the page is behind the login)");
		else if (spec->postmaster_only && !aruba_is_postmaster(aruba_host->account(d->call)))
			skip(d, spec, "only a postmaster@ account sees it");
		else if (spec->reach == ARUBA_REACH_GET)
			visit(d, spec, NULL);
		else if (spec == &aruba_pages[ARUBA_PAGE_DOMAIN_PASSWORD] && d->domain_link)
			visit(d, spec, d->domain_link);
		else if (spec == &aruba_pages[ARUBA_PAGE_PROFILE] && d->profile_link)
			visit(d, spec, d->profile_link);
		else
			skip(d, spec, "the link leading there was not found (see above)");
		break;
	case ARUBA_REACH_POST:
	case ARUBA_REACH_OTHER_LOGIN:
		skip(d, spec, spec->reached_how);
		break;
	}
}

int aruba_op_doctor(struct pecctl_call *call, const cJSON *args, cJSON **result,
		    struct pecctl_error *err)
{
	struct doctor d;
	size_t i;
	int site;

	(void)args;
	(void)err;
	memset(&d, 0, sizeof(d));
	d.call = call;
	d.checks = cJSON_CreateArray();
	d.with_account = aruba_host->secret_arg(call, "password") != NULL;
	/* login pages first: logged in, a portal sends them home */
	for (i = 0; i < ARUBA_PAGE_COUNT; i++)
		if (aruba_pages[i].reach == ARUBA_REACH_ANONYMOUS)
			visit_anonymous(&d, &aruba_pages[i]);
	/* then site by site, so each logs in once */
	for (site = 0; site < ARUBA_SITE_COUNT; site++) {
		if (site == ARUBA_WEBMAIL) {
			visit_webmail(&d);
			continue;
		}
		for (i = 0; i < ARUBA_PAGE_COUNT; i++)
			if ((int)aruba_pages[i].site == site)
				visit_spec(&d, &aruba_pages[i]);
	}
	free(d.domain_link);
	free(d.profile_link);
	free(d.twofa_state);
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "checks", d.checks);
	return 0;
}
