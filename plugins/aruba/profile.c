/*
 * The holder profile on Area clienti PEC (seed
 * aruba-holder-profile-correction.txt), reached one of two ways:
 *  - with an Aruba account (args.aruba_account, secret "aruba_password"):
 *    /servizi → "Gestisci" on the PEC service → "Gestisci profili titolare"
 *    → the profile linked to this mailbox (or args.profile_id) → the pencil;
 *  - with the mailbox itself: /home (dl#profilo-titolare) → "Correggi i dati".
 * Both end on the same form; reading it is profile_get, filling it is
 * profile_update.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

static const struct aruba_page_spec *const profile_page = &aruba_pages[ARUBA_PAGE_PROFILE];
/* the form's fields (pages.c), in the order results list them */
#define profile_fields (profile_page->fields)
#define PROFILE_FIELDS_MAX 16

/* The profile form reached, with where it came from. */
struct profile_form {
	struct aruba_page page;
	char *profile_id;   /* NULL when reached with the mailbox's own login */
	struct aruba_identity who;  /* logged in as: the Aruba account or the mailbox */
};

/* An XPath with one string parameter (its one %s), evaluated on page;
 * caller frees. */
static char *page_text_with(const struct aruba_page *page, const char *fmt, const char *value)
{
	char *literal = aruba_xpath_literal(value), *expr = NULL, *text = NULL;

	if (literal && (expr = aruba_strdup_printf(fmt, literal)))
		text = aruba_page_text(page, expr);
	free(expr);
	free(literal);
	return text;
}

/* Follow a link found on the page (or report what was looked for). */
static int follow(struct pecctl_call *call, const struct aruba_identity *who,
		  struct aruba_page *page, char *href, const char *what, struct pecctl_error *err)
{
	char *url;
	int rc;

	if (!href)
		return aruba_portal_changed(err, page, what);
	url = aruba_resolve(aruba_page_url(page), href);
	free(href);
	if (!url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	rc = aruba_open(call, ARUBA_AREACLIENTI, who, url, page, err);
	free(url);
	return rc;
}

static int follow_link_text(struct pecctl_call *call, const struct aruba_identity *who,
			    struct aruba_page *page, const char *label, struct pecctl_error *err)
{
	char what[160];

	snprintf(what, sizeof(what), "the link \"%s\"", label);
	return follow(call, who, page,
		      page_text_with(page, "(//a[normalize-space()=%s])[1]/@href", label),
		      what, err);
}

/* The link in profile row `pid` whose URL contains `fragment` (the pencil:
 * "modifica", the arrow: "caselle"); caller frees; NULL when none. */
static char *profile_row_link(const struct aruba_page *profiles, const char *pid,
			      const char *fragment)
{
	char *pid_literal = aruba_xpath_literal(pid), *fragment_literal = aruba_xpath_literal(fragment);
	char *expr = NULL, *href = NULL;

	if (pid_literal && fragment_literal &&
	    (expr = aruba_strdup_printf("//tr[@data-profilo=%s]//a[contains(@href, %s)]/@href",
					pid_literal, fragment_literal)))
		href = aruba_page_text(profiles, expr);
	free(expr);
	free(pid_literal);
	free(fragment_literal);
	return href;
}

/* Does the profile's linked mailboxes page (the arrow) list the mailbox?
 * By an element naming it exactly, case aside. */
static int profile_links_mailbox(struct pecctl_call *call, const struct aruba_identity *who,
				 const struct aruba_page *profiles, const char *pid,
				 const char *address, int *linked, struct pecctl_error *err)
{
	struct aruba_page list = { 0 };
	char *href = profile_row_link(profiles, pid,
				      aruba_config(call, ARUBA_AREACLIENTI, "profile_mailboxes_link",
						   "caselle"));
	char *literal = NULL, *expr = NULL;
	int rc;

	*linked = 0;
	if (follow(call, who, &list, href, "the linked mailboxes link of a profile", err) != 0)
		rc = -1;
	else if (!(literal = aruba_xpath_literal(address)) ||
		 !(expr = aruba_strdup_printf("//*[" ARUBA_XPATH_LOWER("@data-casella") "=%s or "
					      ARUBA_XPATH_LOWER("normalize-space(text())") "=%s]",
					      literal, literal)))
		rc = aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	else {
		*linked = aruba_page_has(&list, expr);
		rc = 0;
	}
	free(literal);
	free(expr);
	aruba_page_release(&list);
	return rc;
}

/* On the profiles page: args.profile_id, or the one linking the mailbox. */
static int choose_profile(struct pecctl_call *call, const struct aruba_identity *who,
			  const struct aruba_page *profiles, const char *wanted, const char *address, char **chosen,
			  struct pecctl_error *err)
{
	cJSON *ids = aruba_page_strings(profiles, "//tr[@data-profilo]/@data-profilo"), *id;
	int linked = 0, rc = 0;

