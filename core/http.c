/* HTTP sessions on libcurl. One easy handle per session (kept for the
 * thread's next session when it closes: http_handles.c): its own cookie
 * engine, kept-alive connections, verified TLS 1.2+. Redirects are followed
 * here rather than by libcurl so that credentials and the caller's headers
 * stay with the origin they were given for. Callbacks only record, but for
 * one decision: on_prerequest stops libcurl from sending a state-changing
 * request a second time; every other is taken after curl_easy_perform
 * returns. */
#include "http.h"
#include "http_handles.h"
#include "log.h"
#include "proxy_env.h"
#include "tls_store.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef PECCTL_VERSION
#define PECCTL_VERSION "dev"
#endif

#define HTTP_DEFAULT_TIMEOUT_MS 30000L
#define HTTP_DEFAULT_MAX_BODY ((size_t)8 << 20)
#define HTTP_DEFAULT_MAX_REDIRECTS 10
#define HTTP_MAX_HEAD_BYTES ((size_t)256 << 10)  /* header block of one response */
#define HTTP_MAX_SENT_BYTES ((size_t)256 << 10)  /* request headers kept for the observer */
#define HTTP_MAX_HEADERS 500

/* A growing byte buffer with a hard cap. Buffers that may hold secrets
 * (request headers with credentials) are wiped when they move or die. */
struct http_buf {
	char *data;
	size_t len, cap, max;
	int overflow;   /* an append went past max */
	int nomem;
	int secret;
};

struct http_session {
	CURL *curl;
	struct curl_slist connect_to;   /* one node, pointing at connect_to_spec */
	char *connect_to_spec;
	long timeout_ms;
	size_t max_body;
	int max_redirects;
	http_observer_fn observer;
	void *observer_data;
	http_response_watch_fn watch;  /* cheap: sees responses only */
	void *watch_data;
	http_change_gate_fn change_gate;
	void *change_gate_data;
	int change_gate_held;
	struct http_hooks hooks;
	long n_requests;
	long n_connections;
	/* Filled by the callbacks during one transfer. */
	struct http_buf body;
	struct http_buf head;
	struct http_buf sent;
	int attempts;   /* times curl got ready to send this hop's request (on_prerequest) */
	char *cacert;         /* --cacert, NULL for the default */
	int hop_unsafe;       /* this hop's request changes state */
	int resend_refused;   /* on_prerequest stopped a second copy of it */
	char errbuf[CURL_ERROR_SIZE];
};

/* What one transfer (one hop) produced besides the response. */
struct http_hop {
	const char *method;
	const char *url;
	const char *body;
	size_t body_len;
	double started_at;
	double dns_s, connect_s, tls_s, send_s, wait_s, receive_s, total_s;
	char *redirect_url;   /* absolute Location, when the answer was a redirect */
};

static pthread_once_t http_global_once = PTHREAD_ONCE_INIT;
static CURLcode http_global_rc = CURLE_FAILED_INIT;

static void http_global_init(void)
{
	/* OpenSSL, which libcurl starts, would tear its state down at exit
	 * (a few percent of a one-mailbox run); the process is ending, and
	 * the system takes the memory back anyway */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	http_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl (and OpenSSL under it) is set up on first use, not at start-up:
 * `pecctl version` and the listings never pay for it. */
int http_global_setup(void)
{
	pthread_once(&http_global_once, http_global_init);
	return http_global_rc == CURLE_OK ? 0 : -1;
}

void http_global_release(void)
{
	http_handles_release_thread();
	if (http_global_rc == CURLE_OK)
		curl_global_cleanup();
}

/* --- buffers --- */

static void buf_init(struct http_buf *b, size_t max, int secret)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
	b->secret = secret;
}

