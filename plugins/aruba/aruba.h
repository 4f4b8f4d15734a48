/*
 * Aruba PEC provider: what the files of this plugin share. Nothing here is
 * exported (the plugin is built with -fvisibility=hidden); only
 * pecctl_plugin_init and the ABI symbol leave the .so.
 *
 * Every URL path, form action, form id and field name goes through
 * host->config under "aruba.<site>.<name>", so a portal that moved a page
 * or renamed a field can be followed with a line in the config file.
 */
#ifndef ARUBA_H
#define ARUBA_H
#include <stddef.h>
#include <pecctl/plugin.h>

/* The host table handed to pecctl_plugin_init. */
extern const struct pecctl_host *aruba_host;

/* ---- portal.c: sites, URLs, pages, messages, forms ---- */

enum aruba_site {
	ARUBA_GESTIONEMAIL,  /* gestionemail.pec.it: GestioneMail */
	ARUBA_ACCOUNT,       /* account.aruba.it: Gestione account PEC */
	ARUBA_WEBMAIL,       /* webmail.pec.it: Webmail PEC Smart (JSON) */
	ARUBA_AREACLIENTI,   /* areaclienti.pec.it: Area clienti PEC */
	ARUBA_SITE_COUNT
};

const char *aruba_site_key(enum aruba_site site);   /* "gestionemail", used in config keys */
const char *aruba_site_host(enum aruba_site site);  /* "gestionemail.pec.it" */

/* host->config(call, "<site>.<name>", fallback). */
const char *aruba_config(struct pecctl_call *call, enum aruba_site site, const char *name,
			 const char *fallback);
/* A form field's name on the portal: config "<site>.field.<name>", else name. */
const char *aruba_field(struct pecctl_call *call, enum aruba_site site, const char *name);
/* The site's base URL (config "<site>.base_url") followed by path (an
 * absolute URL is taken as it is); caller frees; NULL on out-of-memory. */
char *aruba_url(struct pecctl_call *call, enum aruba_site site, const char *path);
/* A link found on a page made absolute against the page's URL; caller frees. */
char *aruba_resolve(const char *page_url, const char *href);
/* printf into a fresh string; caller frees; NULL on out-of-memory. */
char *aruba_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Who to log in as on a site; NULL fields mean the mailbox and its secret
 * argument "password". */
struct aruba_identity {
	const char *user;
	const char *password_arg;  /* name of the secret argument holding the password */
};

/* One fetched page: the response and, when it is HTML, its parsed tree. */
struct aruba_page {
	struct pecctl_response *resp;
	struct pecctl_html *doc;  /* parsed on first use: read it with aruba_page_doc */
	long status;
	int parsed;               /* doc is what parsing gave (maybe NULL: not HTML) */
	/* A form found by aruba_page_has_form, kept for the aruba_page_form
	 * that usually follows (a login page is asked both), with the action
	 * and id it was looked for by. */
	struct pecctl_form *form;
	char *form_key;
};

void aruba_page_release(struct aruba_page *page);
/* The page's HTML tree, parsed the first time it is asked for (many pages,
 * like the one a login lands on, are never queried); NULL when the answer
 * is not HTML or cannot be parsed. */
struct pecctl_html *aruba_page_doc(const struct aruba_page *page);
const char *aruba_page_url(const struct aruba_page *page);
const char *aruba_page_body(const struct aruba_page *page, size_t *len);
/* 1 when the page's raw body contains needle: a cheap test that lets the
 * common page (no alert, no push) skip XPath queries over every element. */
int aruba_page_mentions(const struct aruba_page *page, const char *needle);
/* 1 when the page has the form with this action, else this id (neither
 * given: 0); the form is kept for aruba_page_form. */
int aruba_page_has_form(const struct aruba_page *page, const char *action, const char *form_id);
/* Take a response (and parse it when it is HTML) into page. */
int aruba_page_adopt(struct aruba_page *page, struct pecctl_response *resp,
		     struct pecctl_error *err);
/* Any request, the page replacing what `page` held. Network errors come
 * back unchanged in err (unknown_outcome included). */
int aruba_fetch(struct pecctl_call *call, const char *method, const char *url,
		const char *const *headers, const char *body, size_t body_len,
		struct aruba_page *page, struct pecctl_error *err);
/* A 429 worth waiting out (short Retry-After, few retries so far): sleep
 * and return 1 to try again (the portal refused the request, so nothing
 * happened); 0 when not; -1 and err when interrupted. */
int aruba_rate_limit_pause(struct pecctl_call *call, const struct aruba_page *page,
			   const char *what, int *retries, struct pecctl_error *err);
