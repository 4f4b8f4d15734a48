/* Calling a provider operation on an account (see account.h). */
#include <stdio.h>
#include <stdlib.h>
#include "account.h"
#include "http.h"
#include "registry.h"
#include "secret.h"

int account_call(struct pecctl_call *call, const char *name, const cJSON *args, cJSON **result,
		 struct pecctl_error *err)
{
	const struct pecctl_provider *p = call->account->provider;
	const struct pecctl_operation *op = provider_operation(p, name);
	cJSON *empty = NULL;
	struct http_session *held;
	int rc;

	*result = NULL;
	if (!op) {
		snprintf(err->message, sizeof(err->message),
			 "%s (%s) has no operation \"%s\"; 'pecctl providers' lists what each provider can do",
			 p->title, p->name, name);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_UNSUPPORTED);
		return -1;
	}
	if (!args)
		args = empty = cJSON_CreateObject();
	/* an operation that changes nothing (a login) needs no journal line
	 * on disk before its POSTs: only the ones that change something do */
	held = op->changes_state ? NULL : call->account->http;
	if (held)
		http_session_hold_change_gate(held, 1);
	rc = op->run(call, args, result, err);
	if (held)
		http_session_hold_change_gate(held, 0);
	cJSON_Delete(empty);
	if (rc != 0) {
		cJSON_Delete(*result);
		*result = NULL;
		if (!err->code[0])
			snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INTERNAL);
		if (!err->message[0])
			snprintf(err->message, sizeof(err->message), "%s failed without saying why", name);
		return -1;
	}
	if (!*result)
		*result = cJSON_CreateObject();
	return 0;
}

void call_release(struct pecctl_call *call)
{
	for (size_t i = 0; i < call->n_secret_results; i++) {
		secret_free(call->secret_results[i].value);
		call->secret_results[i].value = NULL;
	}
	call->n_secret_results = 0;
}

void account_release(struct account *a)
{
	if (a->plugin_data && a->plugin_data_free)
		a->plugin_data_free(a->plugin_data);
	a->plugin_data = NULL;
	free(a->address);
	a->address = NULL;
}
