/* --replay FILE.har: sessions answer from a recorded trace instead of the
 * network. A request matches the first unused entry with its method and
 * its URL (redacted the way the recorder redacted it); request bodies are
 * not compared, since the recorded ones are redacted. */
#include "har.h"

#include <cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define HAR_MAX_FILE_BYTES ((off_t)1 << 30)

struct replay_entry {
	char *method;
	char *url;
	long status;
	struct http_header *headers;
	size_t n_headers;
	char *body;
	size_t body_len;
	char *error_code;     /* a recorded failure: replayed as that failure */
	char *error_message;
	int used;
};

static struct {
	pthread_mutex_t lock;
	struct replay_entry *entries;
	size_t n;
	char *path;
} rp = { .lock = PTHREAD_MUTEX_INITIALIZER };

static char *dup_string(const cJSON *item)
{
	return strdup(cJSON_IsString(item) && item->valuestring ? item->valuestring : "");
}

static int load_entry(struct replay_entry *e, const cJSON *entry)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(entry, "request");
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(entry, "response");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(resp, "content");
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(content, "text");
	const cJSON *encoding = cJSON_GetObjectItemCaseSensitive(content, "encoding");
	const cJSON *headers = cJSON_GetObjectItemCaseSensitive(resp, "headers");
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(resp, "_error");
	const cJSON *h;
	size_t i = 0;

	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(req, "method")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(req, "url")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(resp, "status")))
		return -1;
	e->method = dup_string(cJSON_GetObjectItemCaseSensitive(req, "method"));
	e->url = dup_string(cJSON_GetObjectItemCaseSensitive(req, "url"));
	e->status = (long)cJSON_GetObjectItemCaseSensitive(resp, "status")->valuedouble;
	if (!e->method || !e->url)
		return -1;
	if (cJSON_IsObject(error)) {
		e->error_code = dup_string(cJSON_GetObjectItemCaseSensitive(error, "code"));
		e->error_message = dup_string(cJSON_GetObjectItemCaseSensitive(error, "message"));
		return e->error_code && e->error_message ? 0 : -1;
	}
	if (cJSON_IsArray(headers)) {
		e->headers = calloc((size_t)cJSON_GetArraySize(headers) + 1, sizeof(*e->headers));
		if (!e->headers)
			return -1;
		cJSON_ArrayForEach(h, headers)
		{
			e->headers[i].name = dup_string(cJSON_GetObjectItemCaseSensitive(h, "name"));
			e->headers[i].value = dup_string(cJSON_GetObjectItemCaseSensitive(h, "value"));
			e->n_headers = ++i;
			if (!e->headers[i - 1].name || !e->headers[i - 1].value)
				return -1;
		}
	}
	if (cJSON_IsString(text) && cJSON_IsString(encoding) &&
	    strcmp(encoding->valuestring, "base64") == 0) {
		size_t tlen = strlen(text->valuestring), blen = 0;
		e->body = malloc(tlen + 1);
		if (!e->body || sodium_base642bin((unsigned char *)e->body, tlen + 1, text->valuestring,
						  tlen, NULL, &blen, NULL,
						  sodium_base64_VARIANT_ORIGINAL) != 0)
			return -1;
		e->body[blen] = '\0';
		e->body_len = blen;
	} else {
		e->body = dup_string(text);
		if (!e->body)
			return -1;
		e->body_len = strlen(e->body);
	}
	return 0;
}

static void free_entry(struct replay_entry *e)
{
	for (size_t i = 0; i < e->n_headers; i++) {
		free(e->headers[i].name);
		free(e->headers[i].value);
	}
	free(e->headers);
	free(e->method);
	free(e->url);
	free(e->body);
	free(e->error_code);
	free(e->error_message);
}

void har_replay_release(void)
{
	pthread_mutex_lock(&rp.lock);
	for (size_t i = 0; i < rp.n; i++)
		free_entry(&rp.entries[i]);
	free(rp.entries);
	free(rp.path);
	rp.entries = NULL;
	rp.path = NULL;
	rp.n = 0;
	pthread_mutex_unlock(&rp.lock);
}

static void replay_atexit(void)
{
	har_replay_release();
}