static void buf_release(struct http_buf *b)
{
	if (b->data && b->secret)
		sodium_memzero(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->overflow = b->nomem = 0;
}

/* Forget the contents but keep the memory for the next transfer. */
static void buf_reset(struct http_buf *b, size_t max)
{
	if (b->data && b->secret)
		sodium_memzero(b->data, b->len);
	b->len = 0;
	b->max = max;
	b->overflow = b->nomem = 0;
}

/* Append n bytes, keeping room for a NUL; -1 past the cap or out of memory. */
static int buf_append(struct http_buf *b, const char *p, size_t n)
{
	size_t need, cap;
	char *mem;

	if (n > b->max || b->len > b->max - n) {
		b->overflow = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need > b->cap) {
		cap = b->cap ? b->cap : 1024;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		if (b->secret) {
			/* realloc could leave a copy of the old bytes behind */
			mem = malloc(cap);
			if (mem && b->data) {
				memcpy(mem, b->data, b->len);
				sodium_memzero(b->data, b->cap);
				free(b->data);
			}
		} else {
			mem = realloc(b->data, cap);
		}
		if (!mem) {
			b->nomem = 1;
			return -1;
		}
		b->data = mem;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* --- libcurl callbacks: record only --- */

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	struct http_buf *b = userdata;
	size_t len = size * n;

	if (len && buf_append(b, p, len) < 0)
		return 0;  /* aborts the transfer; the flags say why */
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
	struct http_buf *b = userdata;
	size_t len = size * n;

	/* A status line starts a new response (after a 1xx): keep the last only. */
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
		buf_reset(b, b->max);
	if (len && buf_append(b, p, len) < 0)
		return 0;
	return len;
}

static int on_debug(CURL *curl, curl_infotype type, char *p, size_t n, void *userdata)
{
	struct http_session *s = userdata;

	(void)curl;
	if (type == CURLINFO_HEADER_OUT) {
		buf_reset(&s->sent, s->sent.max);  /* a re-sent request replaces the first */
		buf_append(&s->sent, p, n);
	}
	return 0;
}

/* Called before the request goes out on a connection, new or reused. curl
 * sends a request a second time, on a new connection, when the reused one
 * died under it; a server may have acted on the first copy of a
 * state-changing request, so that copy is the only one. (When the first
 * copy never left, the outcome is still called unknown: reconciling costs
 * a login, guessing could cost the password.) */
static int on_prerequest(void *userdata, char *conn_primary_ip, char *conn_local_ip,
			 int conn_primary_port, int conn_local_port)
{
	struct http_session *s = userdata;

	(void)conn_primary_ip;
	(void)conn_local_ip;
	(void)conn_primary_port;
	(void)conn_local_port;
	if (s->attempts++ > 0 && s->hop_unsafe) {
		s->resend_refused = 1;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct http_session *s = userdata;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return s->hooks.interrupted && s->hooks.interrupted(s->hooks.userdata) ? 1 : 0;
}

/* --- small helpers --- */

static double now_epoch(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_error(struct pecctl_error *err, const char *code, long status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_error(struct pecctl_error *err, const char *code, long status, const char *fmt, ...)
{
	char msg[sizeof(err->message)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(err, 0, sizeof(*err));
	pecctl_error_set(err, code, msg);
	err->http_status = status;
}

struct http_origin {
	char scheme[16];
	char host[256];
	char port[8];
};

/* "https://host[:port]" with a plain lower-case host: the origin without
 * libcurl's URL parser, which cost more than the rest of the request's
 * bookkeeping. 0, or -1 when the URL needs the full rules. */
static int plain_origin(const char *url, struct http_origin *o)
{
	const char *p, *host;
	size_t n;

	if (strncmp(url, "https://", 8) == 0) {
		snprintf(o->scheme, sizeof(o->scheme), "https");
		snprintf(o->port, sizeof(o->port), "443");
		host = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		snprintf(o->scheme, sizeof(o->scheme), "http");
		snprintf(o->port, sizeof(o->port), "80");
		host = url + 7;
	} else {
		return -1;
	}
	for (p = host; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'; p++)
		;
	n = (size_t)(p - host);
	if (n == 0 || n >= sizeof(o->host))
		return -1;
	memcpy(o->host, host, n);
	o->host[n] = '\0';
	if (*p == ':') {
		size_t digits = strspn(p + 1, "0123456789");

		if (digits == 0 || digits >= sizeof(o->port))
			return -1;
		memcpy(o->port, p + 1, digits);
		o->port[digits] = '\0';
		p += 1 + digits;
	}
	return *p == '\0' || *p == '/' || *p == '?' || *p == '#' ? 0 : -1;
}

/* Scheme, host and port (default port filled in); -1 for a URL curl rejects. */
static int origin_of(const char *url, struct http_origin *o)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;

	memset(o, 0, sizeof(*o));
	if (plain_origin(url, o) == 0)
		return 0;
	if (!(u = curl_url()))
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    strlen(scheme) < sizeof(o->scheme) && strlen(host) < sizeof(o->host) &&
	    strlen(port) < sizeof(o->port)) {
		strcpy(o->scheme, scheme);
		strcpy(o->host, host);
		strcpy(o->port, port);
		rc = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

static int same_origin(const struct http_origin *a, const struct http_origin *b)
{
	return strcasecmp(a->scheme, b->scheme) == 0 && strcasecmp(a->host, b->host) == 0 &&
	       strcmp(a->port, b->port) == 0;
}

/* The host of url for messages, "?" when it has none. */
static void host_of(const char *url, char *buf, size_t cap)
{
	CURLU *u = curl_url();
	char *host = NULL;

	snprintf(buf, cap, "?");
	if (!u)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		snprintf(buf, cap, "%s", host);
	curl_free(host);
	curl_url_cleanup(u);
}

static int method_is(const char *method, const char *name)
{
	return strcasecmp(method, name) == 0;
}

/* Methods whose repetition is harmless: a failure after sending them is
 * a plain network error, never an unknown outcome. */
static int method_is_safe(const char *method)
{
	return method_is(method, "GET") || method_is(method, "HEAD") ||
	       method_is(method, "OPTIONS");
}

static int valid_method(const char *m)
{
	size_t i;

	if (!m[0] || strlen(m) > 32)
		return 0;
	for (i = 0; m[i]; i++)
		if (!((m[i] >= 'A' && m[i] <= 'Z') || (m[i] >= 'a' && m[i] <= 'z') || m[i] == '-' ||
		      m[i] == '_'))
			return 0;
	return 1;
}

/* --- sessions --- */

struct http_session *http_session_new(const struct http_config *cfg, struct pecctl_error *err)
{
	static const struct http_config defaults;
	struct http_session *s;
	const char *colon;
	size_t n;
	int ok = 1, fresh;

	if (!cfg)
		cfg = &defaults;
	pthread_once(&http_global_once, http_global_init);
	if (http_global_rc != CURLE_OK) {
		set_error(err, PECCTL_E_INTERNAL, 0, "cannot initialise libcurl: %s",
			  curl_easy_strerror(http_global_rc));
		return NULL;
	}
	if (cfg->sandbox && cfg->sandbox[0]) {
		colon = strrchr(cfg->sandbox, ':');
		if (!colon || colon == cfg->sandbox || !colon[1] ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
			set_error(err, PECCTL_E_INVALID, 0,
				  "bad sandbox address '%s': expected HOST:PORT", cfg->sandbox);
			return NULL;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		set_error(err, PECCTL_E_INTERNAL, 0, "out of memory");
		return NULL;
	}
	s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	s->max_body = cfg->max_body > 0 ? cfg->max_body : HTTP_DEFAULT_MAX_BODY;
	s->max_redirects = cfg->max_redirects > 0 ? cfg->max_redirects : HTTP_DEFAULT_MAX_REDIRECTS;
	buf_init(&s->body, s->max_body, 0);
	buf_init(&s->head, HTTP_MAX_HEAD_BYTES, 0);
	buf_init(&s->sent, HTTP_MAX_SENT_BYTES, 1);
	s->cacert = cfg->cacert && cfg->cacert[0] ? strdup(cfg->cacert) : NULL;
	s->curl = http_handle_take(s->cacert, &fresh);
	if (!s->curl) {
		set_error(err, PECCTL_E_INTERNAL, 0, "cannot create a libcurl handle");
		free(s->cacert);
		free(s);
		return NULL;
	}
	if (cfg->sandbox && cfg->sandbox[0]) {
		/* "::HOST:PORT": any host and port connect there, while SNI, Host and
		 * certificate checks keep the real name. */
		n = strlen(cfg->sandbox) + 3;
		s->connect_to_spec = malloc(n);
		if (!s->connect_to_spec) {
			set_error(err, PECCTL_E_INTERNAL, 0, "out of memory");
			http_session_free(s);
			return NULL;
		}
		snprintf(s->connect_to_spec, n, "::%s", cfg->sandbox);
		s->connect_to.data = s->connect_to_spec;
		s->connect_to.next = NULL;
		ok &= curl_easy_setopt(s->curl, CURLOPT_CONNECT_TO, &s->connect_to) == CURLE_OK;
	}
	/* a kept handle may come from a session with another share */
	ok &= curl_easy_setopt(s->curl, CURLOPT_SHARE, (CURLSH *)cfg->share) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	if (fresh)  /* a kept handle's cookie engine is on already */
		ok &= curl_easy_setopt(s->curl, CURLOPT_COOKIEFILE, "") == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) ==
	      CURLE_OK;
	/* a kept handle still has the store, or the file, its last session had */
	if (fresh && tls_store_use(s->curl, s->cacert) != 0 && s->cacert)
		ok &= curl_easy_setopt(s->curl, CURLOPT_CAINFO, s->cacert) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	/* the proxy environment as libcurl reads it, read once (proxy_env.c);
	 * the proxy itself is set per request, by the URL's scheme */
	ok &= curl_easy_setopt(s->curl, CURLOPT_NOPROXY, proxy_env_no_proxy()) == CURLE_OK;
	/* gzip answers decoded; the Accept-Encoding and User-Agent lines
	 * themselves go out with the request's headers (header_list) */
	ok &= curl_easy_setopt(s->curl, CURLOPT_ACCEPT_ENCODING, "gzip") == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
	/* Refuse early when Content-Length already says the body is too big. */
	ok &= curl_easy_setopt(s->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max_body) ==
	      CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &s->body) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, &s->head) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, on_debug) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, s) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_PREREQFUNCTION, on_prerequest) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_PREREQDATA, s) == CURLE_OK;
	if (!ok) {
		set_error(err, PECCTL_E_INTERNAL, 0,
			  "libcurl refused an option (TLS 1.2 or CONNECT_TO unsupported?)");
		http_session_free(s);
		return NULL;
	}
	return s;
}

void http_session_free(struct http_session *s)
{
	if (!s)
		return;
	http_handle_give_back(s->curl, s->cacert);
	free(s->cacert);
	free(s->connect_to_spec);
	buf_release(&s->body);
	buf_release(&s->head);
	buf_release(&s->sent);
	free(s);
}

void http_session_set_response_watch(struct http_session *s, http_response_watch_fn fn,
				     void *userdata)
{
	s->watch = fn;
	s->watch_data = userdata;
}

void http_session_set_change_gate(struct http_session *s, http_change_gate_fn fn, void *userdata)
{
	s->change_gate = fn;
	s->change_gate_data = userdata;
}

void http_session_hold_change_gate(struct http_session *s, int hold)
{
	s->change_gate_held += hold ? 1 : -1;
}

void http_session_set_observer(struct http_session *s, http_observer_fn fn, void *userdata)
{
	s->observer = fn;
	s->observer_data = userdata;
}

void http_session_set_hooks(struct http_session *s, const struct http_hooks *hooks)
{
	if (hooks)
		s->hooks = *hooks;
	else
		memset(&s->hooks, 0, sizeof(s->hooks));
}

long http_session_requests(const struct http_session *s)
{
	return s->n_requests;
}

long http_session_connections(const struct http_session *s)
{
	return s->n_connections;
}

/* --- responses --- */

void http_response_free(struct http_response *r)
{
	size_t i;

	if (!r)
		return;
	if (r->header_text) {
		free(r->header_text);  /* it holds every name and value (parse_headers) */
	} else {
		for (i = 0; i < r->n_headers; i++) {
			free(r->headers[i].name);
			free(r->headers[i].value);
		}
	}
	free(r->headers);
	free(r->url);
	free(r->body);
	free(r);
}

const char *http_response_header(const struct http_response *r, const char *name)
{
	size_t i;

	if (!r || !name)
		return NULL;
	for (i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* Split the recorded header block into name/value pairs, kept in one
 * copy of the block (NULs written in; one allocation, not two per
 * header); -1 out of memory. */
static int parse_headers(const char *block, size_t len, struct http_response *r)
{
	char *p, *end, *eol, *colon, *v, *ve;
	size_t n = 0;

	if (!block || !len)
		return 0;
	for (const char *q = block; q < block + len && (q = memchr(q, '\n', (size_t)(block + len - q))); q++)
		n++;
	if (n == 0)
		return 0;
	if (n > HTTP_MAX_HEADERS)
		n = HTTP_MAX_HEADERS;
	r->headers = calloc(n, sizeof(*r->headers));
	r->header_text = malloc(len);
	if (!r->headers || !r->header_text)
		return -1;
	memcpy(r->header_text, block, len);
	end = r->header_text + len;
	for (p = r->header_text; p < end && r->n_headers < n; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		/* status line, folded continuation lines and the blank end line */
		if (*p == ' ' || *p == '\t' || (eol - p >= 5 && memcmp(p, "HTTP/", 5) == 0))
			continue;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			continue;
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		*colon = '\0';
		*ve = '\0';  /* at the latest the line's own '\n' */
		r->headers[r->n_headers].name = p;
		r->headers[r->n_headers].value = v;
		r->n_headers++;
	}
	return 0;
}

/* The request header lines curl sent (request line dropped), for the
 * observer: a NULL-terminated array pointing into s->sent, which this
 * rewrites in place. NULL when nothing was recorded. */
static const char **sent_header_lines(struct http_session *s)
{
	char *p, *eol, *end;
	const char **lines;
	size_t n = 0, i = 0;

	if (!s->sent.data || !s->sent.len)
		return NULL;
	end = s->sent.data + s->sent.len;
	for (p = s->sent.data; p < end; p++)
		if (*p == '\n')
			n++;
	lines = calloc(n + 1, sizeof(*lines));
	if (!lines)
		return NULL;
	for (p = s->sent.data; p < end && (eol = memchr(p, '\n', (size_t)(end - p))); p = eol + 1) {
		*eol = '\0';
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		if (p != s->sent.data && *p)  /* skip the request line and the blank end */
			lines[i++] = p;
	}
	lines[i] = NULL;
	return lines;
}

static double usec_to_s(curl_off_t us)
{
	return us > 0 ? (double)us / 1e6 : 0.0;
}

/* Whether someone sees each exchange whole (a trace, a HAR file): only
 * then are the request's header lines and a hop's timings collected. */
static int observed(const struct http_session *s)
{
	return s->observer || s->hooks.observe;
}

static void hop_timings(struct http_session *s, struct http_hop *hop)
{
	curl_off_t dns = 0, conn = 0, app = 0, pre = 0, start = 0, total = 0, ready;

	curl_easy_getinfo(s->curl, CURLINFO_NAMELOOKUP_TIME_T, &dns);
	curl_easy_getinfo(s->curl, CURLINFO_CONNECT_TIME_T, &conn);
	curl_easy_getinfo(s->curl, CURLINFO_APPCONNECT_TIME_T, &app);
	curl_easy_getinfo(s->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(s->curl, CURLINFO_STARTTRANSFER_TIME_T, &start);
	curl_easy_getinfo(s->curl, CURLINFO_TOTAL_TIME_T, &total);
	/* A reused connection reports 0 for connect and TLS. */
	hop->dns_s = usec_to_s(dns);
	hop->connect_s = conn > dns ? usec_to_s(conn - dns) : 0.0;
	hop->tls_s = app > conn ? usec_to_s(app - conn) : 0.0;
	ready = app > conn ? app : conn;
	hop->send_s = pre > ready ? usec_to_s(pre - ready) : 0.0;
	hop->wait_s = start > pre ? usec_to_s(start - pre) : 0.0;
	hop->receive_s = total > start && start > 0 ? usec_to_s(total - start) : 0.0;
	hop->total_s = usec_to_s(total);
}

static void notify(struct http_session *s, const struct http_hop *hop,
		   const struct http_response *resp, const struct pecctl_error *err)
{
	struct http_exchange x;
	const char **lines;
	static const char *const no_lines[] = { NULL };

	if (resp && s->watch)
		s->watch(s->watch_data, resp);
	if (!observed(s))
		return;
	lines = sent_header_lines(s);
	memset(&x, 0, sizeof(x));
	x.method = hop->method;
	x.url = hop->url;
	x.request_headers = lines ? lines : no_lines;
	x.request_body = hop->body;
	x.request_body_len = hop->body_len;
	x.response = resp;
	x.error = resp ? NULL : err;
	x.started_at = hop->started_at;
	x.dns_s = hop->dns_s;
	x.connect_s = hop->connect_s;
	x.tls_s = hop->tls_s;
	x.send_s = hop->send_s;
	x.wait_s = hop->wait_s;
	x.receive_s = hop->receive_s;
	if (s->observer)
		s->observer(s->observer_data, &x);
	if (s->hooks.observe)
		s->hooks.observe(s->hooks.userdata, &x);
	free(lines);
}

/* Turn a failed transfer into an error a user can act on. */
static void transfer_error(struct http_session *s, CURLcode rc, const struct http_hop *hop,
			   long timeout_ms, struct pecctl_error *err)
{
	char host[256];
	const char *detail = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
	long status = 0, req_size = 0;
	curl_off_t uploaded = 0;
	int sent, unsafe = !method_is_safe(hop->method);

	host_of(hop->url, host, sizeof(host));
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->curl, CURLINFO_REQUEST_SIZE, &req_size);
	curl_easy_getinfo(s->curl, CURLINFO_SIZE_UPLOAD_T, &uploaded);
	sent = req_size > 0 && uploaded >= (curl_off_t)hop->body_len;
	if (s->resend_refused) {
		set_error(err, PECCTL_E_UNKNOWN_OUTCOME, status,
			  "the connection to %s dropped after the %s request was sent, and it was "
			  "not sent again: the outcome is unknown", host, hop->method);
		return;
	}

	if (s->body.overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		set_error(err, PECCTL_E_PORTAL_CHANGED, status,
			  "response from %s is larger than the body cap of %zu bytes (max_body)",
			  host, s->max_body);
		return;
	}
	if (s->head.overflow) {
		set_error(err, PECCTL_E_PORTAL_CHANGED, status,
			  "response headers from %s are larger than %zu bytes", host,
			  (size_t)HTTP_MAX_HEAD_BYTES);
		return;
	}
	if (s->body.nomem || s->head.nomem || rc == CURLE_OUT_OF_MEMORY) {
		set_error(err, PECCTL_E_INTERNAL, status, "out of memory reading the response from %s",
			  host);
		return;
	}
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		if (unsafe && sent)
			set_error(err, PECCTL_E_UNKNOWN_OUTCOME, status,
				  "no answer from %s within %g s after the %s request was sent: "
				  "the outcome is unknown", host, (double)timeout_ms / 1000.0,
				  hop->method);
		else
			set_error(err, PECCTL_E_TIMEOUT, status, "no answer from %s within %g s",
				  host, (double)timeout_ms / 1000.0);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
		if (strstr(detail, "host name")) {
			/* a trusted certificate for another name: --cacert won't help */
			set_error(err, PECCTL_E_NETWORK, 0,
				  "tls: the certificate presented for %s is for another host (%s)",
				  host, detail);
			return;
		}
		set_error(err, PECCTL_E_NETWORK, 0,
			  "tls: the certificate of %s is not trusted (%s); if this is a test "
			  "server, pass --cacert with the CA that signed it", host, detail);
		return;
	case CURLE_SSL_CACERT_BADFILE:
		set_error(err, PECCTL_E_NETWORK, 0,
			  "tls: cannot load the CA certificates to check %s (%s); check --cacert",
			  host, detail);
		return;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		set_error(err, PECCTL_E_NETWORK, 0, "tls handshake with %s failed: %s", host, detail);
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		set_error(err, PECCTL_E_NETWORK, 0, "cannot resolve host %s: %s", host, detail);
		return;
	case CURLE_COULDNT_CONNECT:
		set_error(err, PECCTL_E_NETWORK, 0, "cannot connect to %s: %s", host, detail);
		return;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		set_error(err, PECCTL_E_INVALID, 0, "bad url for %s: %s", host, detail);
		return;
	case CURLE_ABORTED_BY_CALLBACK:
		if (unsafe && sent)
			set_error(err, PECCTL_E_UNKNOWN_OUTCOME, status,
				  "interrupted after the %s request to %s was sent: the outcome is unknown",
				  hop->method, host);
		else
			set_error(err, "interrupted", status, "interrupted: the request to %s was not completed",
				  host);
		return;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SEND_ERROR:
		if (unsafe && sent) {
			set_error(err, PECCTL_E_UNKNOWN_OUTCOME, status,
				  "the connection to %s dropped after the %s request was sent (%s): "
				  "the outcome is unknown", host, hop->method, detail);
			return;
		}
		set_error(err, PECCTL_E_NETWORK, status, "the connection to %s dropped: %s", host,
			  detail);
		return;
	default:
		set_error(err, PECCTL_E_NETWORK, status, "request to %s failed: %s", host, detail);
		return;
	}
}

/* Point curl at method/body for the next transfer. */
static int set_method(struct http_session *s, const char *method, const char *body, size_t body_len)
{
	CURL *c = s->curl;
	int ok = 1;

	ok &= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL) == CURLE_OK;
	if (method_is(method, "HEAD")) {
		ok &= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_NOBODY, 1L) == CURLE_OK;
		return ok;
	}
	ok &= curl_easy_setopt(c, CURLOPT_NOBODY, 0L) == CURLE_OK;
	if (body || method_is(method, "POST")) {
		/* in curl's request buffer: headers and body leave in one write */
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				       (curl_off_t)(body ? body_len : 0)) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "") == CURLE_OK;
	} else {
		ok &= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) == CURLE_OK;
	}
	/* curl says POST for any body: name every other method, GET included */
	if (!method_is(method, "POST") && (body || !method_is(method, "GET")))
		ok &= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
	return ok;
}

