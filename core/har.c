/* HAR 1.2 recording (--har FILE): one entry per exchange, redacted as it
 * is taken, written atomically at exit. See har.h. */
#include "har.h"
#include "utf8.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "options.h"
#include "redact.h"

#ifndef PECCTL_VERSION
#define PECCTL_VERSION "dev"
#endif

#define HAR_MAX_ENTRIES 100000
#define HAR_MAX_TEXT_BYTES ((size_t)256 << 20)  /* bodies kept in one trace, all entries */
#define HAR_MASK REDACT_MASK

static struct {
	pthread_mutex_t lock;
	cJSON *entries;       /* NULL when not recording */
	char *path;
	size_t text_bytes;    /* body bytes kept so far, against HAR_MAX_TEXT_BYTES */
	int count;            /* entries kept, against HAR_MAX_ENTRIES */
	int dropped;          /* entries left out past HAR_MAX_ENTRIES */
	int done;             /* written (or given up): nothing more to do */
} rec = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* --- names and values --- */

int har_sensitive_name(const char *name, size_t len)
{
	static const char *const words[] = { "pass", "pwd", "token", "secret", "otp", "codice",
					     "answer", NULL };

	for (const char *const *w = words; *w; w++) {
		size_t wl = strlen(*w);
		for (size_t i = 0; i + wl <= len; i++)
			if (strncasecmp(name + i, *w, wl) == 0)
				return 1;
	}
	return 0;
}

/* A redacted, NUL-terminated copy of len bytes. */
static char *masked(const char *text, size_t len)
{
	return redact_copy(text ? text : "", text ? len : 0, NULL);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* application/x-www-form-urlencoded decoding of len bytes; caller frees. */
static char *form_decode(const char *p, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '+') {
			*o++ = ' ';
		} else if (p[i] == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 &&
			   hexval(p[i + 2]) >= 0) {
			*o++ = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
			i += 2;
		} else {
			*o++ = p[i];
		}
	}
	*o = '\0';
	return out;
}

/* A growing string with a cap (ends up in the HAR, which has its own). */
struct strbuf {
	char *data;
	size_t len, cap;
	int failed;
};

static void sb_add(struct strbuf *b, const char *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *mem;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > HAR_MAX_TEXT_BYTES + 1) {
			b->failed = 1;
			return;
		}
		mem = realloc(b->data, cap);
		if (!mem) {
			b->failed = 1;
			return;
		}
		b->data = mem;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* k=v&k=v with the values of password-like names replaced by the mask.
 * params (may be NULL) gets {name, value} pairs, decoded. Returns a
 * malloc'd string (not yet redacted for registered secrets). */
static char *mask_pairs(const char *text, size_t len, cJSON *params)
{
	struct strbuf b = { 0 };
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		size_t nlen = eq ? (size_t)(eq - p) : (size_t)(stop - p);
		char *name = form_decode(p, nlen);
		int secret = name && har_sensitive_name(name, strlen(name));

		if (b.len)
			sb_add(&b, "&", 1);
		sb_add(&b, p, nlen);
		if (eq) {
			sb_add(&b, "=", 1);
			if (secret)
				sb_add(&b, HAR_MASK, strlen(HAR_MASK));
			else
				sb_add(&b, eq + 1, (size_t)(stop - eq - 1));
		}
		if (params && name) {
			cJSON *pair = cJSON_CreateObject();
			char *value = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1)) : NULL;
			char *shown = secret ? NULL : masked(value ? value : "", value ? strlen(value) : 0);
			char *vname = masked(name, strlen(name));

			cJSON_AddStringToObject(pair, "name", vname);
			cJSON_AddStringToObject(pair, "value", secret ? HAR_MASK : shown);
			cJSON_AddItemToArray(params, pair);
			free(vname);
			free(shown);
			free(value);
		}
		free(name);
		p = amp ? amp + 1 : end;
	}
	if (b.failed || !b.data) {
		free(b.data);
		return strdup("");
	}
	return b.data;
}

