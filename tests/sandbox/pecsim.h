/* pecsim: an HTTPS emulator of the Aruba PEC and InfoCert Legalmail portals,
 * written to the portal contract summarised in tests/sandbox/README.md. One header for the whole program:
 * each section below belongs to one .c file of the same name. */
#ifndef PECSIM_H
#define PECSIM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>

/* ---- util.c: growing buffers, key/value lists, small string helpers ---- */

/* Every buffer has a cap, so no input can make the emulator grow without
 * bound; past it the buffer stops growing and remembers it overflowed. */
struct buf {
	char *data;
	size_t len, cap, limit;
	int overflow;
};

#define BUF_DEFAULT_LIMIT (4u << 20)

void buf_init(struct buf *b, size_t limit);
void buf_release(struct buf *b);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_add_html(struct buf *b, const char *s);
/* Replaces every occurrence of from with to; returns how many. */
size_t buf_replace_all(struct buf *b, const char *from, const char *to);

struct kv {
	char *key, *value;
};
struct kvlist {
	struct kv *items;
	size_t n, cap;
};

void kv_add(struct kvlist *l, const char *key, const char *value);
const char *kv_get(const struct kvlist *l, const char *key);
void kv_free(struct kvlist *l);
/* Parses application/x-www-form-urlencoded text into l. */
void kv_parse_urlencoded(struct kvlist *l, const char *text, size_t len);

char *xstrdup(const char *s);
void *xcalloc(size_t n, size_t size);
int str_ieq(const char *a, const char *b);
int str_starts(const char *s, const char *prefix);
/* Strict decimal parse of a whole string; 0 on success. */
int parse_long(const char *s, long *out);
void random_hex(char *out, size_t nbytes); /* out gets 2*nbytes+1 chars */
void random_digits(char *out, size_t n);   /* out gets n+1 chars */
uint32_t random_below(uint32_t n);
int64_t now_ms(void);
/* The emulator's clock; tests never need to sleep past an expiry because
 * every expiry is a setting. */
time_t sim_now(void);
void format_date(char *out, size_t size, time_t t);     /* DD/MM/YYYY */
void format_datetime(char *out, size_t size, time_t t); /* DD/MM/YYYY HH:MM */
void format_iso(char *out, size_t size, time_t t);      /* 2026-01-02T03:04:05Z */

/* ---- server.c: requests, responses, routing by Host ---- */

enum sim_host {
	HOST_GESTIONEMAIL,
	HOST_ACCOUNT,
	HOST_WEBMAIL,
	HOST_AREACLIENTI,
	HOST_INFOCERT,
	HOST_COUNT
};

struct session;

struct sim_request {
	struct MHD_Connection *conn;
	enum sim_host host;
	const char *host_name;
	const char *method;
	const char *path;
	char client_ip[64];
	unsigned long conn_id;
	struct buf body;
	int body_too_large;
	struct kvlist form; /* urlencoded body, after variants */
	cJSON *json;        /* JSON body if it parsed, after variants */
	struct session *session;
	int session_expired; /* a cookie or token named a session that idled out */
};

struct sim_response {
	unsigned status;
	const char *content_type;
	struct buf body;
	struct kvlist headers;
	int drop; /* close the connection without an answer */
};

const char *req_query(const struct sim_request *rq, const char *name);
const char *req_header(const struct sim_request *rq, const char *name);
const char *req_cookie(const struct sim_request *rq, const char *name);
/* A field from the form body, or from a JSON body's top level string. */
const char *req_field(const struct sim_request *rq, const char *name);
int req_is(const struct sim_request *rq, const char *method, const char *path);
const char *host_name(enum sim_host h);
void resp_header(struct sim_response *rs, const char *name, const char *value);
void resp_text(struct sim_response *rs, unsigned status, const char *text);
void resp_json(struct sim_response *rs, unsigned status, cJSON *obj); /* takes obj */
void resp_json_error(struct sim_response *rs, unsigned status, const char *code,
		     const char *message);
