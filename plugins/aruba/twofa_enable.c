/*
 * Turning two-step verification on (Gestione account → Verifica in 2
 * passaggi → Attiva): the portal sends a code by SMS to the account's
 * mobile; once the code is accepted the Aruba PEC app must be paired on the
 * phone, and until then the page says the pairing is in progress.
 *
 * Config: account.twofa_path, twofa_enable_action, twofa_enable_form_id,
 * twofa_code_action, twofa_code_form_id, field.codice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

#define XPATH_STATE "//*[@id='verifica-2-passaggi']/@data-stato"
#define XPATH_PAIRING "//*[@id='associazione-in-corso']"

static const char what[] = "two-step verification activation";

int aruba_op_twofa_enable(struct pecctl_call *call, const cJSON *args, cJSON **result,
			  struct pecctl_error *err);

/* {"enabled", "pairing", "changed"[, "message"]} */
static cJSON *enable_result(int enabled, int pairing, int changed, const char *message)
{
	cJSON *result = cJSON_CreateObject();

	cJSON_AddBoolToObject(result, "enabled", enabled);
	cJSON_AddBoolToObject(result, "pairing", pairing);
	cJSON_AddBoolToObject(result, "changed", changed);
	if (message)
		cJSON_AddStringToObject(result, "message", message);
	return result;
}

/* 1: on, 0: off, -1 and err: the page has no state. */
static int read_enabled(const struct aruba_page *page, struct pecctl_error *err)
{
	char *state = aruba_page_text(page, XPATH_STATE);
	int on;

	if (!state)
		return aruba_portal_changed(err, page, "#verifica-2-passaggi[data-stato]");
	on = strcmp(state, "attiva") == 0;
	free(state);
	return on;
}

/* The SMS code, asked for again after a wrong one while tries are left. */
static int send_code(struct pecctl_call *call, struct aruba_page *page, struct pecctl_error *err)
{
	const char *action = aruba_config(call, ARUBA_ACCOUNT, "twofa_code_action",
					  "/pec/verifica-2-passaggi/attiva/conferma");
	const char *form_id = aruba_config(call, ARUBA_ACCOUNT, "twofa_code_form_id", NULL);
	char code[ARUBA_CODE_MAX];

	for (int attempt = 1; attempt <= ARUBA_CODE_ATTEMPTS; attempt++) {
		const struct aruba_fill fills[] = { { "codice", code, ARUBA_FILL_SECRET } };
		const struct aruba_step step = {
			.site = ARUBA_ACCOUNT,
			.what = what,
			.action = action,
			.form_id = form_id,
			.fills = fills,
			.n_fills = 1,
		};
		int rc;

		if (aruba_host->prompt_code(call, "codice SMS per attivare la verifica in 2 passaggi",
					    code, sizeof(code), err))
			return -1;
		rc = aruba_submit(call, &step, page, 0, NULL, err);
		explicit_bzero(code, sizeof(code));
		if (rc == 0)
			return 0;
		if (!aruba_ask_code_again(call, attempt, err))
			return -1;
	}
	return -1;
}

/* twofa_enable{dry_run=} → {enabled, pairing, changed, message} */
int aruba_op_twofa_enable(struct pecctl_call *call, const cJSON *args, cJSON **result,
			  struct pecctl_error *err)
{
	const struct aruba_step step = {
		.site = ARUBA_ACCOUNT,
		.what = what,
		.action = aruba_config(call, ARUBA_ACCOUNT, "twofa_enable_action",
				       "/pec/verifica-2-passaggi/attiva"),
		.form_id = aruba_config(call, ARUBA_ACCOUNT, "twofa_enable_form_id", NULL),
	};
	struct aruba_page page = { 0 };
	char *message = NULL;
	int rc = -1, on;

	if (aruba_open(call, ARUBA_ACCOUNT, NULL,
		       aruba_config(call, ARUBA_ACCOUNT, "twofa_path", "/pec/verifica-2-passaggi"),
		       &page, err) != 0 ||
	    (on = read_enabled(&page, err)) < 0)
		goto out;
	if (on || aruba_page_has(&page, XPATH_PAIRING)) {
		aruba_log(call, PECCTL_LOG_INFO, "two-step verification is %s", on ? "already on" :
			  "waiting for the phone app to be paired");
		*result = enable_result(on, !on, 0, NULL);
		rc = 0;
		goto out;
	}
	/* "Attiva": a code goes by SMS to the account's mobile */
	if (aruba_submit(call, &step, &page, aruba_dry_run(args), result, err) != 0)
		goto out;
	if (aruba_dry_run(args)) {
		rc = 0;
		goto out;
	}
	if (send_code(call, &page, err) != 0 || !(message = aruba_expect_success(&page, what, err)))
		goto out;
	aruba_log(call, PECCTL_LOG_INFO, "%s: %s", what, message);
	/* then the app is paired on the phone: the page says whether it was */
	on = read_enabled(&page, err);
	if (on < 0)
		goto out;
	*result = enable_result(on, !on, 1, message);
	rc = 0;
out:
	free(message);
	aruba_page_release(&page);
	return rc;
}
