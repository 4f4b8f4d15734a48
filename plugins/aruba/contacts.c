/*
 * The reference email and mobile of the PEC account on Gestione account
 * (seed aruba-contacts-change.txt): shown on /pec/home, changed on
 * /pec/contatti, confirmed with a code sent to each new contact.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"


struct contact {
	const char *id;       /* element id on /pec/home */
	const char *key;      /* result key */
};

static const struct contact contacts[] = {
	{ ARUBA_ID_CONTACT_EMAIL, "email" },
	{ ARUBA_ID_CONTACT_MOBILE, "mobile" },
};

/* The contact's value: its "valore" part when the line has one (the line
 * also holds a label and the verification state), else all its text. */
static char *contact_value(const struct aruba_page *page, const char *id)
{
	char expr[256];
	char *value;

	snprintf(expr, sizeof(expr),
		 "//*[@id='%s']//*[@class[contains(., 'valore') and "
		 "contains(concat(' ', normalize-space(.), ' '), ' valore ')]]", id);
	value = aruba_page_text(page, expr);
	if (value)
		return value;
	snprintf(expr, sizeof(expr), "//*[@id='%s']", id);
	return aruba_page_text(page, expr);
}

static int read_contacts(const struct aruba_page *page, cJSON **result, struct pecctl_error *err)
{
	size_t i;

	*result = cJSON_CreateObject();
	for (i = 0; i < sizeof(contacts) / sizeof(contacts[0]); i++) {
		char expr[160], flag[64], *value, *verified;

		snprintf(expr, sizeof(expr), "//*[@id='%s']/@data-verificato", contacts[i].id);
		verified = aruba_page_text(page, expr);
		value = contact_value(page, contacts[i].id);
		if (!verified || !value) {
			free(verified);
			free(value);
			cJSON_Delete(*result);
			*result = NULL;
			snprintf(expr, sizeof(expr), "#%s[data-verificato]", contacts[i].id);
			return aruba_portal_changed(err, page, expr);
		}
		cJSON_AddStringToObject(*result, contacts[i].key, value);
		snprintf(flag, sizeof(flag), "%s_verified", contacts[i].key);
		cJSON_AddBoolToObject(*result, flag, strcmp(verified, "true") == 0);
		free(verified);
		free(value);
	}
	cJSON_AddBoolToObject(*result, "unverified_banner",
			      aruba_page_says(page, "Non hai ancora verificato l'indirizzo email"));
	return 0;
}

int aruba_op_contacts_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
			  struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	int rc;

	(void)args;
	rc = aruba_open(call, ARUBA_ACCOUNT, NULL,
			aruba_spec_path(call, &aruba_pages[ARUBA_PAGE_ACCOUNT_HOME]), &page, err);
	if (rc == 0)
		rc = read_contacts(&page, result, err);
	aruba_page_release(&page);
	return rc;
}

/* "+39…" as the portal wants it: spaces, dots and dashes dropped, the
 * Italian prefix added to a bare national number. NULL when it is not a
 * phone number. Caller frees. */
static char *normalise_mobile(const char *mobile)
{
	size_t len = strlen(mobile), i, n = 0;
	char *out = malloc(len + 4);

	if (!out)
		return NULL;
	if (mobile[0] != '+') {
		memcpy(out, "+39", 3);
		n = 3;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)mobile[i];

		if (c == ' ' || c == '.' || c == '-')
			continue;
		if (!(isdigit(c) || (c == '+' && i == 0))) {
			free(out);
			return NULL;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n < 8) {
		free(out);
		return NULL;
	}
	return out;
}

