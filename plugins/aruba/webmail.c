/*
 * Webmail PEC Smart: a JavaScript application over a JSON API. Its login
 * is the documented door to Gestione account for two-step changes
 * (seed aruba-2fa-disable-for-infocert-migration.txt).
 */
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

static const char *const json_headers[] = {
	"Content-Type: application/json", "Accept: application/json", NULL
};

/* Size of s written as a JSON string, quotes included. */
static size_t json_quoted_len(const char *s)
{
	size_t n = 2;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		n += c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : 1;
	}
	return n;
}

static char *json_quote_into(char *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	return o;
}

/* {"<user field>":user,"<password field>":password}, written once into a
 * buffer of the right size (a growing buffer would leave copies of the
 * password behind); the caller zeroes and frees it. */
static char *login_body(struct pecctl_call *call, const char *user, const char *password,
			size_t *len)
{
	const char *user_field = aruba_field(call, ARUBA_WEBMAIL, "casella");
	const char *password_field = aruba_field(call, ARUBA_WEBMAIL, "password");
	/* "{" ":" "," ":" "}" around the four quoted strings */
	size_t cap = 5 + json_quoted_len(user_field) + json_quoted_len(user) +
		     json_quoted_len(password_field) + json_quoted_len(password);
	char *body = malloc(cap + 1), *o;

	if (!body)
		return NULL;
	o = body;
	*o++ = '{';
	o = json_quote_into(o, user_field);
	*o++ = ':';
	o = json_quote_into(o, user);
	*o++ = ',';
	o = json_quote_into(o, password_field);
	*o++ = ':';
	o = json_quote_into(o, password);
	*o++ = '}';
	*o = '\0';
	*len = (size_t)(o - body);
	return body;
}

static cJSON *page_json(const struct aruba_page *page)
{
	return cJSON_Parse(aruba_page_body(page, NULL));
}

/* An answer that is {"ok":true}: 0; {"errore":...}: the portal's error;
 * anything else: portal_changed. */
static int login_answer(const struct aruba_page *page, const cJSON *answer,
			struct pecctl_error *err)
{
	const cJSON *errore = cJSON_GetObjectItemCaseSensitive(answer, "errore");

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer, "ok")))
		return 0;
	if (cJSON_IsString(errore)) {
		aruba_message_error(errore->valuestring, NULL, page->status, err);
		return -1;
	}
	if (page->status == 429)
		return aruba_page_error(page, err);
	return aruba_fail(err, PECCTL_E_PORTAL_CHANGED,
			  "%s answered %ld without \"ok\" or \"errore\"", aruba_page_url(page),
			  page->status);
}

/* POST the poll URL: the portal turns the answered push into a session
 * (or closes the refused attempt). */
static int finish_push(struct pecctl_call *call, const char *poll_url, struct aruba_page *page,
		       struct pecctl_error *err)
{
	cJSON *answer;
	int rc;

	if (aruba_fetch(call, "POST", poll_url, json_headers, "{}", 2, page, err) != 0)
		return -1;
	answer = page_json(page);
	rc = login_answer(page, answer, err);
	cJSON_Delete(answer);
	return rc;
}

/* {"verifica":"push","poll":URL}: wait for the app, then POST the poll URL
 * to turn the approval into a session. */
static int push_login(struct pecctl_call *call, struct aruba_page *page, const cJSON *answer,
		      struct pecctl_error *err)
{
	const cJSON *poll = cJSON_GetObjectItemCaseSensitive(answer, "poll");
	char *poll_url;
	int rc;

	if (!cJSON_IsString(poll))
		return aruba_fail(err, PECCTL_E_PORTAL_CHANGED,
				  "the webmail asked for a push approval without a \"poll\" url");
	poll_url = aruba_resolve(aruba_page_url(page), poll->valuestring);
	if (!poll_url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	rc = aruba_wait_push(call, poll_url, "login to webmail.pec.it", err);
	if (rc != 0 && aruba_push_refused(err)) {
		/* close the attempt on the portal too, and take its words */
		struct pecctl_error refusal = { 0 };

		aruba_finish_refused_push(err, finish_push(call, poll_url, page, &refusal),
					  &refusal);
	} else if (rc == 0) {
		rc = finish_push(call, poll_url, page, err);
	}
	free(poll_url);
	return rc;
}

int aruba_webmail_login(struct pecctl_call *call, const char *user, const char *password,
			int *two_step, struct pecctl_error *err)
{
	char *url = aruba_url(call, ARUBA_WEBMAIL,
			      aruba_config(call, ARUBA_WEBMAIL, "login_api", ARUBA_WEBMAIL_LOGIN_API));
	struct aruba_page page = { 0 };
	size_t len = 0;
	char *body = login_body(call, user, password, &len);
	cJSON *answer = NULL;
	const cJSON *verifica;
	int rc = -1, retries = 0, pause;

	if (!url || !body) {
		aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
		goto out;
	}
	do {
		if (aruba_fetch(call, "POST", url, json_headers, body, len, &page, err) != 0)
			goto out;
		pause = aruba_rate_limit_pause(call, &page, "webmail login", &retries, err);
		if (pause < 0)
			goto out;
	} while (pause > 0);
	answer = page_json(&page);
	verifica = cJSON_GetObjectItemCaseSensitive(answer, "verifica");
	*two_step = cJSON_IsString(verifica) && strcmp(verifica->valuestring, "push") == 0;
	if (*two_step)
		rc = push_login(call, &page, answer, err);
	else
		rc = login_answer(&page, answer, err);
out:
	if (body) {
		explicit_bzero(body, len);
		free(body);
	}
	cJSON_Delete(answer);
	aruba_page_release(&page);
	free(url);
	return rc;
}

int aruba_webmail_get(struct pecctl_call *call, const char *path, cJSON **json,
		      struct pecctl_error *err)
{
	char *url = aruba_url(call, ARUBA_WEBMAIL, path);
	struct aruba_page page = { 0 };
	int attempt, rc = -1;

	*json = NULL;
	if (!url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	if (aruba_ensure_login(call, ARUBA_WEBMAIL, err) != 0)
		goto out;
	for (attempt = 0; attempt < 2; attempt++) {
		if (aruba_fetch(call, "GET", url, json_headers, NULL, 0, &page, err) != 0)
			goto out;
		/* 401: the session idled out; log in again once */
		if (page.status != 401 || attempt > 0)
			break;
		if (aruba_relogin(call, ARUBA_WEBMAIL, err) != 0)
			goto out;
	}
	if (page.status != 200) {
		aruba_fail(err, page.status == 404 ? PECCTL_E_PORTAL_CHANGED : PECCTL_E_PORTAL,
			   "%s answered %ld", url, page.status);
		err->http_status = page.status;
		goto out;
	}
	*json = page_json(&page);
	if (!*json) {
		aruba_fail(err, PECCTL_E_PORTAL_CHANGED, "%s did not answer with json", url);
		goto out;
	}
	rc = 0;
out:
	aruba_page_release(&page);
	free(url);
	return rc;
}
