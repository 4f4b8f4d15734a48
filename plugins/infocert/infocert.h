/*
 * InfoCert Legalmail provider: what the files of this plugin share. Nothing
 * here is exported (the plugin is built with -fvisibility=hidden); only
 * pecctl_plugin_init and the ABI symbol leave the .so.
 *
 * Legalmail is a JSON API (tests/sandbox/README.md): bearer tokens, errors as
 * {"error","message"}. Its base URL and every path go through host->config
 * ("infocert.api_base", "infocert.path.<name>"), so an API that moved is
 * followed with a line in the config file.
 */
#ifndef INFOCERT_H
#define INFOCERT_H
#include <stddef.h>
#include <pecctl/plugin.h>

/* The host table handed to pecctl_plugin_init. */
extern const struct pecctl_host *infocert_host;
/* The one host Legalmail has: "webmail.infocert.it". */
extern const char infocert_hosts_main[];

/* ---- util.c: arguments, logging, errors, strings ---- */

/* Is args.dry_run true? */
int infocert_dry_run(const cJSON *args);
/* args.<name> as a string, NULL when absent or not a string. */
const char *infocert_arg_string(const cJSON *args, const char *name);
/* A secret argument that must be present: NULL and err (invalid) when absent. */
const char *infocert_require_secret(struct pecctl_call *call, const char *name,
				    struct pecctl_error *err);
