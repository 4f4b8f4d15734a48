/*
 * Recovery contacts: PUT /account/recovery {email, mobile, question,
 * answer} → 202 {"verification"} and an SMS code to the new mobile, which
 * POST /account/recovery/verify {"verification","otp"} confirms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "infocert.h"

const char *const infocert_recovery_fields[] = { "email", "mobile", "question", NULL };
#define contact_names infocert_recovery_fields
#define N_CONTACTS (sizeof(infocert_recovery_fields) / sizeof(infocert_recovery_fields[0]) - 1)

struct verification {
	const char *id;
};

static int post_verification_code(struct pecctl_call *call, void *userdata, const char *code,
				  struct infocert_reply *reply, struct pecctl_error *err)
{
	const struct verification *v = userdata;
	const struct infocert_field fields[] = {
		{ "verification", v->id, 0 },
		{ "otp", code, 1 },
	};
	const struct infocert_request req = {
		.what = "contacts verification", .method = "POST",
		.path = INFOCERT_PATH_RECOVERY_VERIFY, .fields = fields, .n_fields = 2,
		.changes_state = 1,
	};

	return infocert_api(call, &req, reply, err);
}

/* The contacts as they will be: the given values over the current ones. */
static cJSON *contacts_result(const cJSON *given, const cJSON *recovery, int changed,
			      int verified)
{
	cJSON *result = cJSON_CreateObject();

	cJSON_AddBoolToObject(result, "changed", changed);
	for (size_t i = 0; i < N_CONTACTS; i++) {
		const char *value = infocert_json_string(given, contact_names[i]);

		if (!value)
			value = infocert_json_string(recovery, contact_names[i]);
		if (value)
			cJSON_AddStringToObject(result, contact_names[i], value);
	}
	if (changed)
		cJSON_AddBoolToObject(result, "verified", verified);
	return result;
}

/* contacts_get{} → {email, mobile, question} */
int infocert_op_contacts_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
			     struct pecctl_error *err)
{
	cJSON *account;

	(void)args;
	if (infocert_get_account(call, &account, err) != 0)
		return -1;
	*result = contacts_result(NULL, cJSON_GetObjectItemCaseSensitive(account, INFOCERT_JSON_RECOVERY), 0, 0);
	cJSON_DeleteItemFromObjectCaseSensitive(*result, "changed");
	cJSON_Delete(account);
	return 0;
}

/* Nothing to send when every value given is already the account's (the
 * answer cannot be read back, so giving one always sends). */
static int already_set(const cJSON *args, const cJSON *recovery, const char *answer)
{
	if (answer)
		return 0;
	for (size_t i = 0; i < N_CONTACTS; i++) {
		const char *want = infocert_json_string(args, contact_names[i]);
		const char *have = infocert_json_string(recovery, contact_names[i]);

		if (want && (!have || strcmp(want, have) != 0))
			return 0;
	}
	return 1;
}

/* The value to send: the one given, else the account's (the API wants
 * every member with every change). */
static const char *given_or_current(const cJSON *args, const cJSON *recovery, const char *name)
{
	const char *value = infocert_arg_string(args, name);

	return value ? value : infocert_json_string(recovery, name);
}

/* contacts_update{email=, mobile=, question=, answer=<secret>, dry_run=} */
int infocert_op_contacts_update(struct pecctl_call *call, const cJSON *args, cJSON **result,
				struct pecctl_error *err)
{
	const char *answer = infocert_host->secret_arg(call, "answer");
	struct infocert_field fields[] = {
		{ "email", NULL, 0 },
		{ "mobile", NULL, 0 },
		{ "question", NULL, 0 },
		{ "answer", answer, 1 },
	};
	const struct infocert_request req = {
		.what = "recovery contacts change", .method = "PUT", .path = INFOCERT_PATH_RECOVERY,
		.fields = fields, .n_fields = 4, .changes_state = 1,
	};
	struct verification verification = { NULL };
	struct infocert_reply reply, verified;
	const cJSON *recovery;
	cJSON *account;
	char *label;
	int rc;

	if (!infocert_arg_string(args, "email") && !infocert_arg_string(args, "mobile") &&
	    !infocert_arg_string(args, "question") && !answer)
		return infocert_fail(err, PECCTL_E_INVALID,
				     "nothing to change: give email, mobile, question or answer");
	if (infocert_get_account(call, &account, err) != 0)
		return -1;
	recovery = cJSON_GetObjectItemCaseSensitive(account, INFOCERT_JSON_RECOVERY);
	if (already_set(args, recovery, answer)) {
		*result = contacts_result(args, recovery, 0, 0);
		cJSON_Delete(account);
		return 0;
	}
	if (!answer) {
		cJSON_Delete(account);
		infocert_fail(err, PECCTL_E_INVALID, "Legalmail asks for the answer to the security "
			      "question with every change of the recovery data: give answer");
		snprintf(err->field, sizeof(err->field), "answer");
		return -1;
	}
	for (size_t i = 0; i < N_CONTACTS; i++)
		fields[i].value = given_or_current(args, recovery, contact_names[i]);
	if (infocert_dry_run(args)) {
		/* fields point into account: free it only after */
		rc = infocert_dry_run_result(call, &req, result, err);
		cJSON_Delete(account);
		return rc;
	}
	if (infocert_api(call, &req, &reply, err) != 0) {
		infocert_reply_release(&reply);
		cJSON_Delete(account);
		return -1;
	}
	verification.id = infocert_json_string(reply.json, "verification");
	rc = 0;
	if (verification.id) {
		/* the code goes to the new mobile, or to the one in use */
		const char *mobile = fields[1].value;

		label = infocert_strdup_printf("Legalmail code sent by SMS to %s",
					       mobile ? mobile : "the recovery mobile");
		if (!label) {
			rc = infocert_fail(err, PECCTL_E_INTERNAL, "out of memory");
		} else {
			rc = infocert_ask_code(call, label, post_verification_code, &verification,
					       &verified, err);
			infocert_reply_release(&verified);
			free(label);
		}
	}
	if (rc == 0)
		*result = contacts_result(args, recovery, 1, verification.id != NULL);
	infocert_reply_release(&reply);
	cJSON_Delete(account);
	return rc;
}
