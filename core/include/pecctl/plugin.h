/*
 * pecctl provider plugin ABI.
 *
 * This is the only pecctl header a provider plugin includes. A plugin is a
 * shared object exporting two symbols:
 *
 *   PECCTL_PLUGIN_DECLARE();                       the ABI it was built for
 *   int pecctl_plugin_init(const struct pecctl_host *host,
 *                          struct pecctl_registry *reg);
 *
 * The host hands over one table of function pointers (struct pecctl_host).
 * The table is append-only: a new entry only ever goes at the end and bumps
 * PECCTL_ABI_MINOR; removing or changing an entry bumps PECCTL_ABI_MAJOR.
 * The loader refuses a plugin built for another major, or for a newer minor
 * than the host provides. Every struct that crosses the boundary starts with
 * its size so either side can tell which fields the other knows.
 *
 * Operations take their arguments and return their results as cJSON
 * objects. Secrets never travel inside cJSON: an operation asks the host for
 * a secret argument by name (secret_arg) and hands secret results back with
 * secret_result, so the host can keep them in locked memory and redact them.
 *
 * Ownership: everything the host returns is owned by the host unless the
 * comment says "caller frees"; free those with host->free_memory or the
 * matching *_free entry.
 *
 * ABI changes:
 *   1.0  first version.
 */
#ifndef PECCTL_PLUGIN_H
#define PECCTL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PECCTL_ABI_MAJOR 1
#define PECCTL_ABI_MINOR 0
#define PECCTL_MAKE_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define PECCTL_ABI_VERSION PECCTL_MAKE_VERSION(PECCTL_ABI_MAJOR, PECCTL_ABI_MINOR)

/* Both plugin symbols are marked default-visible here, so a plugin built
 * with -fvisibility=hidden (as it should be) still exports them. */
#define PECCTL_PLUGIN_EXPORT __attribute__((visibility("default")))

/* Exported by every plugin so the loader can check it before calling init. */
PECCTL_PLUGIN_EXPORT extern const uint32_t pecctl_plugin_abi_version;
#define PECCTL_PLUGIN_DECLARE() \
	const uint32_t pecctl_plugin_abi_version = PECCTL_ABI_VERSION

/* Opaque handles: a plugin never sees inside them. */
struct pecctl_registry;  /* where init registers its providers */
struct pecctl_call;      /* one operation call: account, session, config, prompts */
struct pecctl_response;  /* one HTTP response */
struct pecctl_html;      /* one parsed HTML page */
struct pecctl_form;      /* one HTML form, filled and submitted through the call's session */

/*
 * Error codes shared by core, plugins and scripts. A plugin sets one of
 * these in pecctl_error.code; the CLI maps each to an exit code.
 */
#define PECCTL_E_AUTH "auth"                 /* wrong credentials, locked out */
#define PECCTL_E_POLICY "policy"             /* a value the password/profile policy rejects */
#define PECCTL_E_NEEDS_HUMAN "needs_human"   /* approval or code needed and none available */
#define PECCTL_E_DENIED "denied"             /* a human denied the approval */
#define PECCTL_E_EXPIRED "expired"           /* an approval or code expired */
#define PECCTL_E_PORTAL_CHANGED "portal_changed" /* a page no longer looks as expected */
#define PECCTL_E_PORTAL "portal"             /* the portal refused with a message */
#define PECCTL_E_NETWORK "network"           /* DNS, connect, TLS, dropped connection */
#define PECCTL_E_TIMEOUT "timeout"           /* no answer in time */
#define PECCTL_E_UNKNOWN_OUTCOME "unknown_outcome" /* request sent, result unknown */
#define PECCTL_E_RATE_LIMITED "rate_limited" /* 429 that did not clear in time */
#define PECCTL_E_UNSUPPORTED "unsupported"   /* the provider has no such operation */
#define PECCTL_E_INVALID "invalid"           /* bad argument from the caller */
#define PECCTL_E_INTERNAL "internal"         /* a bug */

struct pecctl_error {
	char code[32];      /* one of PECCTL_E_* */
	char message[512];  /* human text, lower case start; portal text verbatim */
	char field[64];     /* the form field the portal blamed, when it named one */
	long http_status;   /* the status that caused it, 0 when none */
};