static char *read_file(const char *path, size_t *len, struct pecctl_error *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *text;

	if (!f) {
		snprintf(err->message, sizeof(err->message),
			 "--replay %s: %s; give a HAR file written by --har", path, strerror(errno));
		snprintf(err->code, sizeof(err->code), "noinput");
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size > HAR_MAX_FILE_BYTES) {
		fclose(f);
		snprintf(err->message, sizeof(err->message),
			 "--replay %s: the file is larger than 1 GiB; record a shorter run", path);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		fclose(f);
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	*len = fread(text, 1, (size_t)st.st_size, f);
	text[*len] = '\0';
	fclose(f);
	return text;
}

int har_replay_load(const char *path, struct pecctl_error *err)
{
	size_t len = 0, i = 0;
	char *text = read_file(path, &len, err);
	cJSON *root, *entries, *entry;

	if (!text)
		return -1;
	root = cJSON_ParseWithLength(text, len);
	free(text);
	entries = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "log"),
						   "entries");
	if (!cJSON_IsArray(entries)) {
		cJSON_Delete(root);
		snprintf(err->message, sizeof(err->message),
			 "--replay %s: not a HAR file (no log.entries); give a file written by --har",
			 path);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		return -1;
	}
	rp.entries = calloc((size_t)cJSON_GetArraySize(entries) + 1, sizeof(*rp.entries));
	rp.path = strdup(path);
	if (!rp.entries || !rp.path) {
		cJSON_Delete(root);
		har_replay_release();
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return -1;
	}
	atexit(replay_atexit);
	cJSON_ArrayForEach(entry, entries)
	{
		rp.n = i + 1;
		if (load_entry(&rp.entries[i], entry) != 0) {
			cJSON_Delete(root);
			har_replay_release();
			snprintf(err->message, sizeof(err->message),
				 "--replay %s: entry %zu is not a HAR entry with a request and a response; "
				 "record the run again with --har", path, i + 1);
			snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
			return -1;
		}
		i++;
	}
	rp.n = i;
	cJSON_Delete(root);
	return 0;
}

int har_replaying(void)
{
	int on;

	pthread_mutex_lock(&rp.lock);
	on = rp.path != NULL;
	pthread_mutex_unlock(&rp.lock);
	return on;
}

static char *copy_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

static struct http_response *make_response(const struct replay_entry *e, const char *url)
{
	struct http_response *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->status = e->status;
	r->url = strdup(url);
	r->body = copy_bytes(e->body, e->body_len);
	r->body_len = e->body_len;
	r->headers = calloc(e->n_headers + 1, sizeof(*r->headers));
	if (!r->url || !r->body || !r->headers) {
		http_response_free(r);
		return NULL;
	}
	for (size_t i = 0; i < e->n_headers; i++) {
		r->headers[i].name = strdup(e->headers[i].name);
		r->headers[i].value = strdup(e->headers[i].value);
		r->n_headers = i + 1;
		if (!r->headers[i].name || !r->headers[i].value) {
			http_response_free(r);
			return NULL;
		}
	}
	return r;
}

int har_replay_answer(void *userdata, const char *method, const char *url, const char *body,
		      size_t body_len, struct http_response **out, struct pecctl_error *err)
{
	struct replay_entry *found = NULL;
	char *key = har_redact_url(url);
	char msg[1024];  /* room for every part; the error keeps what fits */

	(void)userdata, (void)body, (void)body_len;
	*out = NULL;
	if (!key) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return -1;
	}
	pthread_mutex_lock(&rp.lock);
	for (size_t i = 0; i < rp.n && !found; i++)
		if (!rp.entries[i].used && strcasecmp(rp.entries[i].method, method) == 0 &&
		    strcmp(rp.entries[i].url, key) == 0)
			found = &rp.entries[i];
	if (found)
		found->used = 1;
	if (!found) {
		const struct replay_entry *next = NULL;
		for (size_t i = 0; i < rp.n && !next; i++)
			if (!rp.entries[i].used)
				next = &rp.entries[i];
		/* the next unused entry usually shows where the run went another way */
		snprintf(msg, sizeof(msg),
			 "replay: no recorded answer for %.16s %.200s in %.100s (%s%.16s %.120s); record the run "
			 "again with --har", method, key, rp.path ? rp.path : "the trace",
			 next ? "next in the trace: " : "every entry was used", next ? next->method : "",
			 next ? next->url : "");
		pthread_mutex_unlock(&rp.lock);
		free(key);
		memset(err, 0, sizeof(*err));
		pecctl_error_set(err, PECCTL_E_NETWORK, msg);
		return -1;
	}
	pthread_mutex_unlock(&rp.lock);
	free(key);
	/* entries are never changed or freed while sessions run */
	if (found->error_code) {
		memset(err, 0, sizeof(*err));
		pecctl_error_set(err, found->error_code, found->error_message);
		return -1;
	}
	*out = make_response(found, url);
	if (!*out) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}
