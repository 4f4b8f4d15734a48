/*
 * "Password programmi di posta" on Gestione account (guides index 3.1):
 * a password for IMAP/SMTP clients, only with two-step verification on.
 * Its state and validity are read from the page; a generated password is
 * shown once and handed to the caller as a secret result, never in JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

#define XPATH_GENERATED "//*[@id='password-generata']"
#define VALID_UNTIL "Valida fino al "

struct app_action {
	const char *op;        /* "create": also the config key suffix */
	const char *label;     /* the button the guide says to press */
	const char *action;    /* its form's action when the page does not say */
	int gives_password;    /* the page then shows the new password once */
	int needs_existing;    /* only when there is one (active or expired) */
};

static const struct app_action app_actions[] = {
	{ "create", "Genera", "/pec/password-programmi/genera", 1, 0 },
	{ "regenerate", "Rigenera", "/pec/password-programmi/rigenera", 1, 1 },
	{ "extend", "Estendi", "/pec/password-programmi/estendi", 0, 1 },
};

static const char *app_password_path(struct pecctl_call *call)
{
	return aruba_spec_path(call, &aruba_pages[ARUBA_PAGE_APP_PASSWORD]);
}

/* "Valida fino al DD/MM/YYYY" anywhere on the page, as YYYY-MM-DD. */
static int valid_until(const struct aruba_page *page, char *out, size_t cap)
{
	char *text = aruba_page_text(page, "//*[contains(text(), '" VALID_UNTIL "')]");
	const char *date;
	int rc = -1;

	if (text && (date = strstr(text, VALID_UNTIL)))
		rc = aruba_iso_date(date + strlen(VALID_UNTIL), out, cap);
	free(text);
	return rc;
}

/* {"state","valid_until"} from the page; -1 and err when the page has no
 * state (two-step off: the portal's own sentence is the error). */
static int read_state(const struct aruba_page *page, cJSON **result, struct pecctl_error *err)
{
	char *state = aruba_page_text(page, ARUBA_XPATH_APP_PASSWORD_STATE);
	char date[16];

	if (!state) {
		if (aruba_page_error(page, err) != 0)
			return -1;
		if (aruba_page_says(page, ARUBA_TEXT_APP_PASSWORD_NEEDS_TWOFA)) {
			char *why = aruba_page_text(
				page, "//*[contains(text(), '" ARUBA_TEXT_APP_PASSWORD_NEEDS_TWOFA "')]");

			aruba_message_error(why ? why : ARUBA_TEXT_APP_PASSWORD_NEEDS_TWOFA
					    " devi attivare la verifica in 2 passaggi",
					    NULL, page->status, err);
			free(why);
			return -1;
		}
		return aruba_portal_changed(err, page, "#password-programmi[data-stato]");
	}
	*result = cJSON_CreateObject();
	cJSON_AddStringToObject(*result, "state", state);
	if (valid_until(page, date, sizeof(date)) == 0)
		cJSON_AddStringToObject(*result, "valid_until", date);
	else
		cJSON_AddNullToObject(*result, "valid_until");
	free(state);
	return 0;
}

int aruba_op_app_password_status(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	int rc;

	(void)args;
	rc = aruba_open(call, ARUBA_ACCOUNT, NULL, app_password_path(call), &page, err);
	if (rc == 0)
		rc = read_state(&page, result, err);
	aruba_page_release(&page);
	return rc;
}

/* The action of the form whose button reads `label`: pages are read by
 * what the user would click. Caller frees; NULL when there is none. */
static char *action_by_button(const struct aruba_page *page, const char *label)
{
	char *literal = aruba_xpath_literal(label), *expr, *action = NULL;

	if (!literal)
		return NULL;
	expr = aruba_strdup_printf("//form[.//button[normalize-space()=%s] or "
				   ".//input[@type='submit'][normalize-space(@value)=%s]]/@action",
				   literal, literal);
	if (expr)
		action = aruba_page_text(page, expr);
	free(expr);
	free(literal);
	return action;
}

/* The portal offers Genera only without a password, Rigenera and Estendi
 * only with one: say so in the caller's terms before looking for a button. */
static int check_state(const struct app_action *act, const char *state, struct pecctl_error *err)
{
	int exists = strcmp(state, "assente") != 0;

	if (act->needs_existing && !exists)
		return aruba_fail(err, PECCTL_E_INVALID, "there is no password for mail programs "
				  "yet: use app_password_create");
	if (!act->needs_existing && exists)
		return aruba_fail(err, PECCTL_E_INVALID, "a password for mail programs already "
				  "exists (%s): use app_password_regenerate", state);
	return 0;
}

static int run_app_action(struct pecctl_call *call, const struct app_action *act,
			  const cJSON *args, cJSON **result, struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	cJSON *before = NULL;
	char key[64], what[64], *found_action = NULL, *message = NULL, *generated = NULL;
	struct aruba_step step = { .site = ARUBA_ACCOUNT, .what = what };
	int rc = -1;

	snprintf(what, sizeof(what), "app password %s", act->op);
	snprintf(key, sizeof(key), "app_password_%s_action", act->op);
	if (aruba_open(call, ARUBA_ACCOUNT, NULL, app_password_path(call), &page, err) != 0 ||
	    read_state(&page, &before, err) != 0 ||
	    check_state(act, cJSON_GetObjectItemCaseSensitive(before, "state")->valuestring, err) != 0)
		goto out;
	step.action = aruba_config(call, ARUBA_ACCOUNT, key, NULL);
	if (!step.action) {
		found_action = action_by_button(&page, act->label);
		step.action = found_action ? found_action : act->action;
	}
	if (aruba_submit(call, &step, &page, aruba_dry_run(args), result, err) != 0)
		goto out;
	if (aruba_dry_run(args)) {
		rc = 0;
		goto out;
	}
	if (!(message = aruba_expect_success(&page, what, err)))
		goto out;
	if (act->gives_password) {
		generated = aruba_page_text(&page, XPATH_GENERATED);
		if (!generated) {
			aruba_fail(err, PECCTL_E_PORTAL_CHANGED,
				   "the portal says \"%s\" but shows no generated password "
				   "(#password-generata on %s)", message, aruba_page_url(&page));
			goto out;
		}
		aruba_host->redact(call, generated);
		if (aruba_host->secret_result(call, "app_password", generated) != 0) {
			aruba_fail(err, PECCTL_E_INTERNAL, "could not hand over the generated password");
			goto out;
		}
	}
	/* the page after the POST is the same page, with the new state */
	if (read_state(&page, result, err) != 0) {
		/* it did happen: report it even if the state moved elsewhere */
		*result = cJSON_CreateObject();
		cJSON_AddStringToObject(*result, "state", "attiva");
	}
	cJSON_AddBoolToObject(*result, "changed", 1);
	cJSON_AddStringToObject(*result, "message", message);
	aruba_log(call, PECCTL_LOG_INFO, "%s: %s", what, message);
	rc = 0;
out:
	if (generated) {
		explicit_bzero(generated, strlen(generated));
		free(generated);
	}
	free(message);
	free(found_action);
	cJSON_Delete(before);
	aruba_page_release(&page);
	return rc;
}

int aruba_op_app_password_create(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err)
{
	return run_app_action(call, &app_actions[0], args, result, err);
}

int aruba_op_app_password_regenerate(struct pecctl_call *call, const cJSON *args,
				     cJSON **result, struct pecctl_error *err)
{
	return run_app_action(call, &app_actions[1], args, result, err);
}

int aruba_op_app_password_extend(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err)
{
	return run_app_action(call, &app_actions[2], args, result, err);
}