/* GET a page of `site` at `path` (already resolved through config) after
 * making sure the session is logged in there as `who` (NULL: the mailbox);
 * logs in again once when the portal sends us back to its login form (idle
 * expiry, password change). */
int aruba_open(struct pecctl_call *call, enum aruba_site site, const struct aruba_identity *who,
	       const char *path, struct aruba_page *page, struct pecctl_error *err);
/* The first string an XPath expression gives on the page, trimmed;
 * caller frees; NULL when none. */
char *aruba_page_text(const struct aruba_page *page, const char *xpath);
/* Every string an XPath expression gives (a cJSON array; caller frees). */
cJSON *aruba_page_strings(const struct aruba_page *page, const char *xpath);
int aruba_page_has(const struct aruba_page *page, const char *xpath);

/* portal_changed: "<what> not found on <url>". */
int aruba_portal_changed(struct pecctl_error *err, const struct aruba_page *page,
			 const char *what);
/* The portal's alert-danger / field-error on a page turned into err, or 0
 * when there is none. Known messages map to auth, policy, denied...;
 * anything else is PECCTL_E_PORTAL with the portal's text verbatim. */
int aruba_page_error(const struct aruba_page *page, struct pecctl_error *err);
/* Map one portal message (with the field the portal blamed, may be NULL). */
void aruba_message_error(const char *text, const char *field, long status,
			 struct pecctl_error *err);
/* The alert-success text; caller frees; NULL when none. */
char *aruba_page_success(const struct aruba_page *page);
/* After a POST that should have changed something: the alert-success text
 * (caller frees), or NULL and err unknown_outcome, since the portal took
 * the form without saying whether it acted. */
char *aruba_expect_success(const struct aruba_page *page, const char *what,
			   struct pecctl_error *err);
/* Codes sent by email or SMS: the portal allows 3 tries per code. */
#define ARUBA_CODE_ATTEMPTS 3
#define ARUBA_CODE_MAX 32
/* After a code form was refused (err): 1 when the portal said the code was
 * wrong and attempt < ARUBA_CODE_ATTEMPTS, so the code is asked for again
 * (logged); 0 when the error stands. */
int aruba_ask_code_again(struct pecctl_call *call, int attempt, const struct pecctl_error *err);
/* 1 when the page carries `text` (the portal's wording) anywhere. */
int aruba_page_says(const struct aruba_page *page, const char *text);
/* An XPath expression lower-cased (XPath 1.0 has no lower-case()): to
 * compare addresses, whose case does not matter. */
#define ARUBA_XPATH_LOWER(expr) \
	"translate(" expr ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
/* XPath literal for an arbitrary string (concat() when it holds both quotes);
 * caller frees. */
char *aruba_xpath_literal(const char *s);

/* A value to put into a form field. */
enum aruba_fill_kind {
	ARUBA_FILL_TEXT,      /* a plain value, shown by dry_run */
	ARUBA_FILL_SECRET,    /* a secret: sent, shown as "***" */
	ARUBA_FILL_CHECKBOX   /* value "1" ticks the box, anything else clears it */
};

struct aruba_fill {
	const char *field;    /* logical field name (config "<site>.field.<name>") */
	const char *value;    /* NULL: leave the field as the page has it */
	enum aruba_fill_kind kind;
};

/* The form on page by action, else id (neither: the page's only form);
 * NULL and err: the page's own error message, or portal_changed naming
 * the form and the page. Free with aruba_host->form_free. */
struct pecctl_form *aruba_page_form(const struct aruba_page *page, const char *what,
				    const char *action, const char *form_id,
				    struct pecctl_error *err);

/* One "find the form → fill → POST" step. */
struct aruba_step {
	enum aruba_site site;
	const char *what;      /* for messages and logs: "password change" */
	const char *page;      /* path of the page with the form; NULL: use the page given */
	const char *action;    /* the form's action path, NULL to match by id only */
	const char *form_id;   /* the form's id, NULL to match by action only */
	const struct aruba_fill *fills;
	size_t n_fills;
	const struct aruba_identity *who;  /* logged in as; NULL: the mailbox */
	int anonymous;         /* never log in for it (login forms, push pages) */
	/* The page expectation it comes from (pages.c), or NULL: every fill
	 * must name one of its fields, so the doctor checks what is filled. */
	const struct aruba_page_spec *spec;
};

