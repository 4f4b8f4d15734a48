/*
 * "Scadenza password" on Gestione account (guides index 3.3): whether the
 * password expires, after how many days, how many days of notice, and
 * whether the notice also goes by email.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

static const struct aruba_page_spec *const expiry_page = &aruba_pages[ARUBA_PAGE_EXPIRY];

/* A number field of the form, -1 (and portal_changed) when absent. */
static int form_number(struct pecctl_call *call, const struct aruba_page *page,
		       const struct pecctl_form *form, const char *name, long *out,
		       struct pecctl_error *err)
{
	const char *field = aruba_field(call, ARUBA_ACCOUNT, name);
	const char *text = aruba_host->form_get(form, field);
	char *end;
	char what[96];

	if (text) {
		*out = strtol(text, &end, 10);
		if (end != text)
			return 0;
	}
	snprintf(what, sizeof(what), "a number in field \"%s\" of the password expiry form", field);
	return aruba_portal_changed(err, page, what);
}

/* The settings as the form shows them. */
static int read_expiry(struct pecctl_call *call, const struct aruba_page *page, cJSON **result,
		       struct pecctl_error *err)
{
	struct pecctl_form *form = aruba_page_form(page, expiry_page->what,
						   aruba_spec_action(call, expiry_page),
						   aruba_spec_form_id(call, expiry_page), err);
	long days, notice;
	int rc = -1;

	if (!form)
		return -1;
	if (form_number(call, page, form, "giorni", &days, err) == 0 &&
	    form_number(call, page, form, "preavviso", &notice, err) == 0) {
		/* a box sends a value only when ticked */
		*result = cJSON_CreateObject();
		cJSON_AddBoolToObject(*result, "enabled",
				      aruba_host->form_get(form, aruba_field(call, ARUBA_ACCOUNT, "attiva")) != NULL);
		cJSON_AddNumberToObject(*result, "days", (double)days);
		cJSON_AddNumberToObject(*result, "notice_days", (double)notice);
		cJSON_AddBoolToObject(*result, "notify_email",
				      aruba_host->form_get(form, aruba_field(call, ARUBA_ACCOUNT,
									     "notifica_email")) != NULL);
		rc = 0;
	}
	aruba_host->form_free(form);
	return rc;
}

int aruba_op_password_expiry_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	int rc;

	(void)args;
	rc = aruba_open(call, ARUBA_ACCOUNT, NULL, aruba_spec_path(call, expiry_page), &page, err);
	if (rc == 0)
		rc = read_expiry(call, &page, result, err);
	aruba_page_release(&page);
	return rc;
}

/* args.<name>: a whole number into buf ("" when absent); -1 and err when
 * it is something else. */
static int number_arg(const cJSON *args, const char *name, char *buf, size_t cap,
		      struct pecctl_error *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(args, name);

	buf[0] = '\0';
	if (!item)
		return 0;
	if (!cJSON_IsNumber(item) || item->valuedouble != (double)(long)item->valuedouble) {
		aruba_fail(err, PECCTL_E_INVALID, "\"%s\" must be a whole number of days", name);
		snprintf(err->field, sizeof(err->field), "%s", name);
		return -1;
	}
	snprintf(buf, cap, "%ld", (long)item->valuedouble);
	return 0;
}

/* args.<name>: "1", "0" or NULL when absent; -1 and err when not a boolean. */
static int bool_arg(const cJSON *args, const char *name, const char **out,
		    struct pecctl_error *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(args, name);

	*out = NULL;
	if (!item)
		return 0;
	if (!cJSON_IsBool(item)) {
		aruba_fail(err, PECCTL_E_INVALID, "\"%s\" must be true or false", name);
		snprintf(err->field, sizeof(err->field), "%s", name);
		return -1;
	}
	*out = cJSON_IsTrue(item) ? "1" : "0";
	return 0;
}

int aruba_op_password_expiry_set(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	char days[24], notice[24], *message = NULL;
	const char *enabled, *notify;
	int rc = -1;

	if (bool_arg(args, "enabled", &enabled, err) != 0 ||
	    bool_arg(args, "notify_email", &notify, err) != 0 ||
	    number_arg(args, "days", days, sizeof(days), err) != 0 ||
	    number_arg(args, "notice_days", notice, sizeof(notice), err) != 0)
		return -1;
	{
		const struct aruba_fill fills[] = {
			{ "attiva", enabled, ARUBA_FILL_CHECKBOX },
			{ "giorni", days[0] ? days : NULL, ARUBA_FILL_TEXT },
			{ "preavviso", notice[0] ? notice : NULL, ARUBA_FILL_TEXT },
			{ "notifica_email", notify, ARUBA_FILL_CHECKBOX },
		};
		struct aruba_step step = aruba_spec_step(call, expiry_page);

		step.fills = fills;
		step.n_fills = sizeof(fills) / sizeof(fills[0]);
		if (aruba_submit(call, &step, &page, aruba_dry_run(args), result, err) != 0)
			goto out;
	}
	if (aruba_dry_run(args)) {
		rc = 0;
		goto out;
	}
	if (!(message = aruba_expect_success(&page, "password expiry", err)))
		goto out;
	/* the portal comes back to the form: report what it now holds */
	if (read_expiry(call, &page, result, err) != 0)
		*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "changed", 1);
	cJSON_AddStringToObject(*result, "message", message);
	aruba_log(call, PECCTL_LOG_INFO, "password expiry: %s", message);
	rc = 0;
out:
	free(message);
	aruba_page_release(&page);
	return rc;
}