/* Drop every pointer into caller memory once a transfer is over. */
static void clear_request(struct http_session *s)
{
	CURL *c = s->curl;

	curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
}

/* The response of the transfer that just ended; NULL out of memory. */
static struct http_response *take_response(struct http_session *s, const char *url)
{
	struct http_response *r = calloc(1, sizeof(*r));
	char *effective = NULL;

	if (!r)
		return NULL;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(s->curl, CURLINFO_EFFECTIVE_URL, &effective);
	r->url = strdup(effective ? effective : url);
	if (s->body.data) {
		r->body = s->body.data;  /* hand the buffer over; the next transfer grows a new one */
		r->body_len = s->body.len;
		s->body.data = NULL;
		s->body.len = s->body.cap = 0;
	} else {
		r->body = calloc(1, 1);
	}
	if (!r->url || !r->body || parse_headers(s->head.data, s->head.len, r) < 0) {
		http_response_free(r);
		return NULL;
	}
	return r;
}

static int is_redirect(long status);

/* A hop answered by the hooks' transport (replay) instead of the network;
 * redirects and the observer work as for a real transfer. */
static int transport_hop(struct http_session *s, struct http_hop *hop, struct http_response **out,
			 struct pecctl_error *err)
{
	const char *location;

	hop->started_at = now_epoch();
	s->n_requests++;
	if (s->hooks.transport(s->hooks.userdata, hop->method, hop->url, hop->body, hop->body_len,
			       out, err) != 0) {
		*out = NULL;
		notify(s, hop, NULL, err);
		return -1;
	}
	location = http_response_header(*out, "Location");
	if (is_redirect((*out)->status) && location)
		hop->redirect_url = http_resolve_url(hop->url, location);
	if (log_enabled(PECCTL_LOG_DEBUG))
		log_printf(PECCTL_LOG_DEBUG, "http", "%s %s -> %ld, %zu bytes (replayed)", hop->method,
			   hop->url, (*out)->status, (*out)->body_len);
	notify(s, hop, *out, err);
	return 0;
}

