/*
 * The API's error answers, {"error":"<code>","message":"<Italian text>"},
 * turned into pecctl errors. The portal's message is kept verbatim: the
 * user reads InfoCert's own words. Known "error" codes map to the matching
 * PECCTL_E_*; anything else is judged by its HTTP status.
 */
#include <stdio.h>
#include <string.h>
#include "infocert.h"

struct known_error {
	const char *error;   /* the API's "error" member */
	const char *code;    /* PECCTL_E_* */
};

static const struct known_error known_errors[] = {
	{ "invalid_credentials", PECCTL_E_AUTH },
	{ "account_locked", PECCTL_E_AUTH },
	{ "locked", PECCTL_E_AUTH },
	{ "wrong_password", PECCTL_E_AUTH },
	{ "invalid_current_password", PECCTL_E_AUTH },
	{ "current_password", PECCTL_E_AUTH },
	{ "invalid_otp", PECCTL_E_AUTH },
	{ "otp_invalid", PECCTL_E_AUTH },
	{ "wrong_otp", PECCTL_E_AUTH },
	{ "invalid_code", PECCTL_E_AUTH },
	{ "password_policy", PECCTL_E_POLICY },
	{ "validation", PECCTL_E_POLICY },
	{ "validation_failed", PECCTL_E_POLICY },
	{ "holder_change", PECCTL_E_POLICY },
	{ "mfa_denied", PECCTL_E_DENIED },
	{ "denied", PECCTL_E_DENIED },
	{ "mfa_expired", PECCTL_E_EXPIRED },
	{ "challenge_expired", PECCTL_E_EXPIRED },
	{ "otp_expired", PECCTL_E_EXPIRED },
	{ "code_expired", PECCTL_E_EXPIRED },
	{ "expired", PECCTL_E_EXPIRED },
	{ "rate_limited", PECCTL_E_RATE_LIMITED },
	{ "too_many_requests", PECCTL_E_RATE_LIMITED },
};

/* The portal's rule names (left) as the policy's own (right), so that a
 * refusal reads like the local check of the same rules. */
static const struct {
	const char *portal;
	const char *policy;
} rule_names[] = {
	{ "length", "length" },
	{ "uppercase", "upper" },
	{ "lowercase", "lower" },
	{ "digit", "digit" },
	{ "special_chars", "characters" },
	{ "characters", "characters" },
	{ "contains_userid", "contains_userid" },
	{ "contains_local_part", "contains_userid" },
	{ "history", "reused" },
	{ "same_as_current", "same_as_current" },
};

static const char *policy_rule_name(const char *portal)
{
	for (size_t i = 0; i < sizeof(rule_names) / sizeof(rule_names[0]); i++)
		if (strcmp(portal, rule_names[i].portal) == 0)
			return rule_names[i].policy;
	return portal;  /* a rule we do not know yet: the portal's name */
}

static const char *code_for_status(long status, int changes_state)
{
	if (status >= 500)
		/* the API may have acted before failing */
		return changes_state ? PECCTL_E_UNKNOWN_OUTCOME : PECCTL_E_PORTAL;
	switch (status) {
	case 400: return PECCTL_E_INVALID;
	case 401: return PECCTL_E_AUTH;
	case 404: return PECCTL_E_PORTAL_CHANGED;
	case 410: return PECCTL_E_EXPIRED;
	case 422: return PECCTL_E_POLICY;
	case 429: return PECCTL_E_RATE_LIMITED;
	default: return PECCTL_E_PORTAL;
	}
}

static const char *code_for_error(const char *error, long status, int changes_state)
{
	if (status == 429)
		return PECCTL_E_RATE_LIMITED;
	if (status >= 500)
		return code_for_status(status, changes_state);
	for (size_t i = 0; error && i < sizeof(known_errors) / sizeof(known_errors[0]); i++)
		if (strcmp(error, known_errors[i].error) == 0)
			return known_errors[i].code;
	return code_for_status(status, changes_state);
}

/* Append ", name" (or "name" first) to a bounded buffer. */
static void append(char *buf, size_t cap, const char *sep, const char *text)
{
	size_t used = strlen(buf);

	if (used + 1 >= cap)
		return;
	snprintf(buf + used, cap - used, "%s%s", used ? sep : "", text);
}

/* {"violations":[{"rule","message"}]}: each message after the portal's
 * summary; the rules, in the policy's names, in err->field. */
static void add_violations(const cJSON *violations, struct pecctl_error *err)
{
	const cJSON *v;
	char rules[sizeof(err->field)] = "";
	const char *sep = ": ";

	cJSON_ArrayForEach(v, violations) {
		const char *rule = infocert_json_string(v, "rule");
		const char *text = infocert_json_string(v, "message");
		const char *name = rule ? policy_rule_name(rule) : NULL;

		if (text) {
			append(err->message, sizeof(err->message), sep, text);
			sep = "; ";
		}
		if (name && !strstr(rules, name))
			append(rules, sizeof(rules), ",", name);
	}
	snprintf(err->field, sizeof(err->field), "%s", rules);
}

/* {"errors":[{"field","message"}]}: "field: message" each; the fields in
 * err->field. */
static void add_field_errors(const cJSON *errors, struct pecctl_error *err)
{
	const cJSON *e;
	char fields[sizeof(err->field)] = "";
	const char *sep = ": ";

	cJSON_ArrayForEach(e, errors) {
		const char *field = infocert_json_string(e, "field");
		const char *text = infocert_json_string(e, "message");
		char line[256];

		snprintf(line, sizeof(line), "%s%s%s", field ? field : "", field ? ": " : "",
			 text ? text : "");
		append(err->message, sizeof(err->message), sep, line);
		sep = "; ";
		if (field)
			append(fields, sizeof(fields), ",", field);
	}
	if (fields[0])
		snprintf(err->field, sizeof(err->field), "%s", fields);
}

/* A plain-text answer (a proxy, a fault): its first line, if printable. */
static void message_from_text(const char *body, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	if (!body)
		return;
	while (n < len && n + 1 < cap && body[n] != '\n' && body[n] != '\r' && body[n] != '<') {
		if ((unsigned char)body[n] < 0x20)
			return;
		n++;
	}
	if (n < len && body[n] == '<')
		return;  /* an HTML page says nothing we can quote */
	memcpy(out, body, n);
	out[n] = '\0';
}

void infocert_reply_error(const struct infocert_reply *reply, const char *body, size_t body_len,
			  const struct infocert_request *req, struct pecctl_error *err)
{
	const char *error = infocert_json_string(reply->json, "error");
	const char *message = infocert_json_string(reply->json, "message");
	const char *field = infocert_json_string(reply->json, "field");
	const cJSON *violations = cJSON_GetObjectItemCaseSensitive(reply->json, "violations");
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(reply->json, "errors");
	char text[256];

	if (!message) {
		message_from_text(reply->json ? NULL : body, body_len, text, sizeof(text));
		message = text;
	}
	if (*message)
		infocert_fail(err, code_for_error(error, reply->status, req->changes_state), "%s",
			      message);
	else
		infocert_fail(err, code_for_error(error, reply->status, req->changes_state),
			      "%s: the portal answered HTTP %ld%s%s", req->what, reply->status,
			      error ? " " : "", error ? error : "");
	err->http_status = reply->status;
	if (cJSON_IsArray(violations))
		add_violations(violations, err);
	else if (cJSON_IsArray(errors))
		add_field_errors(errors, err);
	if (field && !err->field[0])
		snprintf(err->field, sizeof(err->field), "%s", field);
}