/* Log levels for host->log. */
enum pecctl_log_level {
	PECCTL_LOG_DEBUG = 0,
	PECCTL_LOG_INFO = 1,
	PECCTL_LOG_WARN = 2,
	PECCTL_LOG_ERROR = 3
};

/* What wait_for_approval's poll callback reports. */
enum pecctl_approval {
	PECCTL_APPROVAL_PENDING = 0,
	PECCTL_APPROVAL_APPROVED = 1,
	PECCTL_APPROVAL_DENIED = 2,
	PECCTL_APPROVAL_EXPIRED = 3,
	PECCTL_APPROVAL_ERROR = 4   /* poll failed; err says why */
};

/* Password policy as data: the core checks and generates from it. */
struct pecctl_password_policy {
	size_t size;               /* sizeof(struct pecctl_password_policy) */
	int min_length;
	int max_length;
	const char *allowed_specials; /* characters allowed besides letters and digits */
	int letters_allowed;       /* unaccented ASCII letters allowed */
	int digits_allowed;
	int require_upper;         /* at least one of each, when set */
	int require_lower;
	int require_digit;
	int require_special;
	int forbid_current;        /* must differ from the password in use */
	int forbid_userid;         /* must not contain the user id or local part */
	int history;               /* must not be one of the last N; 0 = not checked */
	const char *description;   /* the portal's own wording of the rules */
};

/* Frozen: plugins hand over arrays of these, so the element size is part of
 * the ABI and carries no size field. Anything a later minor wants to say per
 * operation goes in a new, separate array of struct pecctl_provider. */
struct pecctl_operation {
	const char *name;     /* "login", "change_password", ... */
	const char *summary;  /* one line for `pecctl providers` */
	int changes_state;    /* 1 when it changes something on the portal */
	/* Returns 0 and sets *result (caller frees with cJSON_Delete), or -1
	 * and fills err. args is never NULL (an empty object at least). */
	int (*run)(struct pecctl_call *call, const cJSON *args, cJSON **result,
		   struct pecctl_error *err);
};

struct pecctl_provider {
	size_t size;                      /* sizeof(struct pecctl_provider) */
	const char *name;                 /* "aruba" */
	const char *title;                /* "Aruba PEC" */
	const char *const *domains;       /* NULL-terminated: mailbox domains served */
	const char *const *hosts;         /* NULL-terminated: hosts it talks to */
	const struct pecctl_password_policy *policy;
	int logins_per_minute;            /* polite ceiling across a batch; 0 = none */
	int max_concurrency;              /* simultaneous mailboxes; 0 = no limit */
	int may_need_human;               /* logins can need a push approval or code */
	const struct pecctl_operation *operations;
	size_t n_operations;
};

/* A poll callback for wait_for_approval. */
typedef enum pecctl_approval (*pecctl_poll_fn)(struct pecctl_call *call, void *userdata,
					     struct pecctl_error *err);

struct pecctl_host {
	uint32_t abi_major;
	uint32_t abi_minor;
	size_t size;  /* sizeof(struct pecctl_host) as the host knows it */

	/* --- registration (only during pecctl_plugin_init) --- */
	int (*register_provider)(struct pecctl_registry *reg, const struct pecctl_provider *p);

	/* --- memory --- */
	void (*free_memory)(void *p);

	/* --- the call --- */
	const char *(*account)(struct pecctl_call *call);  /* mailbox address */
	/* Configuration override for a portal URL, path or field name:
	 * key like "gestionemail.login_path"; the host looks it up under
	 * "<provider>.<key>" and returns fallback when not set. */
	const char *(*config)(struct pecctl_call *call, const char *key, const char *fallback);
	void (*log)(struct pecctl_call *call, enum pecctl_log_level level, const char *message);
	/* Data the plugin keeps with the account's session across calls
	 * (a bearer token, a logged-in flag). The host calls free_fn when the
	 * session ends. */
	void *(*session_data)(struct pecctl_call *call);
	void (*set_session_data)(struct pecctl_call *call, void *data, void (*free_fn)(void *));

	/* --- secrets --- */
	/* The bytes of secret argument `name`, NUL-terminated, valid until the
	 * operation returns; NULL when absent. Never log or copy them into
	 * results. */
	const char *(*secret_arg)(struct pecctl_call *call, const char *name);
	/* Hand a secret result (e.g. a generated app password) to the caller;
	 * the host copies it into locked memory and registers it for redaction. */
	int (*secret_result)(struct pecctl_call *call, const char *name, const char *value);
	/* Register a value that must never be shown (e.g. a bearer token). */
	void (*redact)(struct pecctl_call *call, const char *value);