/* One transfer. 0 and *out for any HTTP answer, -1 and err otherwise. */
static int perform_hop(struct http_session *s, struct http_hop *hop, struct curl_slist *headers,
		       long timeout_ms, struct http_response **out, struct pecctl_error *err)
{
	CURLcode rc;
	long conns = 0;
	char *location = NULL;
	char host[256];
	int ok = 1;

	*out = NULL;
	s->errbuf[0] = '\0';
	s->attempts = 0;
	s->resend_refused = 0;
	s->hop_unsafe = !method_is_safe(hop->method);
	buf_reset(&s->body, s->max_body);
	buf_reset(&s->head, HTTP_MAX_HEAD_BYTES);
	buf_reset(&s->sent, HTTP_MAX_SENT_BYTES);
	if (s->hooks.gate && s->hooks.gate(s->hooks.userdata, hop->method, hop->url, err) != 0)
		return -1;
	if (s->hop_unsafe && s->change_gate && !s->change_gate_held)
		s->change_gate(s->change_gate_data);
	if (s->hooks.transport)
		return transport_hop(s, hop, out, err);
	ok &= curl_easy_setopt(s->curl, CURLOPT_URL, hop->url) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_PROXY, proxy_env_for_url(hop->url)) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
	/* The debug callback, our only view of the request headers as sent,
	 * needs VERBOSE, whose messages cost: on only for traces. */
	ok &= curl_easy_setopt(s->curl, CURLOPT_VERBOSE, observed(s) ? 1L : 0L) == CURLE_OK;
	/* The progress callback only looks for an interruption: off when
	 * nothing can interrupt (a batch lets a transfer finish). */
	ok &= curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, s->hooks.interrupted ? 0L : 1L) ==
	      CURLE_OK;
	ok &= set_method(s, hop->method, hop->body, hop->body_len);
	if (!ok) {
		host_of(hop->url, host, sizeof(host));
		set_error(err, PECCTL_E_INVALID, 0, "libcurl refused the request to %s", host);
		clear_request(s);
		return -1;
	}
	hop->started_at = now_epoch();
	rc = curl_easy_perform(s->curl);
	s->n_requests++;
	if (curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK)
		s->n_connections += conns;
	/* only traces, HAR files and -vv show them: six getinfo calls a hop */
	if (observed(s) || log_enabled(PECCTL_LOG_DEBUG))
		hop_timings(s, hop);
	if (rc != CURLE_OK)
		transfer_error(s, rc, hop, s->timeout_ms, err);
	if (rc != CURLE_OK) {
		clear_request(s);
		if (log_enabled(PECCTL_LOG_DEBUG))
			log_printf(PECCTL_LOG_DEBUG, "http", "%s %s failed: %s", hop->method, hop->url,
				   err ? err->message : curl_easy_strerror(rc));
		notify(s, hop, NULL, err);
		return -1;
	}
	*out = take_response(s, hop->url);
	if (*out && curl_easy_getinfo(s->curl, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
	    location)
		hop->redirect_url = strdup(location);
	clear_request(s);
	if (!*out) {
		host_of(hop->url, host, sizeof(host));
		set_error(err, PECCTL_E_INTERNAL, 0, "out of memory reading the response from %s",
			  host);
		notify(s, hop, NULL, err);
		return -1;
	}
	/* -vv shows every exchange, the way curl -v would (redacted by log) */
	if (log_enabled(PECCTL_LOG_DEBUG))
		log_printf(PECCTL_LOG_DEBUG, "http", "%s %s -> %ld, %zu bytes, %.1f ms%s", hop->method,
			   hop->url, (*out)->status, (*out)->body_len,
			   hop->total_s * 1000.0, conns ? ", new connection" : "");
	notify(s, hop, *out, err);
	return 0;
}