void resp_redirect(struct sim_response *rs, const char *location);

struct server_config {
	const char *listen_host;
	unsigned listen_port;
	const char *cert_pem, *key_pem;
	const char *port_file;
};
struct server;
struct server *server_start(const struct server_config *cfg, char *err, size_t errsize);
void server_stop(struct server *srv);

/* ---- tls.c: the sandbox CA and server certificate ---- */

/* Makes ca.pem, server.pem and server-key.pem in dir when absent and loads
 * the server pair; 0 on success. */
int tls_prepare(const char *dir, char **cert_pem, char **key_pem, char *err, size_t errsize);

/* ---- state.c: the state JSON ---- */

int state_load(const char *path, char *err, size_t errsize);
void state_free(void);
cJSON *state_root(void);
int state_replace(cJSON *root, char *err, size_t errsize); /* takes root */
void state_reset(void);
cJSON *state_settings(void);
long setting_long(const char *name, long fallback);
void settings_merge(const cJSON *patch);
cJSON *mailbox_find(const char *address);      /* by address, case-insensitive */
cJSON *mailbox_find_login(const char *login);  /* address or InfoCert user id */
cJSON *account_find(const char *username);     /* Aruba account (1234567@aruba.it) */
const char *json_str(const cJSON *obj, const char *key); /* "" when absent */
int json_bool(const cJSON *obj, const char *key);
long json_long(const cJSON *obj, const char *key, long fallback);
void json_set_str(cJSON *obj, const char *key, const char *value);
void json_set_bool(cJSON *obj, const char *key, int value);
void json_set_num(cJSON *obj, const char *key, double value);
cJSON *json_child(cJSON *obj, const char *key); /* object child, created when absent */
/* The holder profile of a mailbox: an Aruba account profile that links it,
 * else the mailbox's own "profile" object. */
cJSON *mailbox_profile(cJSON *mbox);
const char *mailbox_domain(const cJSON *mbox);

/* ---- session.c: cookie sessions, bearer tokens, per-render _token ---- */

#define SESSION_TOKENS 16

enum pending_kind { PENDING_NONE, PENDING_LOGIN, PENDING_2FA_DISABLE };

struct session {
	char id[65];
	enum sim_host host;
	char *user;       /* mailbox address or Aruba account; NULL before login */
	int is_account;   /* user is an Aruba account, not a mailbox */
	int64_t last_seen_ms;
	char tokens[SESSION_TOKENS][33];
	unsigned next_token;
	/* a login or operation waiting for a push approval */
	enum pending_kind pending;
	char *pending_user;
	char pending_push[33];
	/* flow data between a POST and the page it redirects to */
	char *flash_ok;
	char *flash_secret; /* a generated app password, shown once */
	char *new_email, *new_mobile;
	cJSON *pending_data; /* e.g. Legalmail recovery data awaiting its SMS code */
	char email_code[33], sms_code[33];
	struct session *next;
};

struct session *session_create(enum sim_host host);
/* Finds the request's session (cookie, or bearer token on InfoCert),
 * dropping it when idle too long; sets rq->session. */
struct session *session_lookup(struct sim_request *rq);
void session_attach_cookie(struct sim_response *rs, const struct session *s);
void session_login(struct session *s, const char *user, int is_account);
void session_destroy(struct session *s);
void session_end_user(const char *user, const struct session *keep);
void session_expire_for_request(struct sim_request *rq);
const char *session_new_token(struct session *s);
int session_take_token(struct session *s, const char *token);
void session_flash(struct session *s, const char *msg);
void sessions_clear(void);

/* ---- page.c: HTML pages, escaping, alerts, field errors ---- */

#define FORM_MAX_ERRORS 12

struct form_errors {
	const char *alert;
	size_t n;
	struct {
		const char *field;
		const char *msg;
	} e[FORM_MAX_ERRORS];
};

