/*
 * The one sequence behind every Aruba form: open the page, find the form
 * by meaning, fill it, then stop (dry_run) or POST it and read what the
 * portal answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

/* What a form is looked for by, as aruba_page.form_key holds it. */
static char *form_key(const char *action, const char *form_id)
{
	return aruba_strdup_printf("%s\n%s", action ? action : "", form_id ? form_id : "");
}

/* The form kept on the page by aruba_page_has_form, when it was looked
 * for by the same (taken: the caller fills and frees it); else NULL. */
static struct pecctl_form *take_kept_form(const struct aruba_page *page, const char *action,
					  const char *form_id)
{
	/* the kept form is a cache of the page, like its tree */
	struct aruba_page *p = (struct aruba_page *)page;
	struct pecctl_form *form = NULL;
	char *key;

	if (!p->form || !(key = form_key(action, form_id)))
		return NULL;
	if (strcmp(key, p->form_key) == 0) {
		form = p->form;
		p->form = NULL;
		free(p->form_key);
		p->form_key = NULL;
	}
	free(key);
	return form;
}

/* Action first (the most stable thing a form has), then id; with neither
 * the page's only form. */
static struct pecctl_form *find_form(const struct aruba_page *page, const char *action,
				     const char *form_id)
{
	struct pecctl_form *form = take_kept_form(page, action, form_id);

	if (form || !aruba_page_doc(page))
		return form;
	if (action)
		form = aruba_host->html_form(page->doc, action, NULL);
	if (!form && form_id)
		form = aruba_host->html_form(page->doc, NULL, form_id);
	if (!form && !action && !form_id)
		form = aruba_host->html_form(page->doc, NULL, NULL);
	return form;
}

int aruba_page_has_form(const struct aruba_page *page, const char *action, const char *form_id)
{
	struct aruba_page *p = (struct aruba_page *)page;
	struct pecctl_form *form;

	if (!action && !form_id)
		return 0;
	if (!(form = find_form(page, action, form_id)))
		return 0;
	if (p->form)
		aruba_host->form_free(p->form);
	free(p->form_key);
	p->form = form;
	if (!(p->form_key = form_key(action, form_id))) {
		aruba_host->form_free(p->form);
		p->form = NULL;
	}
	return 1;
}

static int form_missing(const char *what, const char *action, const char *form_id,
			const struct aruba_page *page, struct pecctl_error *err)
{
	char text[256];

	snprintf(text, sizeof(text), "the %s form (%s%s%s%s)", what,
		 action ? "action " : "", action ? action : "",
		 action && form_id ? ", id " : form_id ? "id " : "", form_id ? form_id : "");
	return aruba_portal_changed(err, page, text);
}

struct pecctl_form *aruba_page_form(const struct aruba_page *page, const char *what,
				    const char *action, const char *form_id,
				    struct pecctl_error *err)
{
	struct pecctl_form *form = find_form(page, action, form_id);

	if (!form && aruba_page_error(page, err) == 0)
		form_missing(what, action, form_id, page, err);
	return form;
}

/* The value a ticked box sends: its own value attribute, "on" without one
 * (the ABI has no form_check, so the page is read for it). */
static char *checkbox_on_value(const struct aruba_page *page, const char *name)
{
	char *literal = aruba_xpath_literal(name), *expr, *value = NULL;

	if (!literal)
		return NULL;
	expr = aruba_strdup_printf("(//input[@name=%s])[1]/@value", literal);
	if (expr)
		value = aruba_page_text(page, expr);
	free(expr);
	free(literal);
	return value ? value : strdup("on");
}

static int is_true(const char *v)
{
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0);
}

static int fill_form(struct pecctl_call *call, const struct aruba_step *step,
		     const struct aruba_page *page, struct pecctl_form *form, cJSON *shown,
		     struct pecctl_error *err)
{
	size_t i;

	for (i = 0; i < step->n_fills; i++) {
		const struct aruba_fill *fill = &step->fills[i];
		const char *name = aruba_field(call, step->site, fill->field);
		char *on_value = NULL;
		int rc;

		if (step->spec && !aruba_spec_has_field(step->spec, fill->field))
			return aruba_fail(err, PECCTL_E_INTERNAL, "%s: field \"%s\" is not among the "
					  "page's expected fields (pages.c)", step->what, fill->field);
		if (!fill->value)
			continue;
		if (fill->kind == ARUBA_FILL_CHECKBOX) {
			if (is_true(fill->value) && !(on_value = checkbox_on_value(page, name)))
				return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
			/* NULL sends nothing: a cleared box */
			rc = aruba_host->form_set(form, name, on_value, err);
			free(on_value);
		} else {
			rc = aruba_host->form_set(form, name, fill->value, err);
		}
		if (rc != 0) {
			/* the host says which field; add where */
			size_t used = strlen(err->message);

			snprintf(err->message + used, sizeof(err->message) - used, " (on %s)",
				 aruba_page_url(page));
			if (!err->code[0])
				pecctl_error_set(err, PECCTL_E_PORTAL_CHANGED, "a form field is missing");
			return -1;
		}
		if (!shown)
			continue;
		if (fill->kind == ARUBA_FILL_CHECKBOX)
			cJSON_AddBoolToObject(shown, name, is_true(fill->value));
		else
			cJSON_AddStringToObject(shown, name,
						fill->kind == ARUBA_FILL_SECRET ? "***" : fill->value);
	}
	return 0;
}