static int is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static int is_body_header(const char *line)
{
	return strncasecmp(line, "content-type:", 13) == 0 ||
	       strncasecmp(line, "content-length:", 15) == 0 ||
	       strncasecmp(line, "content-encoding:", 17) == 0;
}

/* Whether one of the caller's header lines is the one called name. */
static int has_header(const char *const *headers, size_t n, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (strncasecmp(headers[i], name, len) == 0 && headers[i][len] == ':')
			return 1;
	return 0;
}

/* curl_slist nodes over the caller's strings: no copy of credentials.
 * Without a body, the headers describing one are left out too. Our
 * User-Agent and Accept-Encoding lines are added here, unless the caller
 * sent its own: given as options, libcurl would format both anew for
 * every request through its own printf, a few thousand instructions a
 * line (it still decodes gzip, CURLOPT_ACCEPT_ENCODING being set). Each
 * line costs that much anyway, so "Expect:" (never wait for a 100
 * Continue) goes only with a body libcurl would ask one for: over 1 KB in
 * older versions, 1 MB in newer ones. */
static struct curl_slist *header_list(const char *const *headers, int with_caller, int bodyless,
				      size_t body_len)
{
	static char user_agent[] = "User-Agent: pecctl/" PECCTL_VERSION;
	static char accept_encoding[] = "Accept-Encoding: gzip";
	static char no_expect[] = "Expect:";
	struct curl_slist *list;
	size_t n = 0, i, k = 0;

	if (with_caller && headers)
		while (headers[n])
			n++;
	list = calloc(n + 3, sizeof(*list));  /* + User-Agent, Accept-Encoding, Expect */
	if (!list)
		return NULL;
	for (i = 0; i < n; i++) {
		if (bodyless && is_body_header(headers[i]))
			continue;
		list[k++].data = (char *)headers[i];
	}
	if (!has_header(headers, n, "User-Agent"))
		list[k++].data = user_agent;
	if (!has_header(headers, n, "Accept-Encoding"))
		list[k++].data = accept_encoding;
	if (body_len > 1024)
		list[k++].data = no_expect;
	for (i = 0; i + 1 < k; i++)
		list[i].next = &list[i + 1];
	return list;
}