char *har_redact_url(const char *url)
{
	const char *q = strchr(url, '?');
	const char *hash;
	struct strbuf b = { 0 };
	char *pairs, *out;

	if (!q)
		return masked(url, strlen(url));
	hash = strchr(q, '#');
	pairs = mask_pairs(q + 1, hash ? (size_t)(hash - q - 1) : strlen(q + 1), NULL);
	sb_add(&b, url, (size_t)(q - url) + 1);
	sb_add(&b, pairs, strlen(pairs));
	if (hash)
		sb_add(&b, hash, strlen(hash));
	free(pairs);
	if (b.failed || !b.data) {
		free(b.data);
		return masked(url, strlen(url));
	}
	out = masked(b.data, b.len);
	free(b.data);
	return out;
}

/* Mask password-like members of a JSON tree in place. */
static void mask_json(cJSON *item)
{
	for (cJSON *c = item ? item->child : NULL; c; c = c->next) {
		if (c->string && har_sensitive_name(c->string, strlen(c->string)) &&
		    !cJSON_IsObject(c) && !cJSON_IsArray(c) && !cJSON_IsNull(c)) {
			cJSON *m = cJSON_CreateString(HAR_MASK);
			if (!m)
				return;
			/* the key moves over; c is freed by the replacement */
			m->string = c->string;
			c->string = NULL;
			m->type |= c->type & cJSON_StringIsConst;
			cJSON_ReplaceItemViaPointer(item, c, m);
			c = m;
			continue;
		}
		mask_json(c);
	}
}

/* A body as it may appear in the HAR: form and JSON fields masked, then
 * registered secrets. params gets the form's pairs when it is a form. */
static char *mask_body(const char *body, size_t len, const char *mime, cJSON *params)
{
	char *tmp, *out;

	if (mime && strcasestr(mime, "x-www-form-urlencoded")) {
		tmp = mask_pairs(body, len, params);
		out = masked(tmp, strlen(tmp));
		free(tmp);
		return out;
	}
	if (mime && strcasestr(mime, "json")) {
		cJSON *tree = cJSON_ParseWithLength(body, len);
		if (tree) {
			mask_json(tree);
			tmp = cJSON_PrintUnformatted(tree);
			cJSON_Delete(tree);
			if (tmp) {
				out = masked(tmp, strlen(tmp));
				sodium_memzero(tmp, strlen(tmp));
				cJSON_free(tmp);
				return out;
			}
		}
	}
	return masked(body, len);
}

/* --- building entries --- */

static const char *reason_phrase(long status)
{
	static const struct {
		long status;
		const char *text;
	} phrases[] = {
		{ 100, "Continue" }, { 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 409, "Conflict" }, { 413, "Content Too Large" }, { 421, "Misdirected Request" },
		{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};

	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].status == status)
			return phrases[i].text;
	return "";
}

static void iso_time(double epoch, char *buf, size_t cap)
{
	time_t secs = (time_t)epoch;
	int ms = (int)((epoch - (double)secs) * 1000.0);
	struct tm tm;
	char base[32];

	if (ms < 0 || ms > 999)
		ms = 0;
	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%s.%03dZ", base, ms);
}

static void add_pair(cJSON *array, const char *name, size_t nlen, const char *value)
{
	cJSON *pair = cJSON_CreateObject();
	char *n = masked(name, nlen);

	cJSON_AddStringToObject(pair, "name", n);
	cJSON_AddStringToObject(pair, "value", value);
	cJSON_AddItemToArray(array, pair);
	free(n);
}

/* "a=1; b=2" -> [{name:"a", value:"***"}, ...] */
static void request_cookies(cJSON *cookies, const char *value)
{
	const char *p = value;

	while (*p) {
		size_t n = strcspn(p, ";");
		const char *eq = memchr(p, '=', n);
		const char *name = p;

		while (*name == ' ' && name < p + n)
			name++;
		if (eq && eq > name)
			add_pair(cookies, name, (size_t)(eq - name), HAR_MASK);
		p += n;
		if (*p == ';')
			p++;
	}
}

