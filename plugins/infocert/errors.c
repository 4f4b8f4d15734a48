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
	const char *field;   /* the request member it is about, when the answer does not say */
};

static const struct known_error known_errors[] = {
	{ "invalid_credentials", PECCTL_E_AUTH, NULL },
	{ "account_locked", PECCTL_E_AUTH, NULL },
	{ "wrong_password", PECCTL_E_AUTH, "current" },
	{ "session_expired", PECCTL_E_AUTH, NULL },
	{ "unauthorized", PECCTL_E_AUTH, NULL },
	{ "invalid_otp", PECCTL_E_AUTH, "otp" },
	{ "password_policy", PECCTL_E_POLICY, "new" },
	{ "validation", PECCTL_E_POLICY, NULL },
	{ "holder_change", PECCTL_E_POLICY, "codice_fiscale" },
	{ "mfa_denied", PECCTL_E_DENIED, NULL },
	{ "mfa_expired", PECCTL_E_EXPIRED, NULL },
	{ "otp_expired", PECCTL_E_EXPIRED, "otp" },
	{ "unknown_challenge", PECCTL_E_EXPIRED, NULL },
	{ "unknown_verification", PECCTL_E_EXPIRED, NULL },
	{ "otp_not_available", PECCTL_E_NEEDS_HUMAN, NULL },
	{ "mfa_not_enabled", PECCTL_E_PORTAL, NULL },
	{ "rate_limited", PECCTL_E_RATE_LIMITED, NULL },
	{ "not_found", PECCTL_E_PORTAL_CHANGED, NULL },
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

static const struct known_error *find_known(const char *error)
{
	for (size_t i = 0; error && i < sizeof(known_errors) / sizeof(known_errors[0]); i++)
		if (strcmp(error, known_errors[i].error) == 0)
			return &known_errors[i];
	return NULL;
}

static const char *code_for_error(const struct known_error *known, long status,
				  int changes_state)
{
	if (status == 429 || status >= 500 || !known)
		return code_for_status(status, changes_state);
	return known->code;
}

/* Append ", name" (or "name" first) to a bounded buffer. */
static void append(char *buf, size_t cap, const char *sep, const char *text)
{
	size_t used = strlen(buf);

	if (used + 1 >= cap)
		return;
	snprintf(buf + used, cap - used, "%s%s", used ? sep : "", text);
}

/* 1 when the comma-separated list holds name. */
static int list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* {"violations":[{"rule"|"field","message"}]}: each message after the
 * portal's summary; the rules (in the policy's names) or the fields it
 * blamed in err->field. */
static void add_violations(const cJSON *violations, struct pecctl_error *err)
{
	const cJSON *v;
	char names[sizeof(err->field)] = "";
	const char *sep = ": ";
	char summary[sizeof(err->message)];

	snprintf(summary, sizeof(summary), "%s", err->message);
	cJSON_ArrayForEach(v, violations) {
		const char *rule = infocert_json_string(v, "rule");
		const char *field = infocert_json_string(v, "field");
		const char *text = infocert_json_string(v, "message");
		const char *name = rule ? policy_rule_name(rule) : field;
		char line[256];

		if (field && !rule)
			snprintf(line, sizeof(line), "%s: %s", field, text ? text : "");
		else
			snprintf(line, sizeof(line), "%s", text ? text : "");
		/* a single error repeats the summary: once is enough */
		if (line[0] && !(text && strcmp(text, summary) == 0)) {
			append(err->message, sizeof(err->message), sep, line);
			sep = "; ";
		}
		if (name && !list_has(names, name))
			append(names, sizeof(names), ",", name);
	}
	if (names[0])
		snprintf(err->field, sizeof(err->field), "%s", names);
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
	const struct known_error *known = find_known(error);
	const char *code = code_for_error(known, reply->status, req->changes_state);
	char text[256];

	if (!message) {
		message_from_text(reply->json ? NULL : body, body_len, text, sizeof(text));
		message = text;
	}
	if (*message)
		infocert_fail(err, code, "%s", message);
	else
		infocert_fail(err, code, "%s: the portal answered HTTP %ld%s%s", req->what,
			      reply->status, error ? " " : "", error ? error : "");
	err->http_status = reply->status;
	if (cJSON_IsArray(violations))
		add_violations(violations, err);
	if (!field && known)
		field = known->field;
	if (field && !err->field[0])
		snprintf(err->field, sizeof(err->field), "%s", field);
}
