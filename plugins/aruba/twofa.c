/*
 * Two-step verification ("verifica in 2 passaggi") on Gestione account.
 * Disabling follows the documented route of seed
 * aruba-2fa-disable-for-infocert-migration.txt: Webmail PEC Smart →
 * Impostazioni → Account "Sicurezza e password" (an SSO link) → Verifica in
 * 2 passaggi → Disattiva → approve in the app.
 */
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

static const struct aruba_page_spec *const twofa_page = &aruba_pages[ARUBA_PAGE_TWOFA];

static const char *twofa_path(struct pecctl_call *call)
{
	return aruba_spec_path(call, twofa_page);
}

/* {"enabled","device"} read from the page; -1 and err when it has no state. */
static int read_twofa(struct pecctl_call *call, const struct aruba_page *page, cJSON **result,
		      struct pecctl_error *err)
{
	char *state = aruba_page_text(page, ARUBA_XPATH_TWOFA_STATE), *device;

	if (!state)
		return aruba_portal_changed(err, page, "#verifica-2-passaggi[data-stato]");
	device = aruba_page_text(page, aruba_config(call, ARUBA_ACCOUNT, "twofa_device_xpath",
						    "//*[@id='dispositivo']"));
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "enabled", strcmp(state, "attiva") == 0);
	if (device)
		cJSON_AddStringToObject(*result, "device", device);
	else
		cJSON_AddNullToObject(*result, "device");
	free(state);
	free(device);
	return 0;
}

int aruba_op_twofa_status(struct pecctl_call *call, const cJSON *args, cJSON **result,
			  struct pecctl_error *err)
{
	struct aruba_page page = { 0 };
	int rc;

	(void)args;
	rc = aruba_open(call, ARUBA_ACCOUNT, NULL, twofa_path(call), &page, err);
	if (rc == 0)
		rc = read_twofa(call, &page, result, err);
	aruba_page_release(&page);
	return rc;
}

/* Webmail → Impostazioni → "Sicurezza e password": a one-time SSO link
 * that opens a Gestione account session without another push. */
static int enter_account_from_webmail(struct pecctl_call *call, struct pecctl_error *err)
{
	cJSON *settings = NULL;
	const cJSON *account, *link;
	const char *ticket;
	struct aruba_page page = { 0 };
	int rc = -1;

	if (aruba_webmail_get(call, aruba_config(call, ARUBA_WEBMAIL, "settings_api",
						 ARUBA_WEBMAIL_SETTINGS_API),
			      &settings, err) != 0)
		return -1;
	account = cJSON_GetObjectItemCaseSensitive(settings, ARUBA_JSON_SETTINGS_ACCOUNT);
	link = cJSON_GetObjectItemCaseSensitive(account, ARUBA_JSON_SETTINGS_SSO_LINK);
	if (!cJSON_IsString(link) || strncmp(link->valuestring, "https://", 8) != 0) {
		aruba_fail(err, PECCTL_E_PORTAL_CHANGED,
			   "the webmail settings have no account.sicurezza_e_password link");
		goto out;
	}
	/* the ticket opens a session by itself: keep it out of logs and HAR files */
	ticket = strstr(link->valuestring, "ticket=");
	if (ticket && ticket[7])
		aruba_host->redact(call, ticket + 7);
	aruba_log(call, PECCTL_LOG_INFO, "opening Gestione account from the webmail");
	if (aruba_fetch(call, "GET", link->valuestring, NULL, NULL, 0, &page, err) != 0)
		goto out;
	if (aruba_is_login_page(call, ARUBA_ACCOUNT, &page) || page.status >= 400) {
		if (aruba_page_error(&page, err) == 0)
			aruba_fail(err, PECCTL_E_PORTAL, "the webmail's link to Gestione account "
				   "did not open a session (%s answered %ld)", aruba_page_url(&page),
				   page.status);
		goto out;
	}
	rc = aruba_mark_login(call, ARUBA_ACCOUNT, err);
out:
	aruba_page_release(&page);
	cJSON_Delete(settings);
	return rc;
}

static cJSON *disabled_result(int changed, const char *message)
{
	cJSON *result = cJSON_CreateObject();

	cJSON_AddBoolToObject(result, "enabled", 0);
	cJSON_AddBoolToObject(result, "changed", changed);
	if (message)
		cJSON_AddStringToObject(result, "message", message);
	return result;
}

int aruba_op_twofa_disable(struct pecctl_call *call, const cJSON *args, cJSON **result,
			   struct pecctl_error *err)
{
	static const char what[] = "two-step verification disable";
	struct aruba_page page = { 0 };
	struct aruba_step step = aruba_spec_step(call, twofa_page);
	cJSON *state = NULL;
	char *message = NULL;
	int rc = -1;

	/* the form is on the page just opened */
	step.what = what;
	step.page = NULL;
	if (enter_account_from_webmail(call, err) != 0 ||
	    aruba_open(call, ARUBA_ACCOUNT, NULL, twofa_path(call), &page, err) != 0 ||
	    read_twofa(call, &page, &state, err) != 0)
		goto out;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(state, "enabled"))) {
		aruba_log(call, PECCTL_LOG_INFO, "two-step verification is already off");
		*result = disabled_result(0, NULL);
		rc = 0;
		goto out;
	}
	if (aruba_submit(call, &step, &page, aruba_dry_run(args), result, err) != 0)
		goto out;
	if (aruba_dry_run(args)) {
		rc = 0;
		goto out;
	}
	/* "Disattiva" sends a push and shows a waiting page like the login's */
	if (!aruba_page_has(&page, "//*[@id='verifica-accesso']")) {
		aruba_portal_changed(err, &page, "the approval waiting page (#verifica-accesso)");
		goto out;
	}
	if (aruba_complete_push_page(call, ARUBA_ACCOUNT, what, &page, err) != 0 ||
	    !(message = aruba_expect_success(&page, what, err)))
		goto out;
	aruba_log(call, PECCTL_LOG_INFO, "%s: %s", what, message);
	*result = disabled_result(1, message);
	rc = 0;
out:
	free(message);
	cJSON_Delete(state);
	aruba_page_release(&page);
	return rc;
}