int http_session_request(struct http_session *s, const struct http_request *req,
			 struct http_response **out, struct pecctl_error *err)
{
	struct http_origin first, next;
	struct http_hop hop;
	struct http_response *resp = NULL;
	struct curl_slist *headers;
	char *url;
	char host[256];
	double t0 = now_mono();
	long timeout_ms, left;
	int hops = 0, crossed = 0, rc;
	size_t i;

	*out = NULL;
	if (!req || !req->url) {
		set_error(err, PECCTL_E_INVALID, 0, "no url given");
		return -1;
	}
	memset(&hop, 0, sizeof(hop));
	hop.method = req->method ? req->method : "GET";
	if (!valid_method(hop.method)) {
		set_error(err, PECCTL_E_INVALID, 0, "bad http method '%.40s'", hop.method);
		return -1;
	}
	for (i = 0; req->headers && req->headers[i]; i++) {
		/* a line break would let a value smuggle in a header of its own */
		if (!strchr(req->headers[i], ':') || strpbrk(req->headers[i], "\r\n")) {
			/* the name only: the value may be a credential */
			set_error(err, PECCTL_E_INVALID, 0, "bad request header '%.*s'",
				  (int)strcspn(req->headers[i], ":\r\n") > 60 ? 60 :
				  (int)strcspn(req->headers[i], ":\r\n"), req->headers[i]);
			return -1;
		}
	}
	if (origin_of(req->url, &first) < 0) {
		set_error(err, PECCTL_E_INVALID, 0, "bad url '%.200s'", req->url);
		return -1;
	}
	url = strdup(req->url);
	headers = header_list(req->headers, 1, 0, req->body ? req->body_len : 0);
	if (!url || !headers) {
		free(url);
		free(headers);
		set_error(err, PECCTL_E_INTERNAL, 0, "out of memory");
		return -1;
	}
	hop.body = req->body;
	hop.body_len = req->body ? req->body_len : 0;
	timeout_ms = s->timeout_ms;
	for (;;) {
		/* The timeout covers the whole request, redirects included. */
		left = timeout_ms - (long)((now_mono() - t0) * 1000.0);
		if (left < 1)
			left = 1;
		hop.url = url;
		hop.redirect_url = NULL;
		rc = perform_hop(s, &hop, headers, left, &resp, err);
		if (rc < 0)
			break;
		if (req->no_redirects || !is_redirect(resp->status) || !hop.redirect_url)
			break;
		if (hops >= s->max_redirects) {
			host_of(url, host, sizeof(host));
			set_error(err, PECCTL_E_PORTAL, resp->status,
				  "too many redirects from %s (more than %d)", host, s->max_redirects);
			http_response_free(resp);
			resp = NULL;
			rc = -1;
			break;
		}
		if (origin_of(hop.redirect_url, &next) < 0) {
			host_of(url, host, sizeof(host));
			set_error(err, PECCTL_E_PORTAL, resp->status,
				  "%s redirected to an unusable location", host);
			http_response_free(resp);
			resp = NULL;
			rc = -1;
			break;
		}
		if (!crossed && !same_origin(&first, &next)) {
			/* Credentials belong to one origin: once the chain leaves it,
			 * the caller's headers and body never go out again. */
			crossed = 1;
			free(headers);
			headers = header_list(NULL, 0, 1, 0);
		}
		if (crossed || resp->status == 301 || resp->status == 302 || resp->status == 303) {
			if (!method_is(hop.method, "HEAD"))
				hop.method = "GET";
			if (hop.body && !crossed) {
				free(headers);
				headers = header_list(req->headers, 1, 1, 0);
			}
			hop.body = NULL;
			hop.body_len = 0;
		}
		http_response_free(resp);
		resp = NULL;
		free(url);
		url = hop.redirect_url;
		hop.redirect_url = NULL;
		hops++;
		if (!headers) {
			set_error(err, PECCTL_E_INTERNAL, 0, "out of memory");
			rc = -1;
			break;
		}
	}
	free(hop.redirect_url);
	free(url);
	free(headers);
	if (rc < 0)
		return -1;
	resp->redirects = hops;
	resp->elapsed_s = now_mono() - t0;
	*out = resp;
	return 0;
}