/* "SID=v; Path=/; Secure; HttpOnly" -> a HAR cookie with its value masked */
static void response_cookie(cJSON *cookies, const char *value)
{
	size_t n = strcspn(value, ";");
	const char *eq = memchr(value, '=', n);
	const char *attr = value + n;
	cJSON *c;
	char *name;

	if (!eq || eq == value)
		return;
	c = cJSON_CreateObject();
	name = masked(value, (size_t)(eq - value));
	cJSON_AddStringToObject(c, "name", name);
	free(name);
	cJSON_AddStringToObject(c, "value", HAR_MASK);
	while (*attr == ';') {
		const char *a = attr + 1;
		size_t alen;
		while (*a == ' ')
			a++;
		alen = strcspn(a, ";");
		if (strncasecmp(a, "path=", 5) == 0 || strncasecmp(a, "domain=", 7) == 0) {
			const char *v = strchr(a, '=') + 1;
			char *vv = masked(v, (size_t)(a + alen - v));
			cJSON_AddStringToObject(c, strncasecmp(a, "path=", 5) == 0 ? "path" : "domain", vv);
			free(vv);
		} else if (alen == 8 && strncasecmp(a, "httponly", 8) == 0) {
			cJSON_AddBoolToObject(c, "httpOnly", 1);
		} else if (alen == 6 && strncasecmp(a, "secure", 6) == 0) {
			cJSON_AddBoolToObject(c, "secure", 1);
		}
		attr = a + alen;
	}
	cJSON_AddItemToArray(cookies, c);
}

/* A header value as it goes in the trace. */
static char *header_value(const char *name, size_t nlen, const char *value)
{
	if ((nlen == 6 && strncasecmp(name, "cookie", 6) == 0)) {
		struct strbuf b = { 0 };
		const char *p = value;
		while (*p) {
			size_t n = strcspn(p, ";");
			const char *eq;
			if (b.len)
				sb_add(&b, "; ", 2);
			while (*p == ' ' && n) {
				p++;
				n--;
			}
			eq = memchr(p, '=', n);
			sb_add(&b, p, eq ? (size_t)(eq - p) + 1 : n);
			if (eq)
				sb_add(&b, HAR_MASK, strlen(HAR_MASK));
			p += n;
			if (*p == ';')
				p++;
		}
		if (b.failed || !b.data) {
			free(b.data);
			return strdup(HAR_MASK);
		}
		return b.data;
	}
	if (nlen == 10 && strncasecmp(name, "set-cookie", 10) == 0) {
		size_t n = strcspn(value, "=;");
		struct strbuf b = { 0 };
		if (value[n] != '=')
			return strdup(HAR_MASK);
		sb_add(&b, value, n + 1);
		sb_add(&b, HAR_MASK, strlen(HAR_MASK));
		sb_add(&b, value + n + 1 + strcspn(value + n + 1, ";"),
		       strlen(value + n + 1 + strcspn(value + n + 1, ";")));
		if (b.failed || !b.data) {
			free(b.data);
			return strdup(HAR_MASK);
		}
		char *out = masked(b.data, b.len);
		free(b.data);
		return out;
	}
	if ((nlen == 13 && strncasecmp(name, "authorization", 13) == 0) ||
	    (nlen == 19 && strncasecmp(name, "proxy-authorization", 19) == 0) ||
	    har_sensitive_name(name, nlen))
		return strdup(HAR_MASK);
	return masked(value, strlen(value));
}

static void add_header(cJSON *headers, const char *name, size_t nlen, const char *value)
{
	char *v = header_value(name, nlen, value);

	add_pair(headers, name, nlen, v ? v : HAR_MASK);
	free(v);
}

static cJSON *query_string(const char *url)
{
	cJSON *qs = cJSON_CreateArray();
	const char *q = strchr(url, '?');
	const char *end;

	if (!q)
		return qs;
	q++;
	end = q + strcspn(q, "#");
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(stop - q));
		char *name = form_decode(q, eq ? (size_t)(eq - q) : (size_t)(stop - q));
		char *value = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1)) : strdup("");

		if (name && value && *name) {
			if (har_sensitive_name(name, strlen(name))) {
				add_pair(qs, name, strlen(name), HAR_MASK);
			} else {
				char *v = masked(value, strlen(value));
				add_pair(qs, name, strlen(name), v);
				free(v);
			}
		}
		free(name);
		free(value);
		q = amp ? amp + 1 : end;
	}
	return qs;
}

static double ms(double s)
{
	return s > 0 ? s * 1000.0 : 0.0;
}

