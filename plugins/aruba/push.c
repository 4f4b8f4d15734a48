/*
 * Two-step verification's push approvals ("verifica in 2 passaggi"): the
 * portal shows a waiting page whose #verifica-accesso names a poll URL; the
 * plugin polls it through host->wait_for_approval (the user sees a
 * countdown) and, once the app answered, posts the page's form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"


struct push_poll {
	const char *url;
};

static enum pecctl_approval poll_push(struct pecctl_call *call, void *userdata,
				      struct pecctl_error *err)
{
	static const char *const json_headers[] = { "Accept: application/json", NULL };
	const struct push_poll *poll = userdata;
	struct aruba_page page = { 0 };
	enum pecctl_approval state = PECCTL_APPROVAL_ERROR;
	const cJSON *stato;
	cJSON *answer;

	if (aruba_fetch(call, "GET", poll->url, json_headers, NULL, 0, &page, err) != 0)
		return PECCTL_APPROVAL_ERROR;
	if (page.status != 200) {
		aruba_fail(err, PECCTL_E_PORTAL, "%s answered %ld while waiting for the approval",
			   poll->url, page.status);
		err->http_status = page.status;
		aruba_page_release(&page);
		return PECCTL_APPROVAL_ERROR;
	}
	answer = cJSON_Parse(aruba_page_body(&page, NULL));
	stato = cJSON_GetObjectItemCaseSensitive(answer, "stato");
	if (!cJSON_IsString(stato))
		aruba_fail(err, PECCTL_E_PORTAL_CHANGED, "no \"stato\" in the answer of %s", poll->url);
	else if (strcmp(stato->valuestring, "in_attesa") == 0)
		state = PECCTL_APPROVAL_PENDING;
	else if (strcmp(stato->valuestring, "autorizzato") == 0)
		state = PECCTL_APPROVAL_APPROVED;
	else if (strcmp(stato->valuestring, "negato") == 0)
		state = PECCTL_APPROVAL_DENIED;
	else if (strcmp(stato->valuestring, "scaduto") == 0)
		state = PECCTL_APPROVAL_EXPIRED;
	else
		aruba_fail(err, PECCTL_E_PORTAL_CHANGED, "unknown approval state \"%.60s\" from %s",
			   stato->valuestring, poll->url);
	cJSON_Delete(answer);
	aruba_page_release(&page);
	return state;
}

static long config_long(struct pecctl_call *call, const char *key, long fallback, long min,
			long max)
{
	const char *text = aruba_host->config(call, key, NULL);
	char *end;
	long value;

	if (!text)
		return fallback;
	value = strtol(text, &end, 10);
	if (end == text || *end || value < min || value > max)
		return fallback;
	return value;
}

int aruba_wait_push(struct pecctl_call *call, const char *poll_url, const char *what,
		    struct pecctl_error *err)
{
	/* the portal expires a push after 120 s: wait a little longer so it,
	 * not we, says "scaduto" */
	long timeout_s = config_long(call, "push_timeout_s", 150, 1, 3600);
	long interval_ms = config_long(call, "push_poll_ms", 1000, 100, 60000);
	struct push_poll poll = { poll_url };
	char label[160];

	snprintf(label, sizeof(label), "Aruba PEC: %s", what);
	aruba_log(call, PECCTL_LOG_INFO, "%s: waiting for the approval in the Aruba PEC app", what);
	switch (aruba_host->wait_for_approval(call, label, (int)timeout_s, (int)interval_ms,
					      poll_push, &poll, err)) {
	case PECCTL_APPROVAL_APPROVED:
		return 0;
	case PECCTL_APPROVAL_DENIED:
		return aruba_fail(err, PECCTL_E_DENIED, "%s was denied in the Aruba PEC app", what);
	case PECCTL_APPROVAL_EXPIRED:
		return aruba_fail(err, PECCTL_E_EXPIRED,
				  "%s: the approval request expired without an answer", what);
	case PECCTL_APPROVAL_PENDING:
	case PECCTL_APPROVAL_ERROR:
	default:
		if (!err->code[0])
			aruba_fail(err, PECCTL_E_INTERNAL, "%s: waiting for the approval failed", what);
		return -1;
	}
}

int aruba_push_refused(const struct pecctl_error *err)
{
	return strcmp(err->code, PECCTL_E_DENIED) == 0 || strcmp(err->code, PECCTL_E_EXPIRED) == 0;
}

void aruba_finish_refused_push(struct pecctl_error *err, int finish_rc,
			       const struct pecctl_error *portal)
{
	char ours[sizeof(err->message)];

	if (finish_rc == 0 || !portal->message[0] || strcmp(portal->code, PECCTL_E_DENIED) != 0)
		return;
	/* the portal's words first, then ours */
	snprintf(ours, sizeof(ours), "%s", err->message);
	snprintf(err->message, sizeof(err->message), "%.200s: %.300s", portal->message, ours);
}

#define XPATH_PUSH_POLL "//*[@id='verifica-accesso']/@data-poll-url"

int aruba_is_push_page(const struct aruba_page *page)
{
	return aruba_page_mentions(page, "verifica-accesso") && aruba_page_has(page, XPATH_PUSH_POLL);
}

int aruba_complete_push_page(struct pecctl_call *call, enum aruba_site site, const char *what,
			     struct aruba_page *page, struct pecctl_error *err)
{
	char *poll = aruba_page_text(page, XPATH_PUSH_POLL), *poll_url;
	struct aruba_step step = {
		.site = site,
		.what = what,
		.action = aruba_config(call, site, "push_form_action", NULL),
		.form_id = aruba_config(call, site, "push_form_id", "verifica"),
		.anonymous = 1,  /* a login in progress: never log in from here */
	};
	struct pecctl_error refusal = { 0 };
	int rc;

	if (!poll)
		return aruba_portal_changed(err, page, "#verifica-accesso[data-poll-url]");
	poll_url = aruba_resolve(aruba_page_url(page), poll);
	free(poll);
	if (!poll_url)
		return aruba_fail(err, PECCTL_E_INTERNAL, "out of memory");
	rc = aruba_wait_push(call, poll_url, what, err);
	free(poll_url);
	if (rc != 0) {
		/* an interrupted or failed wait posts nothing more */
		if (aruba_push_refused(err))
			aruba_finish_refused_push(err, aruba_submit(call, &step, page, 0, NULL, &refusal),
						  &refusal);
		return -1;
	}
	/* the app said yes: the page's own form finishes the step */
	return aruba_submit(call, &step, page, 0, NULL, err);
}