	/* --- HTTP through the account's session (cookies, TLS, sandbox, HAR) --- */
	/* headers: NULL-terminated "Name: value" strings, or NULL. body may be
	 * NULL. Returns 0 with *out set (free with response_free) for any HTTP
	 * status, or -1 with err filled for network failures. */
	int (*http_request)(struct pecctl_call *call, const char *method, const char *url,
			    const char *const *headers, const char *body, size_t body_len,
			    struct pecctl_response **out, struct pecctl_error *err);
	long (*response_status)(const struct pecctl_response *r);
	const char *(*response_body)(const struct pecctl_response *r, size_t *len);
	const char *(*response_url)(const struct pecctl_response *r);  /* after redirects */
	const char *(*response_header)(const struct pecctl_response *r, const char *name);
	void (*response_free)(struct pecctl_response *r);
	/* application/x-www-form-urlencoded encoding of one value; caller frees. */
	char *(*url_encode)(const char *value);

	/* --- HTML --- */
	struct pecctl_html *(*html_parse)(const char *body, size_t len, const char *base_url);
	void (*html_free)(struct pecctl_html *doc);
	/* Evaluate an XPath expression; a node-set gives the string value of
	 * every node, a scalar gives one string. Caller frees with cJSON_Delete.
	 * NULL on a bad expression. */
	cJSON *(*html_xpath)(struct pecctl_html *doc, const char *expr);
	/* The form whose action path or id matches (either may be NULL);
	 * NULL when there is none. Freed with form_free. */
	struct pecctl_form *(*html_form)(struct pecctl_html *doc, const char *action, const char *id);
	/* Set a field the form declares; -1 and err when the form has no such
	 * field (the portal changed). value may be a secret from secret_arg. */
	int (*form_set)(struct pecctl_form *form, const char *name, const char *value,
			struct pecctl_error *err);
	const char *(*form_get)(const struct pecctl_form *form, const char *name);
	const char *(*form_action)(const struct pecctl_form *form); /* absolute URL */
	int (*form_submit)(struct pecctl_call *call, struct pecctl_form *form,
			   struct pecctl_response **out, struct pecctl_error *err);
	void (*form_free)(struct pecctl_form *form);

	/* --- humans in the loop --- */
	/* Poll every interval_ms until approved, denied, expired or timeout_s,
	 * showing a countdown labelled `what` on the TTY. */
	enum pecctl_approval (*wait_for_approval)(struct pecctl_call *call, const char *what,
						  int timeout_s, int interval_ms,
						  pecctl_poll_fn poll, void *userdata,
						  struct pecctl_error *err);
	/* Ask for a one-time code (TTY or --otp-command). Writes a
	 * NUL-terminated code to buf; -1 and err (needs_human) when nobody can
	 * answer. */
	int (*prompt_code)(struct pecctl_call *call, const char *label, char *buf, size_t cap,
			   struct pecctl_error *err);
	/* Sleep, returning -1 early when the user interrupted (Ctrl-C). */
	int (*sleep_ms)(struct pecctl_call *call, long ms);
};

/* Implemented by every plugin. Returns 0, or -1 after logging why. */
typedef int (*pecctl_plugin_init_fn)(const struct pecctl_host *host, struct pecctl_registry *reg);
PECCTL_PLUGIN_EXPORT int pecctl_plugin_init(const struct pecctl_host *host,
					 struct pecctl_registry *reg);

/* Fill an error in one line: pecctl_error_set(err, PECCTL_E_AUTH, "wrong password"). */
static inline void pecctl_error_set(struct pecctl_error *err, const char *code, const char *message)
{
	size_t i;

	if (!err)
		return;
	for (i = 0; code[i] && i + 1 < sizeof(err->code); i++)
		err->code[i] = code[i];
	err->code[i] = '\0';
	for (i = 0; message[i] && i + 1 < sizeof(err->message); i++)
		err->message[i] = message[i];
	err->message[i] = '\0';
}

#ifdef __cplusplus
}
#endif
#endif /* PECCTL_PLUGIN_H */
