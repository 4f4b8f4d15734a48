#ifndef PECCTL_HTTP_H
#define PECCTL_HTTP_H
#include <stddef.h>
#include "pecctl/plugin.h"

/* HTTP sessions on libcurl: one easy handle with its own cookie engine per
 * session; TLS verified, TLS 1.2 minimum; redirects followed by us, so that
 * credentials never reach another origin. Plain C: no Lua here. */

struct http_session;

struct http_config {
	const char *sandbox;     /* "HOST:PORT": every host connects there (CONNECT_TO) */
	const char *cacert;      /* CA bundle file, NULL for the system's */
	long timeout_ms;         /* whole request, 0 = default 30 s */
	size_t max_body;         /* response body cap, 0 = default 8 MiB */
	int max_redirects;       /* 0 = default 10 */
	void *share;             /* a CURLSH* shared between workers, or NULL; never
				  * with CURL_LOCK_DATA_COOKIE: cookies are per session */
};

struct http_header {
	char *name;
	char *value;
};

struct http_request {
	const char *method;             /* "GET", "POST", ... */
	const char *url;
	const char *const *headers;     /* NULL-terminated "Name: value", or NULL */
	const char *body;               /* may be NULL */
	size_t body_len;
	int no_redirects;               /* return 3xx answers as they are */
};

struct http_response {
	long status;
	char *url;                      /* final URL after redirects */
	char *body;                     /* NUL-terminated */
	size_t body_len;
	struct http_header *headers;    /* of the final response */
	size_t n_headers;
	char *header_text;              /* when set, every name and value points into it */
	double elapsed_s;               /* total, redirects included */
	int redirects;
};

/* Called after every exchange (each redirect hop too, and failures), for
 * traces and HAR files. request_headers are the lines as libcurl sent them
 * (Host, User-Agent, Cookie, Authorization...; request line dropped); the
 * body is the one sent. Secrets in them are the observer's to redact.
 * Everything is valid only during the call. Phases are in seconds. */
struct http_exchange {
	const char *method;
	const char *url;
	const char *const *request_headers;  /* NULL-terminated */
	const char *request_body;
	size_t request_body_len;
	const struct http_response *response; /* NULL when it failed; redirects
					       * and elapsed_s are not set yet */
	const struct pecctl_error *error;     /* NULL when it got an answer */
	double started_at;                    /* epoch seconds */
	double connect_s, tls_s, wait_s, receive_s; /* phases, for HAR timings */
	double dns_s, send_s;                 /* 0 when not measured (reused connection) */
};
typedef void (*http_observer_fn)(void *userdata, const struct http_exchange *x);

/* Set libcurl up once (thread-safe; call before starting threads that
 * share handles); release it at exit. Sessions call setup themselves. */
int http_global_setup(void);
void http_global_release(void);

struct http_session *http_session_new(const struct http_config *cfg, struct pecctl_error *err);
void http_session_free(struct http_session *s);
void http_session_set_observer(struct http_session *s, http_observer_fn fn, void *userdata);
/* A cheaper look: fn sees every response (each hop) and nothing of the
 * request, so no request trace is kept (e.g. a batch watching for 429s). */
typedef void (*http_response_watch_fn)(void *userdata, const struct http_response *r);
void http_session_set_response_watch(struct http_session *s, http_response_watch_fn fn,
				     void *userdata);

/* Called before every request that may change state (any method but GET,
 * HEAD and OPTIONS) goes out, on the session's thread; it may block. A
 * batch makes its journal's "start" line durable there. */
typedef void (*http_change_gate_fn)(void *userdata);
void http_session_set_change_gate(struct http_session *s, http_change_gate_fn fn, void *userdata);
/* While held (calls nest), unsafe requests do not call the change gate:
 * the account holds it during a plugin operation that declares it changes
 * nothing on the portal (a login's POST). */
void http_session_hold_change_gate(struct http_session *s, int hold);

/* Hooks around every hop of a session, all optional (core/sessions.c sets
 * them for --replay and the REPL). */
struct http_hooks {
	/* Answer the hop instead of the network (replay): 0 and *out (every
	 * part malloc'd, as http_response_free expects), or -1 and err. */
	int (*transport)(void *userdata, const char *method, const char *url, const char *body,
			 size_t body_len, struct http_response **out, struct pecctl_error *err);
	/* Before a hop goes out (stepping): 0 sends it, -1 and err stop it. */
	int (*gate)(void *userdata, const char *method, const char *url, struct pecctl_error *err);
	/* Polled inside libcurl's progress callback while a transfer runs:
	 * nonzero stops it ("interrupted"). Must only read a flag. */
	int (*interrupted)(void *userdata);
	/* After every hop, besides the session's observer (traces). */
	http_observer_fn observe;
	void *userdata;
};
void http_session_set_hooks(struct http_session *s, const struct http_hooks *hooks);

/* 0 and *out (free with http_response_free) for any HTTP status; -1 and err
 * when there is no answer: network (DNS, connect, TLS, dropped), timeout,
 * unknown_outcome (a non-GET request was sent, then the connection dropped
 * or timed out), portal_changed (body over max_body, huge headers), portal
 * (too many redirects), invalid (bad URL, method or header line: "Name:
 * value" without CR or LF). */
int http_session_request(struct http_session *s, const struct http_request *req,
			 struct http_response **out, struct pecctl_error *err);
void http_response_free(struct http_response *r);
/* Case-insensitive header lookup on the final response; NULL when absent. */
const char *http_response_header(const struct http_response *r, const char *name);

/* Cookies the session holds, as Netscape-format lines (for `cookies()`);
 * caller frees. */
char *http_session_cookies(struct http_session *s);
/* Counters for reports and benchmarks. */
long http_session_requests(const struct http_session *s);
long http_session_connections(const struct http_session *s);

/* application/x-www-form-urlencoded encoding of one value; caller frees. */
char *http_url_encode(const char *value, size_t len);
/* Resolve a possibly relative URL against a base; caller frees. */
char *http_resolve_url(const char *base, const char *ref);

#endif