/*
 * The shared sequence of every form: open the page (unless `page` already
 * holds it), find the form by meaning, fill it, and then either
 *  - dry_run: *dry_result = {"dry_run":true,"would_submit":{"url","fields"}}
 *    and nothing is posted; or
 *  - POST it; a stale _token ("Sessione scaduta") reloads the page and
 *    posts once more (the portal refused the first one, so nothing
 *    happened); the portal's alert-danger becomes err; a 5xx after the POST
 *    is unknown_outcome. On success `page` holds the page the POST led to.
 */
int aruba_submit(struct pecctl_call *call, const struct aruba_step *step, struct aruba_page *page,
		 int dry_run, cJSON **dry_result, struct pecctl_error *err);

/* Is args.dry_run true? */
int aruba_dry_run(const cJSON *args);
/* args.<name> as a string, NULL when absent or not a string. */
const char *aruba_arg_string(const cJSON *args, const char *name);
/* A secret argument that must be present: NULL and err (invalid) when absent. */
const char *aruba_require_secret(struct pecctl_call *call, const char *name,
				 struct pecctl_error *err);
/* Logging at DEBUG/INFO with printf formatting (never pass secrets). */
void aruba_log(struct pecctl_call *call, enum pecctl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set err with printf formatting. */
int aruba_fail(struct pecctl_error *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An ASCII-lower-cased copy (addresses); caller frees; NULL on out-of-memory. */
char *aruba_lowercase(const char *s);
/* Copy a portal date "DD/MM/YYYY" (followed by " HH:MM" or not) to ISO
 * "YYYY-MM-DD" ("YYYY-MM-DDTHH:MM"); 0, or -1 when it is not one. */
int aruba_iso_date(const char *portal, char *out, size_t cap);

/* ---- pages.c: what the plugin expects of each page ---- */

/* The portal's own wording of the password rules (seed
 * aruba-password-change.txt), shown above every password form. */
#define ARUBA_PASSWORD_RULES \
	"La nuova password deve avere una lunghezza compresa fra gli 8 ed i 20 caratteri, " \
	"può contenere solo lettere non accentate, numeri ed i caratteri '.' e '-', inoltre " \
	"non può essere uguale alla password in uso."
/* What "Password programmi di posta" says instead with two-step off. */
#define ARUBA_TEXT_APP_PASSWORD_NEEDS_TWOFA "Per generare una password per i programmi di posta"

/* Element ids and XPath expressions the operations read pages with. */
#define ARUBA_ID_CONTACT_EMAIL "contatto-email"
#define ARUBA_ID_CONTACT_MOBILE "contatto-cellulare"
#define ARUBA_XPATH_APP_PASSWORD_STATE "//*[@id='password-programmi']/@data-stato"
#define ARUBA_XPATH_TWOFA_STATE "//*[@id='verifica-2-passaggi']/@data-stato"
#define ARUBA_XPATH_HISTORY_TABLE "//table[@id='storico']"
#define ARUBA_XPATH_DOMAIN_LIST "//table//tr[@data-casella] | //table[@id='caselle']"
#define ARUBA_XPATH_HOLDER_PROFILE "//dl[@id='profilo-titolare']"

/* The webmail's JSON API: its paths (config webmail.login_api,
 * webmail.settings_api) and where its settings hold the link into
 * Gestione account. */
#define ARUBA_WEBMAIL_LOGIN_API "/smart/api/login"
#define ARUBA_WEBMAIL_SETTINGS_API "/smart/api/impostazioni"
#define ARUBA_JSON_SETTINGS_ACCOUNT "account"
#define ARUBA_JSON_SETTINGS_SSO_LINK "sicurezza_e_password"

/* An element a page must have: how it is found, and its name in messages. */
struct aruba_element {
	const char *label;   /* "#verifica-2-passaggi[data-stato]" */
	const char *xpath;
};

/* How the plugin reaches a page. */
enum aruba_reach {
	ARUBA_REACH_ANONYMOUS,  /* GET of its path, not logged in (login forms) */
	ARUBA_REACH_GET,        /* GET of its path, logged in as the mailbox */
	ARUBA_REACH_LINK,       /* a link on another page leads there */
	ARUBA_REACH_POST,       /* only the answer to a POST shows it */
	ARUBA_REACH_OTHER_LOGIN /* logged in as someone else (an Aruba account) */
};

/*
 * One page the plugin depends on: where it is (config key and default),
 * the form it fills (action, id, the logical names of its fields) and the
 * elements and wording it reads. The operations take their paths, form
 * lookups and fields from here; the doctor checks the same entries.
 */
struct aruba_page_spec {
	enum aruba_site site;
	const char *what;              /* "password change" */
	enum aruba_reach reach;
	const char *reached_how;       /* for LINK/POST/OTHER_LOGIN: how, in words */
	const char *path_key, *path;   /* config key of the path and its default */
	const char *action_key, *action;   /* default NULL: the page's own path */
	const char *form_id_key, *form_id;
	const char *const *fields;     /* NULL-terminated; NULL: no form */
	const struct aruba_element *elements;  /* {NULL} terminated; may be NULL */
	const char *text;              /* wording the page always shows; may be NULL */
	const char *text_instead;      /* shown instead of the elements when the
					* feature is off (two-step); may be NULL */
	int postmaster_only;           /* only a postmaster@ login sees it */
};

enum aruba_page_name {
	ARUBA_PAGE_GESTIONEMAIL_LOGIN,
	ARUBA_PAGE_GESTIONEMAIL_PASSWORD,
	ARUBA_PAGE_GESTIONEMAIL_HISTORY,
	ARUBA_PAGE_DOMAIN_LIST,
	ARUBA_PAGE_DOMAIN_PASSWORD,
	ARUBA_PAGE_ACCOUNT_LOGIN,
	ARUBA_PAGE_ACCOUNT_HOME,
	ARUBA_PAGE_CONTACTS,
	ARUBA_PAGE_CONTACTS_VERIFY,
	ARUBA_PAGE_ACCOUNT_PASSWORD,
	ARUBA_PAGE_APP_PASSWORD,
	ARUBA_PAGE_TWOFA,
	ARUBA_PAGE_EXPIRY,
	ARUBA_PAGE_ACCOUNT_HISTORY,
	ARUBA_PAGE_AREACLIENTI_LOGIN,
	ARUBA_PAGE_AREACLIENTI_HOME,
	ARUBA_PAGE_PROFILE,
	ARUBA_PAGE_SERVICES,
	ARUBA_PAGE_COUNT
};

extern const struct aruba_page_spec aruba_pages[ARUBA_PAGE_COUNT];

/* The login form's page of a site; NULL for the webmail (JSON). Its first
 * field is the user's. */
const struct aruba_page_spec *aruba_login_spec(enum aruba_site site);
/* The page's path, form action (the path when it has no default) and
 * form id, through the config. */
const char *aruba_spec_path(struct pecctl_call *call, const struct aruba_page_spec *spec);
const char *aruba_spec_action(struct pecctl_call *call, const struct aruba_page_spec *spec);
const char *aruba_spec_form_id(struct pecctl_call *call, const struct aruba_page_spec *spec);
/* A step for the page's form: site, what, page, action, form id, spec. */
struct aruba_step aruba_spec_step(struct pecctl_call *call, const struct aruba_page_spec *spec);
/* 1 when the page's form has logical field `name`. */
int aruba_spec_has_field(const struct aruba_page_spec *spec, const char *name);
/* The known portal messages (messages.c): the i-th beginning of a wording,
 * NULL past the end. */
const char *aruba_known_message(size_t i);
/* The link text leading from the holder profile to its form (profile.c). */
const char *aruba_profile_edit_link(struct pecctl_call *call);
/* Is the address a PEC-on-own-domain postmaster? */
int aruba_is_postmaster(const char *address);

/* ---- login.c: logins on each site, who is logged in where ---- */

/* Log in on site as the mailbox unless this session already is (another
 * user's session there is ended first). */
int aruba_ensure_login(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err);
/* The same as someone else (postmaster, an Aruba account). */
int aruba_ensure_login_as(struct pecctl_call *call, enum aruba_site site,
			  const struct aruba_identity *who, struct pecctl_error *err);
/* Who is logged in on site in this session; NULL when nobody. */
const char *aruba_logged_in_user(struct pecctl_call *call, enum aruba_site site);
/* The page the last login landed on, if it is url and nothing was asked
 * since: moved into page (1), else 0. Saves asking for a page twice. */
int aruba_take_landing(struct pecctl_call *call, const char *url, struct aruba_page *page);
/* Any new request makes the landing page stale. */
void aruba_drop_landing(struct pecctl_call *call);
/* End the site's session (best effort: it expires anyway) and forget it. */
int aruba_logout_site(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err);
/* 1 when the last login on site needed a push approval (two-step on). */
int aruba_login_used_push(struct pecctl_call *call, enum aruba_site site);
/* Forget that site's login (the portal ended it, or we logged out). */
void aruba_forget_login(struct pecctl_call *call, enum aruba_site site);
/* Forget every site's login but `keep` (a password change ends the
 * mailbox's other sessions); ARUBA_SITE_COUNT keeps none. */
void aruba_forget_other_logins(struct pecctl_call *call, enum aruba_site keep);
/* Log in again as whoever was logged in on site (the mailbox when nobody). */
int aruba_relogin(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err);
/* Mark a site as logged in as the mailbox (after the SSO from the webmail). */
int aruba_mark_login(struct pecctl_call *call, enum aruba_site site, struct pecctl_error *err);
/* 1 when the page shows the site's login form: the session is gone. */
int aruba_is_login_page(struct pecctl_call *call, enum aruba_site site,
			const struct aruba_page *page);
int aruba_op_login(struct pecctl_call *call, const cJSON *args, cJSON **result,
		   struct pecctl_error *err);
/* Site named by args.site / args.host ("gestionemail", "account.aruba.it"...);
 * fallback when absent; -1 and err (invalid) when unknown. */
int aruba_site_arg(const cJSON *args, enum aruba_site fallback, enum aruba_site *site,
		   struct pecctl_error *err);

/* ---- push.c: two-step push approvals ---- */

/* 1 when the page is a push waiting page (#verifica-accesso[data-poll-url]). */
int aruba_is_push_page(const struct aruba_page *page);
/*
 * A push approval: poll url (JSON {"stato"}) through host->wait_for_approval
 * labelled `what`. 0 when approved; -1 and err denied / expired / what the
 * poll met.
 */
int aruba_wait_push(struct pecctl_call *call, const char *poll_url, const char *what,
		    struct pecctl_error *err);
/* 1 when err says the app denied the push or it expired. */
int aruba_push_refused(const struct pecctl_error *err);
/* After a push denied or expired in the app, the page's form is posted
 * anyway so that the portal closes the attempt (and records it in the
 * access history); finish_rc and portal are that POST's outcome. err keeps
 * its code (denied, expired) and gains the portal's words. */
void aruba_finish_refused_push(struct pecctl_error *err, int finish_rc,
			       const struct pecctl_error *portal);
/* A page showing #verifica-accesso: wait for the push, then POST the page's
 * form; `page` then holds the page that led to. */
int aruba_complete_push_page(struct pecctl_call *call, enum aruba_site site, const char *what,
			     struct aruba_page *page, struct pecctl_error *err);

/* ---- webmail.c: the Webmail PEC Smart JSON API ---- */

/* POST /smart/api/login, with the push approval when two-step is on
 * (*two_step then set). */
int aruba_webmail_login(struct pecctl_call *call, const char *user, const char *password,
			int *two_step, struct pecctl_error *err);
/* GET a webmail API path as the logged-in mailbox; *json (caller frees). */
int aruba_webmail_get(struct pecctl_call *call, const char *path, cJSON **json,
		      struct pecctl_error *err);

/* ---- the operations, one file each ---- */

int aruba_op_logout(struct pecctl_call *call, const cJSON *args, cJSON **result,
		    struct pecctl_error *err);

int aruba_op_change_password(struct pecctl_call *call, const cJSON *args, cJSON **result,
			     struct pecctl_error *err);
int aruba_op_domain_password_set(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err);
int aruba_op_app_password_status(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err);
int aruba_op_app_password_create(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err);
int aruba_op_app_password_regenerate(struct pecctl_call *call, const cJSON *args,
				     cJSON **result, struct pecctl_error *err);
int aruba_op_app_password_extend(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err);
int aruba_op_twofa_status(struct pecctl_call *call, const cJSON *args, cJSON **result,
			  struct pecctl_error *err);
int aruba_op_twofa_disable(struct pecctl_call *call, const cJSON *args, cJSON **result,
			   struct pecctl_error *err);
int aruba_op_contacts_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
			  struct pecctl_error *err);
int aruba_op_contacts_update(struct pecctl_call *call, const cJSON *args, cJSON **result,
			     struct pecctl_error *err);
int aruba_op_password_expiry_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err);
int aruba_op_password_expiry_set(struct pecctl_call *call, const cJSON *args, cJSON **result,
				 struct pecctl_error *err);
int aruba_op_profile_get(struct pecctl_call *call, const cJSON *args, cJSON **result,
			 struct pecctl_error *err);
int aruba_op_profile_update(struct pecctl_call *call, const cJSON *args, cJSON **result,
			    struct pecctl_error *err);
int aruba_op_access_history(struct pecctl_call *call, const cJSON *args, cJSON **result,
			    struct pecctl_error *err);
/* doctor.c: every page above fetched and checked, nothing changed */
int aruba_op_doctor(struct pecctl_call *call, const cJSON *args, cJSON **result,
		    struct pecctl_error *err);

#endif