static int verify_codes(struct pecctl_call *call, struct aruba_page *page, const char *email,
			const char *mobile, struct pecctl_error *err)
{
	const struct aruba_page_spec *spec = &aruba_pages[ARUBA_PAGE_CONTACTS_VERIFY];
	const char *code_email_field = aruba_field(call, ARUBA_ACCOUNT, "codice_email");
	const char *code_sms_field = aruba_field(call, ARUBA_ACCOUNT, "codice_sms");
	const char *action = aruba_spec_action(call, spec);
	const char *form_id = aruba_spec_form_id(call, spec);
	char email_code[ARUBA_CODE_MAX], sms_code[ARUBA_CODE_MAX], label[320];
	int attempt;

	for (attempt = 1; attempt <= ARUBA_CODE_ATTEMPTS; attempt++) {
		struct pecctl_form *form = aruba_page_form(page, "contact verification", action,
							   form_id, err);
		int wants_email, wants_sms, rc;

		if (!form)
			return -1;
		/* ask only for the codes the form has a field for */
		wants_email = aruba_host->form_get(form, code_email_field) != NULL;
		wants_sms = aruba_host->form_get(form, code_sms_field) != NULL;
		aruba_host->form_free(form);
		if (!wants_email && !wants_sms)
			return aruba_portal_changed(err, page, "the verification code fields");
		email_code[0] = sms_code[0] = '\0';
		if (wants_email) {
			snprintf(label, sizeof(label), "codice inviato all'email %s",
				 email ? email : "di riferimento");
			if (aruba_host->prompt_code(call, label, email_code, sizeof(email_code), err))
				return -1;
		}
		if (wants_sms) {
			snprintf(label, sizeof(label), "codice SMS inviato al %s",
				 mobile ? mobile : "cellulare di riferimento");
			if (aruba_host->prompt_code(call, label, sms_code, sizeof(sms_code), err))
				return -1;
		}
		{
			const struct aruba_fill fills[] = {
				{ "codice_email", wants_email ? email_code : NULL, ARUBA_FILL_SECRET },
				{ "codice_sms", wants_sms ? sms_code : NULL, ARUBA_FILL_SECRET },
			};
			struct aruba_step step = aruba_spec_step(call, spec);

			step.fills = fills;
			step.n_fills = 2;
			rc = aruba_submit(call, &step, page, 0, NULL, err);
		}
		explicit_bzero(email_code, sizeof(email_code));
		explicit_bzero(sms_code, sizeof(sms_code));
		if (rc == 0)
			return 0;
		/* a wrong code re-shows the form: ask again while tries are left */
		if (!aruba_ask_code_again(call, attempt, err))
			return -1;
	}
	return -1;
}

int aruba_op_contacts_update(struct pecctl_call *call, const cJSON *args, cJSON **result,
			     struct pecctl_error *err)
{
	const char *email = aruba_arg_string(args, "email");
	const char *mobile_arg = aruba_arg_string(args, "mobile");
	struct aruba_page page = { 0 };
	char *mobile = NULL, *message = NULL;
	int rc = -1;

	if (!email && !mobile_arg) {
		aruba_fail(err, PECCTL_E_INVALID, "give \"email\", \"mobile\" or both");
		return -1;
	}
	if (email && !strchr(email, '@')) {
		aruba_fail(err, PECCTL_E_INVALID, "\"%.100s\" is not an email address", email);
		snprintf(err->field, sizeof(err->field), "email");
		return -1;
	}
	if (mobile_arg && !(mobile = normalise_mobile(mobile_arg))) {
		aruba_fail(err, PECCTL_E_INVALID, "\"%.60s\" is not a mobile number", mobile_arg);
		snprintf(err->field, sizeof(err->field), "mobile");
		return -1;
	}
	{
		const struct aruba_fill fills[] = {
			{ "email", email, ARUBA_FILL_TEXT },
			{ "cellulare", mobile, ARUBA_FILL_TEXT },
		};
		struct aruba_step step = aruba_spec_step(call, &aruba_pages[ARUBA_PAGE_CONTACTS]);

		step.fills = fills;
		step.n_fills = 2;
		if (aruba_submit(call, &step, &page, aruba_dry_run(args), result, err) != 0)
			goto out;
	}
	if (aruba_dry_run(args)) {
		rc = 0;
		goto out;
	}
	if (verify_codes(call, &page, email, mobile, err) != 0 ||
	    !(message = aruba_expect_success(&page, "contacts change", err)))
		goto out;
	aruba_log(call, PECCTL_LOG_INFO, "contacts change: %s", message);
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "changed", 1);
	if (email)
		cJSON_AddStringToObject(*result, "email", email);
	if (mobile)
		cJSON_AddStringToObject(*result, "mobile", mobile);
	cJSON_AddStringToObject(*result, "message", message);
	rc = 0;
out:
	free(message);
	free(mobile);
	aruba_page_release(&page);
	return rc;
}
