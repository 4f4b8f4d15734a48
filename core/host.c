/*
 * The host-API table given to plugins (plugin.h): thin adapters from the
 * ABI's opaque handles to the core services.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "account.h"
#include "config.h"
#include "html.h"
#include "http.h"
#include "log.h"
#include "prompt.h"
#include "redact.h"
#include "registry.h"
#include "secret.h"
#include "signals.h"

/* The ABI's opaque types are the core's own structs. */
struct pecctl_response {
	struct http_response r;
};
struct pecctl_html {
	struct html_doc *doc;
};

static void host_free_memory(void *p)
{
	free(p);
}

static const char *host_account(struct pecctl_call *call)
{
	return call->account->address;
}

static const char *host_config(struct pecctl_call *call, const char *key, const char *fallback)
{
	/* "provider.key", put together without snprintf: plugins ask for
	 * their settings a dozen times per mailbox */
	const char *provider = call->account->provider->name;
	size_t np = strlen(provider), nk = strlen(key);
	char full[256];
	const char *value;

	if (np + 1 + nk >= sizeof(full))
		return fallback;  /* no key that long is ever set */
	memcpy(full, provider, np);
	full[np] = '.';
	memcpy(full + np + 1, key, nk + 1);
	value = config_get(full);
	return value ? value : fallback;
}

static void host_log(struct pecctl_call *call, enum pecctl_log_level level, const char *message)
{
	log_write(level, call->account->address, message);
}

static void *host_session_data(struct pecctl_call *call)
{
	return call->account->plugin_data;
}

static void host_set_session_data(struct pecctl_call *call, void *data, void (*free_fn)(void *))
{
	struct account *a = call->account;

	if (a->plugin_data && a->plugin_data != data && a->plugin_data_free)
		a->plugin_data_free(a->plugin_data);
	a->plugin_data = data;
	a->plugin_data_free = free_fn;
}

static const char *host_secret_arg(struct pecctl_call *call, const char *name)
{
	for (size_t i = 0; i < call->n_secret_args; i++)
		if (strcmp(call->secret_args[i].name, name) == 0)
			return call->secret_args[i].value;
	return NULL;
}

static int host_secret_result(struct pecctl_call *call, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < call->n_secret_results; i++)
		if (strcmp(call->secret_results[i].name, name) == 0)
			break;
	if (i == CALL_MAX_SECRETS)
		return -1;
	if (i == call->n_secret_results) {
		snprintf(call->secret_results[i].name, sizeof(call->secret_results[i].name), "%s", name);
		call->n_secret_results++;
	} else {
		secret_free(call->secret_results[i].value);
	}
	call->secret_results[i].value = secret_new(value, strlen(value));
	return 0;
}

static void host_redact(struct pecctl_call *call, const char *value)
{
	(void)call;
	redact_add(value, strlen(value));
}

static int host_http_request(struct pecctl_call *call, const char *method, const char *url,
			     const char *const *headers, const char *body, size_t body_len,
			     struct pecctl_response **out, struct pecctl_error *err)
{
	struct http_request req = { method, url, headers, body, body_len, 0 };
	struct http_response *r;

	if (http_session_request(call->account->http, &req, &r, err) != 0)
		return -1;
	/* struct pecctl_response wraps http_response as its only member. */
	*out = (struct pecctl_response *)r;
	return 0;
}

static long host_response_status(const struct pecctl_response *r)
{
	return r->r.status;
}

static const char *host_response_body(const struct pecctl_response *r, size_t *len)
{
	if (len)
		*len = r->r.body_len;
	return r->r.body;
}

static const char *host_response_url(const struct pecctl_response *r)
{
	return r->r.url;
}

static const char *host_response_header(const struct pecctl_response *r, const char *name)
{
	return http_response_header(&r->r, name);
}

static void host_response_free(struct pecctl_response *r)
{
	http_response_free(r ? &r->r : NULL);
}

static char *host_url_encode(const char *value)
{
	return http_url_encode(value, strlen(value));
}

static struct pecctl_html *host_html_parse(const char *body, size_t len, const char *base_url)
{
	struct pecctl_error err = { 0 };
	struct html_doc *doc = html_parse(body, len, base_url, &err);
	struct pecctl_html *h;

	if (!doc)
		return NULL;
	h = malloc(sizeof(*h));
	if (!h) {
		html_doc_free(doc);
		return NULL;
	}
	h->doc = doc;
	return h;
}

static void host_html_free(struct pecctl_html *h)
{
	if (!h)
		return;
	html_doc_free(h->doc);
	free(h);
}

static cJSON *host_html_xpath(struct pecctl_html *h, const char *expr)
{
	struct pecctl_error err = { 0 };

	return html_xpath_strings(h->doc, expr, &err);
}

static struct pecctl_form *host_html_form(struct pecctl_html *h, const char *action, const char *id)
{
	return (struct pecctl_form *)html_form_find(h->doc, action, id);
}

static int host_form_set(struct pecctl_form *f, const char *name, const char *value,
			 struct pecctl_error *err)
{
	return html_form_set((struct html_form *)f, name, value, err);
}