static cJSON *build_request(const struct http_exchange *x)
{
	cJSON *req = cJSON_CreateObject(), *headers = cJSON_CreateArray(),
	      *cookies = cJSON_CreateArray();
	const char *mime = NULL;
	char *url = har_redact_url(x->url);

	cJSON_AddStringToObject(req, "method", x->method);
	cJSON_AddStringToObject(req, "url", url ? url : "");
	free(url);
	cJSON_AddStringToObject(req, "httpVersion", "HTTP/1.1");
	for (const char *const *h = x->request_headers; h && *h; h++) {
		const char *colon = strchr(*h, ':');
		const char *v;
		if (!colon || colon == *h)
			continue;
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		add_header(headers, *h, (size_t)(colon - *h), v);
		if ((size_t)(colon - *h) == 6 && strncasecmp(*h, "cookie", 6) == 0)
			request_cookies(cookies, v);
		if ((size_t)(colon - *h) == 12 && strncasecmp(*h, "content-type", 12) == 0)
			mime = v;
	}
	cJSON_AddItemToObject(req, "headers", headers);
	cJSON_AddItemToObject(req, "queryString", query_string(x->url));
	cJSON_AddItemToObject(req, "cookies", cookies);
	if (x->request_body) {
		cJSON *post = cJSON_CreateObject(), *params = cJSON_CreateArray();
		int form = mime && strcasestr(mime, "x-www-form-urlencoded");
		char *text = mask_body(x->request_body, x->request_body_len, mime,
				       form ? params : NULL);

		if (!utf8_valid_text((const unsigned char *)text, strlen(text)))
			for (char *p = text; *p; p++)
				if ((unsigned char)*p >= 0x80)
					*p = '?';
		cJSON_AddStringToObject(post, "mimeType", mime ? mime : "");
		cJSON_AddStringToObject(post, "text", text);
		if (form)
			cJSON_AddItemToObject(post, "params", params);
		else
			cJSON_Delete(params);
		cJSON_AddItemToObject(req, "postData", post);
		free(text);
	}
	cJSON_AddNumberToObject(req, "headersSize", -1);
	cJSON_AddNumberToObject(req, "bodySize", x->request_body ? (double)x->request_body_len : 0);
	return req;
}

/* The body text, redacted, with its encoding; counted against the cap. */
static void add_content_text(cJSON *content, const struct http_response *r, const char *mime)
{
	char *text;
	size_t len;

	if (!r->body_len)
		return;
	pthread_mutex_lock(&rec.lock);
	if (rec.text_bytes + r->body_len > HAR_MAX_TEXT_BYTES) {
		pthread_mutex_unlock(&rec.lock);
		cJSON_AddStringToObject(content, "comment",
					"body not recorded: the trace reached its size cap");
		return;
	}
	rec.text_bytes += r->body_len;
	pthread_mutex_unlock(&rec.lock);
	if (utf8_valid_text((const unsigned char *)r->body, r->body_len)) {
		text = mime && strcasestr(mime, "json") ? mask_body(r->body, r->body_len, mime, NULL) :
							  masked(r->body, r->body_len);
		cJSON_AddStringToObject(content, "text", text);
		free(text);
		return;
	}
	len = sodium_base64_encoded_len(r->body_len, sodium_base64_VARIANT_ORIGINAL);
	text = malloc(len);
	if (!text)
		return;
	sodium_bin2base64(text, len, (const unsigned char *)r->body, r->body_len,
			  sodium_base64_VARIANT_ORIGINAL);
	cJSON_AddStringToObject(content, "text", text);
	cJSON_AddStringToObject(content, "encoding", "base64");
	free(text);
}