	*chosen = NULL;
	cJSON_ArrayForEach(id, ids) {
		if (!cJSON_IsString(id))
			continue;
		if (wanted)
			linked = strcmp(id->valuestring, wanted) == 0;
		else if ((rc = profile_links_mailbox(call, who, profiles, id->valuestring, address,
						     &linked, err)) != 0)
			break;
		if (linked) {
			*chosen = strdup(id->valuestring);
			break;
		}
	}
	cJSON_Delete(ids);
	if (rc != 0 || *chosen)
		return rc;
	aruba_fail(err, PECCTL_E_INVALID, "no holder profile %s %s (on %s)",
		   wanted ? "numbered" : "links", wanted ? wanted : address,
		   aruba_page_url(profiles));
	snprintf(err->field, sizeof(err->field), "%s", wanted ? "profile_id" : "aruba_account");
	return -1;
}

/* The services the account has: args.service_id, else each in turn. */
/* The profile of this mailbox from the Aruba account's services, or
 * args.service_id / args.profile_id. */
static int reach_with_aruba_account(struct pecctl_call *call, const cJSON *args,
				    struct profile_form *out, struct pecctl_error *err)
{
	const char *wanted_service = aruba_arg_string(args, "service_id");
	const char *wanted_profile = aruba_arg_string(args, "profile_id");
	const char *services_path = aruba_spec_path(call, &aruba_pages[ARUBA_PAGE_SERVICES]);
	const struct aruba_identity *who = &out->who;
	char *address = aruba_lowercase(aruba_host->account(call));
	cJSON *services = NULL, *sid;
	char *pid = NULL;
	int rc = -1;

	if (!address)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	if (aruba_open(call, ARUBA_AREACLIENTI, who, services_path, &out->page, err) != 0)
		goto out;
	services = aruba_page_strings(&out->page, "//tr[@data-servizio]/@data-servizio");
	if (cJSON_GetArraySize(services) == 0) {
		aruba_portal_changed(err, &out->page, "the services list (tr[data-servizio])");
		goto out;
	}
	cJSON_ArrayForEach(sid, services) {
		struct aruba_page list = { 0 };

		if (!cJSON_IsString(sid) || (wanted_service && strcmp(sid->valuestring, wanted_service)))
			continue;
		/* each service from the list page, which `out->page` may have left */
		if (aruba_open(call, ARUBA_AREACLIENTI, who, services_path, &list, err) != 0 ||
		    follow(call, who, &list,
			   page_text_with(&list, "(//tr[@data-servizio=%s]//a/@href)[1]", sid->valuestring),
			   "the \"Gestisci\" link of the service", err) != 0 ||
		    follow_link_text(call, who, &list,
				     aruba_config(call, ARUBA_AREACLIENTI, "profiles_link",
						  "Gestisci profili titolare"), err) != 0 ||
		    choose_profile(call, who, &list, wanted_profile, address, &pid, err) != 0) {
			aruba_page_release(&list);
			/* this service may not hold the mailbox: try the next */
			if (strcmp(err->code, PECCTL_E_INVALID) == 0 && !wanted_service) {
				memset(err, 0, sizeof(*err));
				continue;
			}
			goto out;
		}
		aruba_page_release(&out->page);
		out->page = list;
		break;
	}
	if (!pid) {
		if (!err->code[0])
			aruba_fail(err, PECCTL_E_INVALID, "no service of %s has a holder profile for %s",
				   who->user, address);
		goto out;
	}
	/* the pencil: the row's edit link */
	if (follow(call, who, &out->page,
		   profile_row_link(&out->page, pid,
				    aruba_config(call, ARUBA_AREACLIENTI, "profile_edit_row_link",
						 "modifica")),
		   "the edit link of the profile", err) != 0)
		goto out;
	out->profile_id = pid;
	pid = NULL;
	rc = 0;
out:
	free(pid);
	free(address);
	cJSON_Delete(services);
	return rc;
}

/* The mailbox's own profile: /home, then "Correggi i dati". */
static int reach_with_mailbox(struct pecctl_call *call, struct profile_form *out,
			      struct pecctl_error *err)
{
	if (aruba_open(call, ARUBA_AREACLIENTI, &out->who,
		       aruba_spec_path(call, &aruba_pages[ARUBA_PAGE_AREACLIENTI_HOME]), &out->page,
		       err) != 0)
		return -1;
	if (!aruba_page_has(&out->page, ARUBA_XPATH_HOLDER_PROFILE))
		return aruba_portal_changed(err, &out->page, "the holder profile (dl#profilo-titolare)");
	return follow_link_text(call, &out->who, &out->page, aruba_profile_edit_link(call), err);
}

const char *aruba_profile_edit_link(struct pecctl_call *call)
{
	return aruba_config(call, ARUBA_AREACLIENTI, "profile_edit_link", "Correggi i dati");
}

static int reach_profile_form(struct pecctl_call *call, const cJSON *args,
			      struct profile_form *out, struct pecctl_error *err)
{
	out->who.user = aruba_arg_string(args, "aruba_account");
	if (out->who.user) {
		out->who.password_arg = "aruba_password";
		return reach_with_aruba_account(call, args, out, err);
	}
	out->who.password_arg = NULL;  /* the mailbox itself */
	return reach_with_mailbox(call, out, err);
}

/* The form on the edit page: its action is the page itself. */
static const char *profile_form_id(struct pecctl_call *call)
{
	return aruba_spec_form_id(call, profile_page);
}

static void release_profile_form(struct profile_form *pf)
{
	aruba_page_release(&pf->page);
	free(pf->profile_id);
}

int aruba_op_profile_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
			 struct pecctl_error *err)
{
	struct profile_form pf = { { 0 }, NULL, { NULL, NULL } };
	struct pecctl_form *form;
	size_t i;
	int rc = -1;