/* --- cookies, URLs --- */

char *http_session_cookies(struct http_session *s)
{
	struct curl_slist *list = NULL, *it;
	size_t n = 1;
	char *out, *p;

	if (curl_easy_getinfo(s->curl, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return NULL;
	for (it = list; it; it = it->next)
		n += strlen(it->data) + 1;
	out = malloc(n);
	if (!out) {
		curl_slist_free_all(list);
		return NULL;
	}
	p = out;
	for (it = list; it; it = it->next) {
		size_t len = strlen(it->data);

		memcpy(p, it->data, len);
		p += len;
		*p++ = '\n';
	}
	*p = '\0';
	curl_slist_free_all(list);
	return out;
}

char *http_url_encode(const char *value, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out, *p;
	size_t i;
	unsigned char c;

	if (!value)
		len = 0;
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	p = out;
	for (i = 0; i < len; i++) {
		c = (unsigned char)value[i];
		/* the WHATWG application/x-www-form-urlencoded byte set */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '*' || c == '-' || c == '.' || c == '_') {
			*p++ = (char)c;
		} else if (c == ' ') {
			*p++ = '+';
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

char *http_resolve_url(const char *base, const char *ref)
{
	CURLU *u;
	char *s = NULL, *out = NULL;

	if (!ref)
		return NULL;
	u = curl_url();
	if (!u)
		return NULL;
	if ((!base || curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK) &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = strdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}