/* Set err with printf formatting; returns -1. */
int infocert_fail(struct pecctl_error *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Log with printf formatting (never pass secrets). */
void infocert_log(struct pecctl_call *call, enum pecctl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* printf into a fresh string; caller frees; NULL on out-of-memory. */
char *infocert_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Overwrite and free a string that held a secret. */
void infocert_free_secret(char *s);
/* obj.<name> as a string, NULL when absent or not a string. */
const char *infocert_json_string(const cJSON *obj, const char *name);
/* A setting "infocert.<key>" as a number in [min, max], else fallback. */
long infocert_config_long(struct pecctl_call *call, const char *key, long fallback, long min,
			  long max);

/* ---- session.c: the bearer token kept with the account's session ---- */

struct infocert_session {
	char *token;      /* registered with the redactor; NULL when logged out */
	char *username;   /* what we logged in as: user id or address */
	int mfa_used;     /* the login needed a second factor */
};

/* The session data, NULL before the first login. */
struct infocert_session *infocert_session(struct pecctl_call *call);
/* Keep a fresh token (redacted from now on) and who it belongs to. */
int infocert_session_store(struct pecctl_call *call, const char *token, const char *username,
			   int mfa_used, struct pecctl_error *err);
/* Forget the token (expired, or logged out); the username stays. */
void infocert_session_forget(struct pecctl_call *call);
/* The token, NULL when not logged in. */
const char *infocert_token(struct pecctl_call *call);

/* ---- api.c: JSON requests, the token, 401, 429 ---- */

enum infocert_path {
	INFOCERT_PATH_LOGIN,           /* POST /auth/login */
	INFOCERT_PATH_MFA,             /* GET|POST /auth/mfa/<id> */
	INFOCERT_PATH_LOGOUT,          /* POST /auth/logout */
	INFOCERT_PATH_ACCOUNT,         /* GET /account */
	INFOCERT_PATH_PASSWORD,        /* POST /account/password */
	INFOCERT_PATH_RECOVERY,        /* PUT /account/recovery */
	INFOCERT_PATH_RECOVERY_VERIFY, /* POST /account/recovery/verify */
	INFOCERT_PATH_MFA_DISABLE,     /* POST /account/mfa/disable */
	INFOCERT_PATH_HOLDER,          /* GET|PUT /account/holder */
	INFOCERT_PATH_ACCESS_LOG,      /* GET /account/access-log?page=N */
	INFOCERT_PATH_COUNT
};

/* The API base URL + the path (config "path.<name>") + suffix; caller frees. */
char *infocert_url(struct pecctl_call *call, enum infocert_path path, const char *suffix);

/* One member of a flat JSON request body. Secret values are sent, wiped
 * from memory afterwards, and shown as "***" by dry runs. */
struct infocert_field {
	const char *name;
	const char *value;   /* NULL: the member is left out */
	int secret;
};

struct infocert_request {
	const char *what;             /* for messages: "password change" */
	const char *method;
	enum infocert_path path;
	const char *suffix;           /* after the path: "/<id>", "?page=2"; may be NULL */
	const struct infocert_field *fields;  /* the body; POST/PUT send {} without */
	size_t n_fields;
	int changes_state;            /* a 5xx answer leaves the outcome unknown */
	int no_login;                 /* part of a login: never log in for it */
};

/* What the API answered: the status and the body when it is JSON. */
struct infocert_reply {
	long status;
	cJSON *json;
};

void infocert_reply_release(struct infocert_reply *reply);

/*
 * Send a request with the session's token, logging in first when there is
 * none. A 401 logs in again once and repeats the request (the API refused
 * it, so nothing happened); a 429 waits Retry-After through host->sleep_ms
 * up to a cap, then fails rate_limited. 0 for a 2xx, with reply filled;
 * -1 and err otherwise (reply still holds a portal answer when there was
 * one). Network errors come back unchanged, unknown_outcome included, and
 * are never retried.
 */
int infocert_api(struct pecctl_call *call, const struct infocert_request *req,
		 struct infocert_reply *reply, struct pecctl_error *err);
/* {"dry_run":true,"would_submit":{"method","url","body"}} with secrets as
 * "***"; NULL on out-of-memory. */
cJSON *infocert_would_submit(struct pecctl_call *call, const struct infocert_request *req);
/* A dry run of req: log in (so the check covers the credentials), then
 * *result = infocert_would_submit; nothing is sent. */
int infocert_dry_run_result(struct pecctl_call *call, const struct infocert_request *req,
			    cJSON **result, struct pecctl_error *err);

/* ---- errors.c: the API's error answers as pecctl errors ---- */

/* Fill err from a non-2xx answer: the portal's message verbatim, the code
 * from its "error" member or the status, the field it blamed. */
void infocert_reply_error(const struct infocert_reply *reply, const char *body, size_t body_len,
			  const struct infocert_request *req, struct pecctl_error *err);

/* ---- auth.c: logins, second factors, logout ---- */

/* Log in as username (NULL: the one used before, else the mailbox) with
 * the secret argument "password", completing a second factor when asked.
 * mfa_method: "push", "otp" or NULL (config "mfa_method", else push when
 * offered). */
int infocert_login(struct pecctl_call *call, const char *username, const char *mfa_method,
		   struct pecctl_error *err);
/* Log in unless the session holds a token. */
int infocert_ensure_login(struct pecctl_call *call, struct pecctl_error *err);
/*
 * Confirm a challenge (a login's, or one an operation asked for) by push
 * approval or by a code, as the portal offers and mfa_method prefers.
 * *final gets the API's last answer (the token of a login); caller frees.
 */
int infocert_confirm_challenge(struct pecctl_call *call, const char *challenge,
			       const cJSON *methods, const char *mfa_method, const char *what,
			       cJSON **final, struct pecctl_error *err);
/* A code from the user (TTY or --otp-command), posted by `post` until the
 * portal takes it or the attempts run out. */
typedef int (*infocert_code_post_fn)(struct pecctl_call *call, void *userdata,
				     const char *code, struct infocert_reply *reply,
				     struct pecctl_error *err);
int infocert_ask_code(struct pecctl_call *call, const char *label, infocert_code_post_fn post,
		      void *userdata, struct infocert_reply *reply, struct pecctl_error *err);

int infocert_op_login(struct pecctl_call *call, const cJSON *args, cJSON **result,
		      struct pecctl_error *err);
int infocert_op_logout(struct pecctl_call *call, const cJSON *args, cJSON **result,
		       struct pecctl_error *err);

/* ---- the operations ---- */

/* account.c: GET /account, caller frees. */
int infocert_get_account(struct pecctl_call *call, cJSON **account, struct pecctl_error *err);

int infocert_op_change_password(struct pecctl_call *call, const cJSON *args, cJSON **result,
				struct pecctl_error *err);
int infocert_op_twofa_status(struct pecctl_call *call, const cJSON *args, cJSON **result,
			     struct pecctl_error *err);
int infocert_op_twofa_disable(struct pecctl_call *call, const cJSON *args, cJSON **result,
			      struct pecctl_error *err);
int infocert_op_contacts_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
			     struct pecctl_error *err);
int infocert_op_contacts_update(struct pecctl_call *call, const cJSON *args, cJSON **result,
				struct pecctl_error *err);
int infocert_op_profile_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
			    struct pecctl_error *err);
int infocert_op_profile_update(struct pecctl_call *call, const cJSON *args, cJSON **result,
			       struct pecctl_error *err);
int infocert_op_access_history(struct pecctl_call *call, const cJSON *args, cJSON **result,
			       struct pecctl_error *err);

/* What the operations read in the API's answers, shared with the doctor
 * (doctor.c) so that both look for the same members. */
extern const char *const infocert_holder_fields[];     /* profile.c, NULL-terminated */
extern const char *const infocert_recovery_fields[];   /* contacts.c: account.recovery.* */
struct infocert_history_column {
	const char *key;            /* ours: "time" */
	const char *const *names;   /* the portal's, first found wins */
};
extern const struct infocert_history_column infocert_history_columns[];  /* history.c */
extern const char *const infocert_history_list_names[];  /* where the entries are */
/* "mfa" and its "enabled", as twofa_status reads them (account.c) */
#define INFOCERT_JSON_MFA "mfa"
#define INFOCERT_JSON_MFA_ENABLED "enabled"
#define INFOCERT_JSON_RECOVERY "recovery"

int infocert_op_doctor(struct pecctl_call *call, const cJSON *args, cJSON **result,
		       struct pecctl_error *err);

#endif
