/*
 * Mailbox passwords: the mailbox's own (GestioneMail "Cambio Password",
 * seed aruba-password-change.txt, or Gestione account "Password"), and a
 * PEC-on-own-domain mailbox's set by its postmaster (guides index 3.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aruba.h"

/* Ask for the "repeat" field to differ only when the caller wants to see
 * the portal's mismatch message; normally it is the new password again. */
static const char *repeat_password(struct pecctl_call *call, const char *fresh)
{
	const char *repeat = aruba_host->secret_arg(call, "repeat_password");

	return repeat ? repeat : fresh;
}

static cJSON *changed_result(enum aruba_site site, const char *message)
{
	cJSON *result = cJSON_CreateObject();

	cJSON_AddBoolToObject(result, "changed", 1);
	cJSON_AddStringToObject(result, "site", aruba_site_host(site));
	cJSON_AddStringToObject(result, "message", message);
	return result;
}

/* Submit a password form and read its confirmation: both operations end
 * the same way. */
static int submit_password_form(struct pecctl_call *call, const struct aruba_step *step,
				const cJSON *args, cJSON **result, struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	char *message;
	int rc = -1;

	if (aruba_submit(call, step, &page, aruba_dry_run(args), result, err) != 0)
		goto out;
	if (aruba_dry_run(args)) {
		rc = 0;
		goto out;
	}
	message = aruba_expect_success(&page, step->what, err);
	if (!message)
		goto out;
	aruba_log(call, PECCTL_LOG_INFO, "%s: %s", step->what, message);
	*result = changed_result(step->site, message);
	free(message);
	rc = 0;
out:
	aruba_page_release(&page);
	return rc;
}

int aruba_op_change_password(struct pecctl_call *call, const cJSON *args, cJSON **result,
			     struct pecctl_error *err)
{
	const char *via = aruba_arg_string(args, "via");
	enum aruba_site site = ARUBA_GESTIONEMAIL;
	const char *current, *fresh;
	int rc;

	if (via && strcmp(via, "account") == 0)
		site = ARUBA_ACCOUNT;
	else if (via && strcmp(via, "gestionemail") != 0) {
		aruba_fail(err, PECCTL_E_INVALID, "via must be \"gestionemail\" or \"account\", not \"%.60s\"",
			   via);
		snprintf(err->field, sizeof(err->field), "via");
		return -1;
	}
	if (!(current = aruba_require_secret(call, "password", err)) ||
	    !(fresh = aruba_require_secret(call, "new_password", err)))
		return -1;
	{
		const struct aruba_fill fills[] = {
			{ "password_attuale", current, ARUBA_FILL_SECRET },
			{ "nuova_password", fresh, ARUBA_FILL_SECRET },
			{ "ripeti_password", repeat_password(call, fresh), ARUBA_FILL_SECRET },
		};
		struct aruba_step step = aruba_spec_step(call, &aruba_pages[
			site == ARUBA_ACCOUNT ? ARUBA_PAGE_ACCOUNT_PASSWORD : ARUBA_PAGE_GESTIONEMAIL_PASSWORD]);

		step.fills = fills;
		step.n_fills = sizeof(fills) / sizeof(fills[0]);
		rc = submit_password_form(call, &step, args, result, err);
	}
	/* the portal ends the mailbox's other sessions on every site */
	if (rc == 0 && !aruba_dry_run(args))
		aruba_forget_other_logins(call, site);
	return rc;
}

/* The part of an address after '@' ("" when there is none). */
static const char *domain_of(const char *address)
{
	const char *at = strrchr(address, '@');

	return at ? at + 1 : "";
}

/* The mailbox's row in "Caselle del dominio" links to its password page:
 * follow the link rather than guess the URL. */