static cJSON *build_response(const struct http_exchange *x)
{
	cJSON *resp = cJSON_CreateObject(), *headers = cJSON_CreateArray(),
	      *cookies = cJSON_CreateArray(), *content = cJSON_CreateObject();
	const struct http_response *r = x->response;
	const char *mime = r ? http_response_header(r, "Content-Type") : NULL;
	const char *location = r ? http_response_header(r, "Location") : NULL;
	char *loc = NULL;

	cJSON_AddNumberToObject(resp, "status", r ? (double)r->status : 0);
	cJSON_AddStringToObject(resp, "statusText", r ? reason_phrase(r->status) : "");
	cJSON_AddStringToObject(resp, "httpVersion", r ? "HTTP/1.1" : "");
	for (size_t i = 0; r && i < r->n_headers; i++) {
		const char *name = r->headers[i].name;
		add_header(headers, name, strlen(name), r->headers[i].value);
		if (strcasecmp(name, "set-cookie") == 0)
			response_cookie(cookies, r->headers[i].value);
	}
	cJSON_AddItemToObject(resp, "cookies", cookies);
	cJSON_AddItemToObject(resp, "headers", headers);
	cJSON_AddNumberToObject(content, "size", r ? (double)r->body_len : 0);
	cJSON_AddStringToObject(content, "mimeType", mime ? mime : "");
	if (r)
		add_content_text(content, r, mime);
	cJSON_AddItemToObject(resp, "content", content);
	if (location) {
		char *abs = http_resolve_url(x->url, location);
		loc = har_redact_url(abs ? abs : location);
		free(abs);
	}
	cJSON_AddStringToObject(resp, "redirectURL", loc ? loc : "");
	free(loc);
	cJSON_AddNumberToObject(resp, "headersSize", -1);
	cJSON_AddNumberToObject(resp, "bodySize", r ? (double)r->body_len : -1);
	if (!r && x->error) {
		cJSON *e = cJSON_CreateObject();
		char *m = masked(x->error->message, strlen(x->error->message));
		cJSON_AddStringToObject(e, "code", x->error->code);
		cJSON_AddStringToObject(e, "message", m);
		free(m);
		cJSON_AddItemToObject(resp, "_error", e);
	}
	return resp;
}

static cJSON *build_timings(const struct http_exchange *x, double *total)
{
	cJSON *t = cJSON_CreateObject();
	int fresh = x->connect_s > 0;  /* a reused connection has no dns/connect/ssl phase */

	cJSON_AddNumberToObject(t, "blocked", -1);
	cJSON_AddNumberToObject(t, "dns", fresh ? ms(x->dns_s) : -1);
	cJSON_AddNumberToObject(t, "connect", fresh ? ms(x->connect_s + x->tls_s) : -1);
	cJSON_AddNumberToObject(t, "ssl", fresh && x->tls_s > 0 ? ms(x->tls_s) : -1);
	cJSON_AddNumberToObject(t, "send", ms(x->send_s));
	cJSON_AddNumberToObject(t, "wait", ms(x->wait_s));
	cJSON_AddNumberToObject(t, "receive", ms(x->receive_s));
	*total = (fresh ? ms(x->dns_s) + ms(x->connect_s + x->tls_s) : 0) + ms(x->send_s) +
		 ms(x->wait_s) + ms(x->receive_s);
	return t;
}

void har_record(const struct http_exchange *x)
{
	cJSON *entry;
	char when[48];
	double total = 0;

	pthread_mutex_lock(&rec.lock);
	if (!rec.entries || rec.done || rec.count >= HAR_MAX_ENTRIES) {
		if (rec.entries && !rec.done)
			rec.dropped++;
		pthread_mutex_unlock(&rec.lock);
		return;
	}
	pthread_mutex_unlock(&rec.lock);

	entry = cJSON_CreateObject();
	if (!entry)
		return;
	iso_time(x->started_at, when, sizeof(when));
	cJSON_AddStringToObject(entry, "startedDateTime", when);
	cJSON *timings = build_timings(x, &total);
	cJSON_AddNumberToObject(entry, "time", total);
	cJSON_AddItemToObject(entry, "request", build_request(x));
	cJSON_AddItemToObject(entry, "response", build_response(x));
	cJSON_AddItemToObject(entry, "cache", cJSON_CreateObject());
	cJSON_AddItemToObject(entry, "timings", timings);

	pthread_mutex_lock(&rec.lock);
	if (rec.entries && !rec.done && rec.count < HAR_MAX_ENTRIES) {
		cJSON_AddItemToArray(rec.entries, entry);
		rec.count++;
		entry = NULL;
	}
	pthread_mutex_unlock(&rec.lock);
	cJSON_Delete(entry);
}

/* --- the file --- */

static void har_atexit(void)
{
	har_finish();
}

