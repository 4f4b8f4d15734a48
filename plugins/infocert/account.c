/*
 * The account as GET /account describes it, and "autenticazione forte"
 * (two-step): its state, and turning it off, which the phone app (or a
 * code) must confirm like a login.
 */
#include <stdio.h>
#include <string.h>
#include "infocert.h"

int infocert_get_account(struct pecctl_call *call, cJSON **account, struct pecctl_error *err)
{
	const struct infocert_request req = {
		.what = "account details", .method = "GET", .path = INFOCERT_PATH_ACCOUNT,
	};
	struct infocert_reply reply;

	*account = NULL;
	if (infocert_api(call, &req, &reply, err) != 0) {
		infocert_reply_release(&reply);
		return -1;
	}
	if (!cJSON_IsObject(reply.json)) {
		infocert_reply_release(&reply);
		return infocert_fail(err, PECCTL_E_PORTAL_CHANGED,
				     "the account details are not a JSON object");
	}
	*account = reply.json;
	return 0;
}

/* account.mfa: {"enabled":bool,"methods":[...]} */
static const cJSON *account_mfa(const cJSON *account, struct pecctl_error *err)
{
	const cJSON *mfa = cJSON_GetObjectItemCaseSensitive(account, INFOCERT_JSON_MFA);

	if (!cJSON_IsObject(mfa) ||
	    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(mfa, INFOCERT_JSON_MFA_ENABLED))) {
		infocert_fail(err, PECCTL_E_PORTAL_CHANGED,
			      "the account details no longer say whether two-step is on (mfa.enabled)");
		return NULL;
	}
	return mfa;
}

int infocert_op_twofa_status(struct pecctl_call *call, const cJSON *args, cJSON **result,
			     struct pecctl_error *err)
{
	cJSON *account;
	const cJSON *mfa, *methods;
	const char *device;

	(void)args;
	if (infocert_get_account(call, &account, err) != 0)
		return -1;
	mfa = account_mfa(account, err);
	if (!mfa) {
		cJSON_Delete(account);
		return -1;
	}
	methods = cJSON_GetObjectItemCaseSensitive(mfa, "methods");
	device = infocert_json_string(account, "device");
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "enabled",
			      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mfa, INFOCERT_JSON_MFA_ENABLED)));
	cJSON_AddItemToObject(*result, "methods", cJSON_IsArray(methods)
				      ? cJSON_Duplicate(methods, 1) : cJSON_CreateArray());
	if (device)
		cJSON_AddStringToObject(*result, "device", device);
	cJSON_Delete(account);
	return 0;
}

static cJSON *twofa_result(int changed)
{
	cJSON *result = cJSON_CreateObject();

	cJSON_AddBoolToObject(result, "enabled", 0);
	cJSON_AddBoolToObject(result, "changed", changed);
	return result;
}

/* twofa_disable{mfa="push"|"otp", dry_run=}: already off changes nothing. */
int infocert_op_twofa_disable(struct pecctl_call *call, const cJSON *args, cJSON **result,
			      struct pecctl_error *err)
{
	const struct infocert_request req = {
		.what = "two-step deactivation", .method = "POST",
		.path = INFOCERT_PATH_MFA_DISABLE, .changes_state = 1,
	};
	struct infocert_reply reply;
	cJSON *account, *confirmed = NULL;
	const cJSON *mfa, *methods;
	const char *challenge;
	int rc = 0;

	if (infocert_get_account(call, &account, err) != 0)
		return -1;
	mfa = account_mfa(account, err);
	if (!mfa || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mfa, INFOCERT_JSON_MFA_ENABLED))) {
		if (mfa)
			*result = twofa_result(0);
		cJSON_Delete(account);
		return mfa ? 0 : -1;
	}
	if (infocert_dry_run(args)) {
		cJSON_Delete(account);
		return infocert_dry_run_result(call, &req, result, err);
	}
	if (infocert_api(call, &req, &reply, err) != 0) {
		infocert_reply_release(&reply);
		cJSON_Delete(account);
		return -1;
	}
	/* 202 {"challenge"}: confirmed like a login; the portal's own list of
	 * methods when it gives one, else the account's */
	challenge = infocert_json_string(reply.json, "challenge");
	if (challenge) {
		methods = cJSON_GetObjectItemCaseSensitive(reply.json, "methods");
		if (!methods)
			methods = cJSON_GetObjectItemCaseSensitive(mfa, "methods");
		rc = infocert_confirm_challenge(call, challenge, methods,
						infocert_arg_string(args, "mfa"),
						"two-step deactivation", &confirmed, err);
		cJSON_Delete(confirmed);
	}
	infocert_reply_release(&reply);
	cJSON_Delete(account);
	if (rc != 0)
		return -1;
	infocert_log(call, PECCTL_LOG_INFO, "two-step verification turned off");
	*result = twofa_result(1);
	return 0;
}