struct menu_item {
	const char *href;
	const char *label;
};

/* html(): printf-like into the page; %s is HTML-escaped, %r is raw,
 * %d int, %l long, %% a percent sign. */
void html(struct sim_response *rs, const char *fmt, ...);
void page_begin(struct sim_response *rs, const char *site, const char *title);
void page_menu(struct sim_response *rs, const struct menu_item *items, size_t n);
void page_alerts(struct sim_response *rs, struct session *s, const struct form_errors *fe);
void page_end(struct sim_response *rs);
void page_form_begin(struct sim_response *rs, const char *id, const char *action, struct session *s);
void page_input(struct sim_response *rs, const char *label, const char *name, const char *type,
		const char *value, const struct form_errors *fe);
void page_checkbox(struct sim_response *rs, const char *label, const char *name, int checked);
void page_form_end(struct sim_response *rs, const char *button);
void page_token_refused(struct sim_response *rs);
void form_error(struct form_errors *fe, const char *field, const char *msg);
const char *form_error_for(const struct form_errors *fe, const char *field);
/* 403 and 0 unless the POST carries a live _token of the session. */
int page_check_token(struct sim_request *rq, struct sim_response *rs);
void page_push_wait(struct sim_response *rs, struct session *s, const char *poll_url,
		    const char *action, const char *what);
void page_access_log(struct sim_request *rq, struct sim_response *rs, cJSON *principal,
		     const char *base_url);
void page_stub(struct sim_response *rs, const char *title);

/* ---- auth.c: logins, lockout, rate limit, pushes, access log, SSO ---- */

enum login_outcome { LOGIN_OK, LOGIN_BAD, LOGIN_LOCKED, LOGIN_NEEDS_PUSH };

enum push_state { PUSH_PENDING, PUSH_APPROVED, PUSH_DENIED, PUSH_EXPIRED };

/* 1 (and a 429 written) when the client made too many login POSTs. */
int auth_rate_limited(struct sim_request *rq, struct sim_response *rs, int json);
enum login_outcome auth_login(struct sim_request *rq, cJSON *principal, const char *password,
			      const char *service);
void auth_record(struct sim_request *rq, cJSON *principal, const char *service,
		 const char *outcome);
int auth_twofa_on(const cJSON *mbox);
enum push_purpose { PUSH_FOR_LOGIN, PUSH_FOR_DISABLE };
/* title NULL: an OTP-only challenge that never reaches the phone. */
const char *push_create(const char *address, const char *title, const char *code_id,
			enum push_purpose purpose);
enum push_purpose push_purpose_of(const char *id);
enum push_state push_state_of(const char *id);
const char *push_address(const char *id);
const char *push_code(const char *id);
const char *push_state_name(enum push_state st); /* in_attesa|autorizzato|negato|scaduto */
void push_consume(const char *id);
int push_decide(const char *id, int approve);
cJSON *push_list_json(int all);
void pushes_clear(void);
const char *sso_ticket_create(const char *address);
char *sso_ticket_redeem(const char *ticket); /* address to free, or NULL */
void auth_clear(void);
/* Would IMAP/SMTP accept this password? App password when two-step is on. */
int auth_mail_login_ok(cJSON *mbox, const char *password, const char **via);

/* ---- codes.c: codes by email/SMS, delivered to the admin outbox ---- */

enum code_result { CODE_OK, CODE_WRONG, CODE_EXPIRED };

const char *code_send(const char *to, const char *channel, const char *purpose);
enum code_result code_check(const char *id, const char *entered);
cJSON *outbox_json(const char *to);
void codes_clear(void);

/* ---- rules.c: password policies, codice fiscale, partita IVA, profiles ---- */

/* Aruba's rules in the contract's order; NULL when acceptable. *field
 * names the form field the message belongs to. */
const char *aruba_password_error(const char *in_use, const char *current, const char *fresh,
				 const char *repeat, int check_current, const char **field);