static char *domain_password_url(struct pecctl_call *call, const struct aruba_identity *postmaster,
				 const char *target, struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	char *literal = aruba_xpath_literal(target), *expr = NULL, *href = NULL, *url = NULL;

	if (!literal)
		goto oom;
	expr = aruba_strdup_printf("//tr[" ARUBA_XPATH_LOWER("@data-casella") "=%s]//a/@href",
				   literal);
	if (!expr)
		goto oom;
	if (aruba_open(call, ARUBA_GESTIONEMAIL, postmaster,
		       aruba_spec_path(call, &aruba_pages[ARUBA_PAGE_DOMAIN_LIST]), &page, err) != 0)
		goto out;
	if (!aruba_page_has(&page, ARUBA_XPATH_DOMAIN_LIST)) {
		aruba_portal_changed(err, &page, "the domain mailbox list (tr[data-casella])");
		goto out;
	}
	href = aruba_page_text(&page, expr);
	if (!href) {
		aruba_fail(err, PECCTL_E_INVALID, "%s is not among the mailboxes of the domain (%s)",
			   target, aruba_page_url(&page));
		snprintf(err->field, sizeof(err->field), "address");
		goto out;
	}
	url = aruba_resolve(aruba_page_url(&page), href);
	if (!url)
		goto oom;
	goto out;
oom:
	aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
out:
	free(literal);
	free(expr);
	free(href);
	aruba_page_release(&page);
	return url;
}

/*
 * The call's mailbox is either the postmaster (args.address names the
 * mailbox to change) or the mailbox itself (args.postmaster, default
 * postmaster@<domain>, logs in with secret "postmaster_password").
 */
int aruba_op_domain_password_set(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err)
{
	const char *account = aruba_host->account(call);
	const char *address = aruba_arg_string(args, "address");
	struct aruba_identity postmaster = { NULL, NULL };
	char default_postmaster[320];
	const char *fresh;
	char *target = NULL, *url = NULL;
	int rc = -1;

	if (aruba_is_postmaster(account)) {
		if (!address) {
			aruba_fail(err, PECCTL_E_INVALID,
				   "\"address\" (the mailbox whose password to set) is required");
			snprintf(err->field, sizeof(err->field), "address");
			return -1;
		}
	} else {
		snprintf(default_postmaster, sizeof(default_postmaster), "postmaster@%s",
			 domain_of(account));
		postmaster.user = aruba_arg_string(args, "postmaster");
		if (!postmaster.user)
			postmaster.user = default_postmaster;
		postmaster.password_arg = "postmaster_password";
		if (!address)
			address = account;
	}
	if (strcasecmp(domain_of(address), domain_of(postmaster.user ? postmaster.user : account))) {
		aruba_fail(err, PECCTL_E_INVALID, "%s is not in the postmaster's domain", address);
		snprintf(err->field, sizeof(err->field), "address");
		return -1;
	}
	if (!(fresh = aruba_require_secret(call, "new_password", err)))
		return -1;
	if (!(target = aruba_lowercase(address)))
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	if (!(url = domain_password_url(call, &postmaster, target, err)))
		goto out;
	{
		const struct aruba_fill fills[] = {
			{ "nuova_password", fresh, ARUBA_FILL_SECRET },
			{ "ripeti_password", repeat_password(call, fresh), ARUBA_FILL_SECRET },
		};
		struct aruba_step step = aruba_spec_step(call, &aruba_pages[ARUBA_PAGE_DOMAIN_PASSWORD]);

		/* the mailbox's link leads to the form, which posts to itself */
		step.page = url;
		step.action = url;
		step.who = &postmaster;
		step.fills = fills;
		step.n_fills = sizeof(fills) / sizeof(fills[0]);
		rc = submit_password_form(call, &step, args, result, err);
	}
	if (rc == 0 && !aruba_dry_run(args)) {
		cJSON_AddStringToObject(*result, "address", target);
		/* a new password for the mailbox ends its own sessions */
		if (!aruba_is_postmaster(account))
			aruba_forget_other_logins(call, ARUBA_GESTIONEMAIL);
	}
out:
	free(target);
	free(url);
	return rc;
}