int har_record_start(const char *path, struct pecctl_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (!*path) {
		pecctl_error_set(err, "usage", "--har wants a file name, as in --har trace.har");
		return -1;
	}
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
	else
		snprintf(dir, sizeof(dir), ".");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err->message, sizeof(err->message),
			 "--har %.200s is a directory; give a file name, as in %.200s/trace.har", path,
			 path);
		snprintf(err->code, sizeof(err->code), "cantcreat");
		return -1;
	}
	if (access(dir, W_OK) != 0) {
		snprintf(err->message, sizeof(err->message),
			 "--har %.200s: cannot write in %.200s (%s); choose another place for the trace",
			 path, dir, strerror(errno));
		snprintf(err->code, sizeof(err->code), "cantcreat");
		return -1;
	}
	pthread_mutex_lock(&rec.lock);
	rec.path = strdup(path);
	rec.entries = cJSON_CreateArray();
	rec.done = 0;
	pthread_mutex_unlock(&rec.lock);
	if (!rec.path || !rec.entries) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return -1;
	}
	atexit(har_atexit);
	return 0;
}

int har_recording(void)
{
	int on;

	pthread_mutex_lock(&rec.lock);
	on = rec.entries && !rec.done;
	pthread_mutex_unlock(&rec.lock);
	return on;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Temp file beside the target, fsync, rename: a reader never sees half a trace. */
static int write_atomically(const char *path, const char *text, size_t len)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	int fd, rc = -1, saved;

	if (!tmp)
		return -1;
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		saved = errno;
		free(tmp);
		errno = saved;
		return -1;
	}
	if (write_all(fd, text, len) == 0 && fsync(fd) == 0)
		rc = 0;
	saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

int har_finish(void)
{
	cJSON *root, *log, *creator, *entries;
	char *text, *clean;
	size_t len;
	int rc = 0, dropped;
	char *path;

	pthread_mutex_lock(&rec.lock);
	if (!rec.entries || rec.done) {
		pthread_mutex_unlock(&rec.lock);
		return 0;
	}
	rec.done = 1;  /* from here on, new exchanges are not recorded */
	entries = rec.entries;
	rec.entries = NULL;
	path = rec.path;
	rec.path = NULL;
	dropped = rec.dropped;
	pthread_mutex_unlock(&rec.lock);

	root = cJSON_CreateObject();
	log = cJSON_AddObjectToObject(root, "log");
	cJSON_AddStringToObject(log, "version", "1.2");
	creator = cJSON_AddObjectToObject(log, "creator");
	cJSON_AddStringToObject(creator, "name", "pecctl");
	cJSON_AddStringToObject(creator, "version", PECCTL_VERSION);
	cJSON_AddItemToObject(log, "pages", cJSON_CreateArray());
	cJSON_AddItemToObject(log, "entries", entries);
	if (dropped) {
		char note[128];
		snprintf(note, sizeof(note), "%d exchanges left out past the cap of %d entries",
			 dropped, HAR_MAX_ENTRIES);
		cJSON_AddStringToObject(log, "comment", note);
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text) {
		fprintf(stderr, "pecctl: out of memory writing the HAR trace %s\n", path);
		free(path);
		return -1;
	}
	/* once more over the whole file: secrets registered after an exchange
	 * (a password the portal generated and showed) are masked too */
	clean = redact_copy(text, strlen(text), &len);
	cJSON_free(text);
	if (write_atomically(path, clean, len) != 0) {
		fprintf(stderr, "pecctl: cannot write the HAR trace %s: %s; check the directory and the free space\n",
			path, strerror(errno));
		rc = -1;
	}
	free(clean);
	free(path);
	return rc;
}

int har_setup(void)
{
	struct pecctl_error err;

	memset(&err, 0, sizeof(err));
	if (pecctl_opts.replay && har_replay_load(pecctl_opts.replay, &err) != 0) {
		fprintf(stderr, "pecctl: %s\n", err.message);
		return strcmp(err.code, "noinput") == 0 ? EXIT_NOINPUT : EXIT_DATAERR;
	}
	if (pecctl_opts.har && har_record_start(pecctl_opts.har, &err) != 0) {
		fprintf(stderr, "pecctl: %s\n", err.message);
		return strcmp(err.code, "usage") == 0 ? EXIT_USAGE : EXIT_CANTCREAT;
	}
	return 0;
}
