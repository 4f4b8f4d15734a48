/* Growing buffers with a cap, key/value lists, randomness and clocks. */
#include "pecsim.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

static void out_of_memory(void)
{
	fputs("pecsim: out of memory\n", stderr);
	abort();
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		out_of_memory();
	return p;
}

void buf_init(struct buf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit ? limit : BUF_DEFAULT_LIMIT;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 > b->limit) {
		b->overflow = 1;
		return -1;
	}
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		out_of_memory();
	b->data = p;
	b->cap = cap;
	return 0;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Attributes are always double-quoted, so a ' needs no escape and Italian
 * text (l'indirizzo) stays searchable as written. */
void buf_add_html(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_add(b, s, 1);
		}
	}
}

size_t buf_replace_all(struct buf *b, const char *from, const char *to)
{
	size_t flen = strlen(from), count = 0;
	if (!flen || !b->data)
		return 0;
	struct buf out;
	buf_init(&out, b->limit);
	const char *p = b->data, *end = b->data + b->len;
	while (p < end) {
		const char *hit = memmem(p, (size_t)(end - p), from, flen);
		if (!hit) {
			buf_add(&out, p, (size_t)(end - p));
			break;
		}
		buf_add(&out, p, (size_t)(hit - p));
		buf_puts(&out, to);
		p = hit + flen;
		count++;
	}
	if (count) {
		buf_release(b);
		*b = out;
	} else {
		buf_release(&out);
	}
	return count;
}

void kv_add(struct kvlist *l, const char *key, const char *value)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct kv *p = realloc(l->items, cap * sizeof(*p));
		if (!p)
			out_of_memory();
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n].key = xstrdup(key);
	l->items[l->n].value = xstrdup(value);
	l->n++;
}

const char *kv_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

void kv_free(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes %XX and '+' of one component; bad escapes are kept literally. */
static char *url_decode(const char *s, size_t len)
{
	char *out = xcalloc(len + 1, 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len &&
			   hexval((unsigned char)s[i + 1]) >= 0 && hexval((unsigned char)s[i + 2]) >= 0) {
			out[o++] = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

void kv_parse_urlencoded(struct kvlist *l, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (stop > p) {
			char *k = url_decode(p, (size_t)((eq ? eq : stop) - p));
			char *v = eq ? url_decode(eq + 1, (size_t)(stop - eq - 1)) : xstrdup("");
			/* an embedded NUL would make the value silently shorter */
			kv_add(l, k, v);
			free(k);
			free(v);
		}
		p = stop + 1;
	}
}

int str_ieq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

int str_starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

int parse_long(const char *s, long *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s)
		return -1;
	*out = v;
	return 0;
}

static void random_bytes(unsigned char *p, size_t n)
{
	while (n) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			perror("pecsim: getrandom");
			abort();
		}
		p += got;
		n -= (size_t)got;
	}
}

void random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	random_bytes(raw, nbytes);
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	out[2 * nbytes] = '\0';
}

uint32_t random_below(uint32_t n)
{
	uint32_t x, limit = UINT32_MAX - UINT32_MAX % n;
	do
		random_bytes((unsigned char *)&x, sizeof(x));
	while (x >= limit);
	return x % n;
}

void random_digits(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + random_below(10));
	out[n] = '\0';
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t sim_now(void)
{
	return time(NULL);
}

static void format_time(char *out, size_t size, time_t t, const char *fmt, int utc)
{
	struct tm tm;
	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	if (!strftime(out, size, fmt, &tm) && size)
		out[0] = '\0';
}

void format_date(char *out, size_t size, time_t t)
{
	format_time(out, size, t, "%d/%m/%Y", 0);
}

void format_datetime(char *out, size_t size, time_t t)
{
	format_time(out, size, t, "%d/%m/%Y %H:%M", 0);
}

void format_iso(char *out, size_t size, time_t t)
{
	format_time(out, size, t, "%Y-%m-%dT%H:%M:%SZ", 1);
}