	if (reach_profile_form(call, args, &pf, err) != 0)
		goto out;
	form = aruba_page_form(&pf.page, profile_page->what, aruba_page_url(&pf.page),
			       profile_form_id(call), err);
	if (!form)
		goto out;
	*result = cJSON_CreateObject();
	for (i = 0; profile_fields[i] && i < PROFILE_FIELDS_MAX; i++) {
		const char *value = aruba_host->form_get(form, aruba_field(call, ARUBA_AREACLIENTI,
									 profile_fields[i]));

		cJSON_AddStringToObject(*result, profile_fields[i], value ? value : "");
	}
	if (pf.profile_id)
		cJSON_AddStringToObject(*result, "profile_id", pf.profile_id);
	aruba_host->form_free(form);
	rc = 0;
out:
	release_profile_form(&pf);
	return rc;
}

/* Keeps only the fills whose value differs from what the form holds now,
 * so that running a correction twice posts nothing the second time.
 * Returns how many remain. */
static size_t drop_unchanged(struct pecctl_call *call, const struct aruba_page *page,
			     struct aruba_fill *fills, size_t n)
{
	struct pecctl_error ignored = { { 0 }, { 0 }, { 0 }, 0 };
	struct pecctl_form *form = aruba_page_form(page, "the holder profile form", NULL,
						   aruba_spec_form_id(call, profile_page), &ignored);
	size_t kept = 0;

	if (!form)
		return n;  /* aruba_submit will say what is missing */
	for (size_t i = 0; i < n; i++) {
		const char *now = aruba_host->form_get(form,
						       aruba_field(call, ARUBA_AREACLIENTI, fills[i].field));

		if (!now || strcmp(now, fills[i].value) != 0)
			fills[kept++] = fills[i];
	}
	aruba_host->form_free(form);
	return kept;
}

int aruba_op_profile_update(struct pecctl_call *call, const cJSON *args, cJSON **result,
			    struct pecctl_error *err)
{
	struct profile_form pf = { { 0 }, NULL, { NULL, NULL } };
	struct aruba_fill fills[PROFILE_FIELDS_MAX];
	size_t i, n = 0;
	char *message = NULL, *action = NULL;
	int rc = -1;

	for (i = 0; profile_fields[i] && i < PROFILE_FIELDS_MAX; i++) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(args, profile_fields[i]);

		if (!item)
			continue;
		if (!cJSON_IsString(item)) {
			aruba_fail(err, PECCTL_E_INVALID, "\"%s\" must be a string", profile_fields[i]);
			snprintf(err->field, sizeof(err->field), "%s", profile_fields[i]);
			return -1;
		}
		fills[n].field = profile_fields[i];
		fills[n].value = item->valuestring;
		fills[n].kind = ARUBA_FILL_TEXT;
		n++;
	}
	if (n == 0)
		return aruba_fail(err, PECCTL_E_INVALID, "no profile field to change (tipo, nome, "
				  "cognome, ragione_sociale, codice_fiscale, partita_iva, indirizzo, "
				  "cap, citta, provincia, nazione)");
	if (reach_profile_form(call, args, &pf, err) != 0)
		goto out;
	n = drop_unchanged(call, &pf.page, fills, n);
	if (n == 0) {
		*result = cJSON_CreateObject();
		cJSON_AddBoolToObject(*result, "changed", 0);
		cJSON_AddStringToObject(*result, "message", "the profile already holds these data");
		if (pf.profile_id)
			cJSON_AddStringToObject(*result, "profile_id", pf.profile_id);
		rc = 0;
		goto out;
	}
	if (!(action = strdup(aruba_page_url(&pf.page)))) {
		aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
		goto out;
	}
	{
		struct aruba_step step = aruba_spec_step(call, profile_page);

		step.action = action;
		step.who = &pf.who;
		step.fills = fills;
		step.n_fills = n;
		if (aruba_submit(call, &step, &pf.page, aruba_dry_run(args), result, err) != 0)
			goto out;
	}
	if (aruba_dry_run(args)) {
		rc = 0;
		goto out;
	}
	if (!(message = aruba_expect_success(&pf.page, "holder profile update", err)))
		goto out;
	aruba_log(call, PECCTL_LOG_INFO, "holder profile update: %s", message);
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "changed", 1);
	cJSON_AddStringToObject(*result, "message", message);
	if (pf.profile_id)
		cJSON_AddStringToObject(*result, "profile_id", pf.profile_id);
	rc = 0;
out:
	free(action);
	free(message);
	release_profile_form(&pf);
	return rc;
}