static const char *host_form_get(const struct pecctl_form *f, const char *name)
{
	return html_form_get((const struct html_form *)f, name);
}

static const char *host_form_action(const struct pecctl_form *f)
{
	return html_form_action((const struct html_form *)f);
}

static int host_form_submit(struct pecctl_call *call, struct pecctl_form *form,
			    struct pecctl_response **out, struct pecctl_error *err)
{
	const struct html_form *f = (const struct html_form *)form;
	static const char *const form_headers[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL
	};
	const char *action = html_form_action(f);
	size_t len;
	char *body = html_form_encode(f, &len);
	char *url = NULL;
	int rc;

	if (!body) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory encoding a form");
		return -1;
	}
	if (strcmp(html_form_method(f), "GET") == 0) {
		/* a GET form sends its fields in the query, as a browser does */
		if (asprintf(&url, "%s%s%s", action, strchr(action, '?') ? "&" : "?", body) < 0)
			url = NULL;
		rc = url ? host_http_request(call, "GET", url, NULL, NULL, 0, out, err) : -1;
		if (!url)
			pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory building a form URL");
	} else {
		rc = host_http_request(call, "POST", action, form_headers, body, len, out, err);
	}
	/* the body held the form's values, passwords among them */
	explicit_bzero(body, len);
	free(body);
	if (url) {
		explicit_bzero(url, strlen(url));
		free(url);
	}
	return rc;
}

static void host_form_free(struct pecctl_form *f)
{
	html_form_free((struct html_form *)f);
}

static int host_sleep_ms(struct pecctl_call *call, long ms)
{
	(void)call;
	return signals_sleep_ms(ms);
}

static enum pecctl_approval host_wait_for_approval(struct pecctl_call *call, const char *what,
						   int timeout_s, int interval_ms,
						   pecctl_poll_fn poll, void *userdata,
						   struct pecctl_error *err)
{
	struct timespec start, now;
	enum pecctl_approval state = PECCTL_APPROVAL_PENDING;

	/* in a batch: one approval on the terminal at a time, none without one */
	if (prompt_human_begin(what, err) != 0)
		return PECCTL_APPROVAL_ERROR;
	clock_gettime(CLOCK_MONOTONIC, &start);
	log_printf(PECCTL_LOG_INFO, call->account->address, "%s: waiting up to %d s", what, timeout_s);
	for (;;) {
		char status[256];
		long left;

		state = poll(call, userdata, err);
		if (state != PECCTL_APPROVAL_PENDING)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_s - (long)(now.tv_sec - start.tv_sec);
		if (left <= 0) {
			state = PECCTL_APPROVAL_EXPIRED;
			snprintf(err->message, sizeof(err->message), "%s: no answer within %d s", what, timeout_s);
			snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_EXPIRED);
			break;
		}
		snprintf(status, sizeof(status), "%s: %s — approve it in the app (%ld s left)",
			 call->account->address, what, left);
		prompt_status(status);
		if (signals_sleep_ms(interval_ms > 0 ? interval_ms : 1000) != 0) {
			pecctl_error_set(err, "interrupted", "interrupted while waiting for the approval");
			state = PECCTL_APPROVAL_ERROR;
			break;
		}
	}
	prompt_status(NULL);
	prompt_human_end();
	log_printf(PECCTL_LOG_INFO, call->account->address, "%s: %s", what,
		   state == PECCTL_APPROVAL_APPROVED ? "approved" :
		   state == PECCTL_APPROVAL_DENIED ? "denied" :
		   state == PECCTL_APPROVAL_EXPIRED ? "expired" : "failed");
	return state;
}

static int host_prompt_code(struct pecctl_call *call, const char *label, char *buf, size_t cap,
			    struct pecctl_error *err)
{
	char question[512];

	snprintf(question, sizeof(question), "%s — %s:", call->account->address, label);
	return prompt_code_for(question, buf, cap, err);
}

const struct pecctl_host pecctl_host_table = {
	.abi_major = PECCTL_ABI_MAJOR,
	.abi_minor = PECCTL_ABI_MINOR,
	.size = sizeof(struct pecctl_host),
	.register_provider = registry_register_provider,
	.free_memory = host_free_memory,
	.account = host_account,
	.config = host_config,
	.log = host_log,
	.session_data = host_session_data,
	.set_session_data = host_set_session_data,
	.secret_arg = host_secret_arg,
	.secret_result = host_secret_result,
	.redact = host_redact,
	.http_request = host_http_request,
	.response_status = host_response_status,
	.response_body = host_response_body,
	.response_url = host_response_url,
	.response_header = host_response_header,
	.response_free = host_response_free,
	.url_encode = host_url_encode,
	.html_parse = host_html_parse,
	.html_free = host_html_free,
	.html_xpath = host_html_xpath,
	.html_form = host_html_form,
	.form_set = host_form_set,
	.form_get = host_form_get,
	.form_action = host_form_action,
	.form_submit = host_form_submit,
	.form_free = host_form_free,
	.wait_for_approval = host_wait_for_approval,
	.prompt_code = host_prompt_code,
	.sleep_ms = host_sleep_ms,
};