static cJSON *dry_run_result(const struct pecctl_form *form, cJSON *fields)
{
	cJSON *result = cJSON_CreateObject(), *would;

	cJSON_AddBoolToObject(result, "dry_run", 1);
	would = cJSON_AddObjectToObject(result, "would_submit");
	cJSON_AddStringToObject(would, "url", aruba_host->form_action(form));
	cJSON_AddItemToObject(would, "fields", fields);
	return result;
}

/* (Re)load the page holding the form: the step's path, or the URL of the
 * page we were given. */
static int load_form_page(struct pecctl_call *call, const struct aruba_step *step,
			  const char *given_url, struct aruba_page *page, struct pecctl_error *err)
{
	char *url;
	int rc;

	if (step->page && !step->anonymous)
		return aruba_open(call, step->site, step->who, step->page, page, err);
	url = step->page ? aruba_url(call, step->site, step->page) : strdup(given_url);
	if (!url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	rc = aruba_fetch(call, "GET", url, NULL, NULL, 0, page, err);
	free(url);
	return rc;
}

/* What to do after the portal answered a POST. */
enum answer {
	ANSWER_DONE,     /* the portal took it: read the page */
	ANSWER_RETRY,    /* the portal refused it before acting: reload and post again */
	ANSWER_FAILED    /* err says why */
};

/* Each reason to post again is allowed a bounded number of times. */
struct retries {
	int stale_form;
	int rate_limited;
	int login_again;
};

static enum answer read_answer(struct pecctl_call *call, const struct aruba_step *step,
			       const struct aruba_page *page, struct retries *used,
			       struct pecctl_error *err)
{
	if (page->status == 403 && !used->stale_form && aruba_page_says(page, "Sessione scaduta")) {
		/* a stale _token: the portal refused before doing anything */
		aruba_log(call, PECCTL_LOG_INFO, "%s: form expired, reloading it", step->what);
		used->stale_form = 1;
		return ANSWER_RETRY;
	}
	switch (aruba_rate_limit_pause(call, page, step->what, &used->rate_limited, err)) {
	case 1:
		return ANSWER_RETRY;
	case -1:
		return ANSWER_FAILED;
	default:
		break;
	}
	if (page->status >= 500) {
		aruba_fail(err, PECCTL_E_UNKNOWN_OUTCOME,
			   "%s answered %ld to the %s: whether it took effect is unknown",
			   aruba_page_url(page), page->status, step->what);
		err->http_status = page->status;
		return ANSWER_FAILED;
	}
	if (aruba_page_error(page, err) != 0)
		return ANSWER_FAILED;
	if (!step->anonymous && !used->login_again && aruba_is_login_page(call, step->site, page)) {
		/* the session ended before the POST arrived: it was bounced to
		 * the login page, not carried out */
		aruba_log(call, PECCTL_LOG_INFO, "%s: session ended, logging in again", step->what);
		used->login_again = 1;
		return aruba_relogin(call, step->site, err) == 0 ? ANSWER_RETRY : ANSWER_FAILED;
	}
	if (page->status >= 400) {
		aruba_fail(err, PECCTL_E_PORTAL, "%s answered %ld to the %s", aruba_page_url(page),
			   page->status, step->what);
		err->http_status = page->status;
		return ANSWER_FAILED;
	}
	return ANSWER_DONE;
}

int aruba_submit(struct pecctl_call *call, const struct aruba_step *step, struct aruba_page *page,
		 int dry_run, cJSON **dry_result, struct pecctl_error *err)
{
	struct retries used = { 0, 0, 0 };
	char *given_url = NULL;
	enum answer answer = ANSWER_FAILED;
	int attempt;

	if (!step->page) {
		if (!page->resp)
			return aruba_fail(err, PECCTL_E_INTERNAL, "%s: no page to submit from", step->what);
		given_url = strdup(aruba_page_url(page));
		if (!given_url)
			return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	}
	for (attempt = 0;; attempt++) {
		struct pecctl_form *form;
		struct pecctl_response *resp;
		cJSON *shown = NULL;
		int rc;

		answer = ANSWER_FAILED;
		if ((step->page || attempt > 0) &&
		    load_form_page(call, step, given_url, page, err) != 0)
			break;
		form = aruba_page_form(page, step->what, step->action, step->form_id, err);
		if (!form)
			break;
		if (dry_run)
			shown = cJSON_CreateObject();
		if (fill_form(call, step, page, form, shown, err) != 0) {
			cJSON_Delete(shown);
			aruba_host->form_free(form);
			break;
		}
		if (dry_run) {
			*dry_result = dry_run_result(form, shown);
			aruba_host->form_free(form);
			aruba_log(call, PECCTL_LOG_INFO, "%s: dry run, not submitted", step->what);
			answer = ANSWER_DONE;
			break;
		}
		aruba_log(call, PECCTL_LOG_DEBUG, "%s: POST %s", step->what,
			  aruba_host->form_action(form));
		aruba_page_release(page);
		rc = aruba_host->form_submit(call, form, &resp, err);
		aruba_host->form_free(form);
		/* a network error, unknown_outcome included, is never posted twice */
		if (rc != 0 || aruba_page_adopt(page, resp, err) != 0)
			break;
		answer = read_answer(call, step, page, &used, err);
		if (answer != ANSWER_RETRY)
			break;
	}
	free(given_url);
	return answer == ANSWER_DONE ? 0 : -1;
}
