/*
 * "Account" → "Salva password": POST /account/password {"current","new"}.
 * A refusal for the rules (422 password_policy) names each violated rule;
 * errors.c reports them in the policy's own names.
 */
#include "infocert.h"

/* change_password{new_password=<secret>, dry_run=}; the password in use is
 * the secret argument "password". */
int infocert_op_change_password(struct pecctl_call *call, const cJSON *args, cJSON **result,
				struct pecctl_error *err)
{
	const char *fresh = infocert_require_secret(call, "new_password", err);
	const char *current = fresh ? infocert_require_secret(call, "password", err) : NULL;
	const struct infocert_field fields[] = {
		{ "current", current, 1 },
		{ "new", fresh, 1 },
	};
	const struct infocert_request req = {
		.what = "password change", .method = "POST", .path = INFOCERT_PATH_PASSWORD,
		.fields = fields, .n_fields = 2, .changes_state = 1,
	};
	struct infocert_reply reply;

	if (!current)
		return -1;
	if (infocert_dry_run(args))
		return infocert_dry_run_result(call, &req, result, err);
	if (infocert_api(call, &req, &reply, err) != 0) {
		infocert_reply_release(&reply);
		return -1;
	}
	infocert_reply_release(&reply);
	/* the portal ends the mailbox's other sessions, and keeps this one */
	infocert_log(call, PECCTL_LOG_INFO, "password changed");
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "changed", 1);
	cJSON_AddStringToObject(*result, "site", infocert_hosts_main);
	return 0;
}
