/*
 * hello: the smallest useful pecctl provider plugin.
 *
 * It serves mailboxes @hello.example and offers one operation, `login`,
 * which talks to no portal and answers {"greeting": "hello <account>"}.
 * Copy it to start a real provider: keep the shape, replace the operation
 * bodies with host->http_request / host->html_form calls.
 */
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <pecctl/plugin.h>

/* The one ABI symbol the loader checks before calling init. */
PECCTL_PLUGIN_DECLARE();

/* The host table, kept from init: every service the plugin uses goes
 * through it (the plugin links neither Lua nor libcurl). */
static const struct pecctl_host *host;

static int hello_login(struct pecctl_call *call, const cJSON *args, cJSON **result,
		       struct pecctl_error *err)
{
	const char *account = host->account(call);
	char greeting[320];
	cJSON *out;

	(void)args;
	if (!account || !*account) {
		pecctl_error_set(err, PECCTL_E_INVALID, "no mailbox address given");
		return -1;
	}
	snprintf(greeting, sizeof(greeting), "hello %s", account);
	out = cJSON_CreateObject();
	if (!out || !cJSON_AddStringToObject(out, "greeting", greeting)) {
		cJSON_Delete(out);
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return -1;
	}
	host->log(call, PECCTL_LOG_DEBUG, "hello: greeted the mailbox");
	*result = out;  /* the host frees it with cJSON_Delete */
	return 0;
}

static const struct pecctl_operation hello_operations[] = {
	{ "login", "say hello to the mailbox (no network)", 0, hello_login },
};

/* The rules the (imaginary) portal enforces, as data: pecctl checks a new
 * password against them and generates passwords that meet them. */
static const struct pecctl_password_policy hello_policy = {
	.size = sizeof(struct pecctl_password_policy),
	.min_length = 10,
	.max_length = 24,
	.allowed_specials = ".-_",
	.letters_allowed = 1,
	.digits_allowed = 1,
	.require_upper = 1,
	.require_lower = 1,
	.require_digit = 1,
	.forbid_current = 1,
	.forbid_userid = 1,
	.history = 3,
	.description = "from 10 to 24 characters: letters, digits and . - _, "
		       "with an upper-case letter, a lower-case letter and a digit",
};

static const char *const hello_domains[] = { "hello.example", NULL };
static const char *const hello_hosts[] = { "portal.hello.example", NULL };

static const struct pecctl_provider hello_provider = {
	.size = sizeof(struct pecctl_provider),
	.name = "hello",
	.title = "Hello Example",
	.domains = hello_domains,
	.hosts = hello_hosts,
	.policy = &hello_policy,
	.logins_per_minute = 60,
	.max_concurrency = 4,
	.may_need_human = 0,
	.operations = hello_operations,
	.n_operations = sizeof(hello_operations) / sizeof(hello_operations[0]),
};

int pecctl_plugin_init(const struct pecctl_host *h, struct pecctl_registry *reg)
{
	/* The loader already refused another major or a newer minor; a host
	 * with a newer minor simply has more entries at the end of the table. */
	if (h->abi_major != PECCTL_ABI_MAJOR || h->size < sizeof(struct pecctl_host))
		return -1;
	host = h;
	return host->register_provider(reg, &hello_provider);
}
