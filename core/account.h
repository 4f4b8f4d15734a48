#ifndef PECCTL_ACCOUNT_H
#define PECCTL_ACCOUNT_H
#include <stddef.h>
#include "pecctl/plugin.h"

struct http_session;
struct secret;

/* A mailbox bound to its provider: what a plugin operation runs against. */
struct account {
	const struct pecctl_provider *provider;
	char *address;
	struct http_session *http;      /* owned by whoever made the account */
	void *plugin_data;              /* host->set_session_data */
	void (*plugin_data_free)(void *);
};

#define CALL_MAX_SECRETS 16

/* One operation call (struct pecctl_call of plugin.h): the account, the
 * secret arguments lent by the caller for its duration, and the secret
 * results the plugin hands back. */
struct pecctl_call {
	struct account *account;
	struct {
		const char *name;
		const char *value;  /* borrowed; valid until the call returns */
	} secret_args[CALL_MAX_SECRETS];
	size_t n_secret_args;
	struct {
		char name[64];
		struct secret *value;  /* owned until taken by the caller */
	} secret_results[CALL_MAX_SECRETS];
	size_t n_secret_results;
};

/* Run operation `name` of the account's provider: 0 and *result, or -1 and
 * err (unsupported when the provider has no such operation). Secret
 * results stay in call->secret_results for the caller to take. */
int account_call(struct pecctl_call *call, const char *name, const cJSON *args, cJSON **result,
		 struct pecctl_error *err);
/* Free the secret results the caller did not take, and the plugin data. */
void call_release(struct pecctl_call *call);
void account_release(struct account *a);

#endif
