/*
 * The redactor: every secret value the process holds is registered here,
 * and every output channel (log, errors, traces, REPL) passes its text
 * through redact_copy before writing it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "redact.h"
#include "secure_heap.h"

/* Below this length a "secret" would mask ordinary words and digits. */
#define REDACT_MIN_LEN 4
#define REDACT_MAX_VALUES 4096

struct pattern {
	char *bytes;   /* on the secure heap: the patterns are secrets too */
	size_t len;
	unsigned refs; /* the same value may be registered twice */
};

static struct pattern patterns[REDACT_MAX_VALUES];
static size_t n_patterns;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int needs_percent(unsigned char c)
{
	return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		 c == '-' || c == '.' || c == '_' || c == '~');
}

/* The spellings a value can take on the wire: as is, form-encoded
 * (space as + or %20) and JSON-escaped. */
static size_t spell_urlencoded(const char *v, size_t len, char *out, int space_plus)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == ' ' && space_plus) {
			out[o++] = '+';
		} else if (needs_percent(c)) {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

static size_t spell_json(const char *v, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\' || c == '/') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			out[o++] = '\\';
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

static struct pattern *find_pattern(const char *bytes, size_t len)
{
	for (size_t i = 0; i < n_patterns; i++)
		if (patterns[i].len == len && sodium_memcmp(patterns[i].bytes, bytes, len) == 0)
			return &patterns[i];
	return NULL;
}

static void add_pattern(const char *bytes, size_t len)
{
	struct pattern *p = find_pattern(bytes, len);

	if (p) {
		p->refs++;
		return;
	}
	/* more live secrets than any run holds means a leak: fail loudly */
	if (n_patterns == REDACT_MAX_VALUES)
		abort();
	p = &patterns[n_patterns++];
	p->bytes = secure_alloc(len);
	memcpy(p->bytes, bytes, len);
	p->len = len;
	p->refs = 1;
}

static void remove_pattern(const char *bytes, size_t len)
{
	struct pattern *p = find_pattern(bytes, len);

	if (!p || --p->refs > 0)
		return;
	secure_free(p->bytes);  /* zeroes it */
	*p = patterns[--n_patterns];
}

/* Calls fn for each spelling of value; scratch holds up to 6 bytes per byte. */
static void for_each_spelling(const char *value, size_t len,
			      void (*fn)(const char *, size_t))
{
	/* short values (every password) are spelt on the stack, zeroed after */
	char small[6 * 256 + 1];
	char *scratch = len <= 256 ? small : secure_alloc(len * 6 + 1);
	size_t n;

	fn(value, len);
	n = spell_urlencoded(value, len, scratch, 1);
	if (n != len || memcmp(scratch, value, len) != 0)
		fn(scratch, n);
	n = spell_urlencoded(value, len, scratch, 0);
	if (n != len || memcmp(scratch, value, len) != 0)
		fn(scratch, n);
	n = spell_json(value, len, scratch);
	if (n != len || memcmp(scratch, value, len) != 0)
		fn(scratch, n);
	if (scratch == small)
		sodium_memzero(small, sizeof(small));
	else
		secure_free(scratch);
}

void redact_add(const char *value, size_t len)
{
	if (len < REDACT_MIN_LEN)
		return;
	pthread_mutex_lock(&lock);
	for_each_spelling(value, len, add_pattern);
	pthread_mutex_unlock(&lock);
}

void redact_remove(const char *value, size_t len)
{
	if (len < REDACT_MIN_LEN)
		return;
	pthread_mutex_lock(&lock);
	for_each_spelling(value, len, remove_pattern);
	pthread_mutex_unlock(&lock);
}

/* The longest registered pattern starting at text[at], or NULL. */
static const struct pattern *match_at(const char *text, size_t len, size_t at)
{
	const struct pattern *best = NULL;

	for (size_t i = 0; i < n_patterns; i++) {
		const struct pattern *p = &patterns[i];
		if (p->len <= len - at && (!best || p->len > best->len) &&
		    memcmp(text + at, p->bytes, p->len) == 0)
			best = p;
	}
	return best;
}

char *redact_copy(const char *text, size_t len, size_t *out_len)
{
	/* Masks are never longer than what they replace (>= 4 bytes -> 3). */
	char *out = malloc(len + 1);
	size_t o = 0;

	if (!out)
		abort();
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < len;) {
		const struct pattern *p = n_patterns ? match_at(text, len, i) : NULL;
		if (p) {
			memcpy(out + o, REDACT_MASK, sizeof(REDACT_MASK) - 1);
			o += sizeof(REDACT_MASK) - 1;
			i += p->len;
		} else {
			out[o++] = text[i++];
		}
	}
	pthread_mutex_unlock(&lock);
	out[o] = '\0';
	if (out_len)
		*out_len = o;
	return out;
}

int redact_contains(const char *text, size_t len)
{
	int found = 0;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < len && !found; i++)
		found = match_at(text, len, i) != NULL;
	pthread_mutex_unlock(&lock);
	return found;
}
