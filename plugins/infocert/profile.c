/*
 * Holder data: GET / PUT /account/holder, with the same field names as
 * Aruba's profile form so that one script moves a profile between them.
 */
#include <stdio.h>
#include <string.h>
#include "infocert.h"

const char *const infocert_holder_fields[] = {
	"tipo", "nome", "cognome", "ragione_sociale", "codice_fiscale", "partita_iva",
	"indirizzo", "cap", "citta", "provincia", "nazione", NULL,
};
#define holder_fields infocert_holder_fields
#define N_HOLDER_FIELDS (sizeof(infocert_holder_fields) / sizeof(infocert_holder_fields[0]) - 1)

/* The holder fields of a JSON object, and nothing else. */
static cJSON *holder_only(const cJSON *holder)
{
	cJSON *profile = cJSON_CreateObject();

	for (size_t i = 0; i < N_HOLDER_FIELDS; i++) {
		const char *value = infocert_json_string(holder, holder_fields[i]);

		cJSON_AddStringToObject(profile, holder_fields[i], value ? value : "");
	}
	return profile;
}

static int get_holder(struct pecctl_call *call, cJSON **holder, struct pecctl_error *err)
{
	const struct infocert_request req = {
		.what = "holder data", .method = "GET", .path = INFOCERT_PATH_HOLDER,
	};
	struct infocert_reply reply;

	*holder = NULL;
	if (infocert_api(call, &req, &reply, err) != 0) {
		infocert_reply_release(&reply);
		return -1;
	}
	if (!cJSON_IsObject(reply.json)) {
		infocert_reply_release(&reply);
		return infocert_fail(err, PECCTL_E_PORTAL_CHANGED, "the holder data are not a JSON object");
	}
	*holder = reply.json;
	return 0;
}

/* profile_get{} → {tipo, nome, cognome, ..., nazione} */
int infocert_op_profile_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
			    struct pecctl_error *err)
{
	cJSON *holder;

	(void)args;
	if (get_holder(call, &holder, err) != 0)
		return -1;
	*result = holder_only(holder);
	cJSON_Delete(holder);
	return 0;
}

/* The holder fields given must be strings, and there must be one; other
 * arguments (dry_run, Aruba's profile_id from a profile read there) are
 * not about Legalmail's holder data and are left alone, as Aruba does. */
static int check_profile_args(const cJSON *args, struct pecctl_error *err)
{
	int given = 0;

	for (size_t i = 0; i < N_HOLDER_FIELDS; i++) {
		const cJSON *arg = cJSON_GetObjectItemCaseSensitive(args, holder_fields[i]);

		if (!arg)
			continue;
		if (!cJSON_IsString(arg)) {
			infocert_fail(err, PECCTL_E_INVALID, "\"%s\" must be a string", holder_fields[i]);
			snprintf(err->field, sizeof(err->field), "%s", holder_fields[i]);
			return -1;
		}
		given++;
	}
	if (!given)
		return infocert_fail(err, PECCTL_E_INVALID, "no holder field to change (tipo, nome, "
				     "cognome, ragione_sociale, codice_fiscale, partita_iva, indirizzo, "
				     "cap, citta, provincia, nazione)");
	return 0;
}

/* profile_update{<holder fields>, dry_run=}: only the fields that differ
 * are sent; none differing changes nothing. */
int infocert_op_profile_update(struct pecctl_call *call, const cJSON *args, cJSON **result,
			       struct pecctl_error *err)
{
	struct infocert_field fields[N_HOLDER_FIELDS];
	struct infocert_request req = {
		.what = "holder data change", .method = "PUT", .path = INFOCERT_PATH_HOLDER,
		.fields = fields, .n_fields = 0, .changes_state = 1,
	};
	struct infocert_reply reply;
	cJSON *holder, *profile;

	if (check_profile_args(args, err) != 0 || get_holder(call, &holder, err) != 0)
		return -1;
	for (size_t i = 0; i < N_HOLDER_FIELDS; i++) {
		const char *want = infocert_arg_string(args, holder_fields[i]);
		const char *have = infocert_json_string(holder, holder_fields[i]);

		if (want && (!have || strcmp(want, have) != 0))
			fields[req.n_fields++] = (struct infocert_field){ holder_fields[i], want, 0 };
	}
	if (req.n_fields == 0) {
		*result = cJSON_CreateObject();
		cJSON_AddBoolToObject(*result, "changed", 0);
		cJSON_AddItemToObject(*result, "profile", holder_only(holder));
		cJSON_Delete(holder);
		return 0;
	}
	if (infocert_dry_run(args)) {
		cJSON_Delete(holder);
		return infocert_dry_run_result(call, &req, result, err);
	}
	if (infocert_api(call, &req, &reply, err) != 0) {
		infocert_reply_release(&reply);
		cJSON_Delete(holder);
		return -1;
	}
	/* the answer's holder data when it gives them, else ours over the old */
	if (cJSON_IsObject(reply.json) && infocert_json_string(reply.json, "tipo")) {
		profile = holder_only(reply.json);
	} else {
		profile = holder_only(holder);
		for (size_t i = 0; i < req.n_fields; i++)
			cJSON_ReplaceItemInObjectCaseSensitive(profile, fields[i].name,
							       cJSON_CreateString(fields[i].value));
	}
	infocert_reply_release(&reply);
	cJSON_Delete(holder);
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "changed", 1);
	cJSON_AddItemToObject(*result, "profile", profile);
	return 0;
}