/* InfoCert's policy: appends {rule,message} objects to violations. */
void infocert_password_violations(const cJSON *mbox, const char *fresh, cJSON *violations);
int codice_fiscale_valid(const char *cf);
int partita_iva_valid(const char *piva);
/* Validates the holder fields of a request (form or JSON; absent fields keep
 * their value); on success writes them to profile. Errors go to fe (fields
 * and messages are static strings); returns 0 on success. */
int profile_update(cJSON *profile, const struct sim_request *rq, struct form_errors *fe);
cJSON *form_errors_json(const struct form_errors *fe);
extern const char *const profile_fields[];
void mailbox_set_password(cJSON *mbox, const char *password, const struct session *keep);

/* ---- faults.c: injected faults and portal variants ---- */

enum fault_when { FAULT_BEFORE, FAULT_AFTER };

struct fault_action {
	int active;
	char kind[16]; /* drop, status, delay, rate_limit, expire_session */
	long arg;
};

int faults_add(const cJSON *rule, char *err, size_t errsize);
int variants_add(const cJSON *rule, char *err, size_t errsize);
cJSON *faults_json(void);
cJSON *variants_json(void);
void faults_clear(void);
void variants_clear(void);
struct fault_action faults_match(const struct sim_request *rq, enum fault_when when);
void variants_apply_request(struct sim_request *rq);
void variants_apply_response(const struct sim_request *rq, struct sim_response *rs);

/* ---- admin.c: the /__sandbox/ API and the request log ---- */

void admin_handle(struct sim_request *rq, struct sim_response *rs);
void reqlog_add(const struct sim_request *rq, unsigned status);
void reqlog_clear(void);

/* ---- weblogin.c: the HTML login flow the Aruba portals share ---- */

struct web_portal {
	enum sim_host host;
	const char *site;        /* shown in the page header */
	const char *service;     /* the access history's "servizio" */
	const char *login_url;   /* GET: the form */
	const char *login_action;
	const char *login_field; /* casella or username */
	const char *login_label;
	const char *home_url;
	const char *account_home_url; /* areaclienti: where Aruba accounts land */
	const char *verify_url;  /* the push waiting page; its poll is verify_url + "/stato" */
	int accounts_allowed;    /* areaclienti also takes Aruba accounts */
	const char *const *pages; /* globs of the pages behind the login */
};

/* Handles login, push wait, poll and logout routes; 1 when it answered. */
int weblogin_route(struct sim_request *rq, struct sim_response *rs, const struct web_portal *wp);
/* The logged-in session, or NULL after a 303 to the login page (a 404
 * for a path that is none of the portal's pages). */
struct session *weblogin_require(struct sim_request *rq, struct sim_response *rs,
				 const struct web_portal *wp);
/* The mailbox of a logged-in session, NULL for an Aruba account. */
cJSON *session_mailbox(const struct session *s);
void page_not_found(struct sim_response *rs, const char *site);

/* ---- aruba_password.c: the Aruba password form (three portals use it) ---- */

typedef void (*page_chrome_fn)(struct sim_response *rs, struct session *s, const char *title);

struct aruba_password_form {
	const char *action;     /* GET shows it, POST changes, 303 back here */
	const char *heading;
	int with_current;       /* ask for the password in use */
	const char *success;    /* the alert-success text */
	page_chrome_fn chrome;  /* the portal's header and menu */
};

void aruba_password_handle(struct sim_request *rq, struct sim_response *rs, struct session *s,
			   cJSON *target, const struct aruba_password_form *form);

/* ---- host_*.c: one portal each ---- */

void gestionemail_handle(struct sim_request *rq, struct sim_response *rs);
void account_handle(struct sim_request *rq, struct sim_response *rs);
void webmail_handle(struct sim_request *rq, struct sim_response *rs);
void areaclienti_handle(struct sim_request *rq, struct sim_response *rs);
void infocert_handle(struct sim_request *rq, struct sim_response *rs);

#endif
