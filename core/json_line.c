/*
 * JSON lines written directly (json_line.h).
 */
#include <stdlib.h>
#include <string.h>
#include "json_line.h"

static int reserve(struct json_line *l, size_t more)
{
	char *grown;
	size_t cap;

	if (l->failed)
		return -1;
	if (l->len + more <= l->cap)
		return 0;
	cap = l->cap ? l->cap : 256;
	while (cap < l->len + more)
		cap *= 2;
	if (!(grown = realloc(l->text, cap))) {
		l->failed = 1;
		return -1;
	}
	l->text = grown;
	l->cap = cap;
	return 0;
}

static void put(struct json_line *l, const char *s, size_t n)
{
	if (reserve(l, n) == 0) {
		memcpy(l->text + l->len, s, n);
		l->len += n;
	}
}

/* ,"name": (the comma before every member but the first) */
static void member(struct json_line *l, const char *name)
{
	if (l->len > 1)
		put(l, ",", 1);
	put(l, "\"", 1);
	put(l, name, strlen(name));
	put(l, "\":", 2);
}

/* The decimal digits of v, at least width of them, into out (room for
 * 20); returns how many. */
static size_t digits(unsigned long v, int width, char *out)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || (int)n < width);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

void json_line_begin(struct json_line *l)
{
	memset(l, 0, sizeof(*l));
	put(l, "{", 1);
}

void json_line_string(struct json_line *l, const char *name, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = value;

	member(l, name);
	put(l, "\"", 1);
	for (const char *p = value; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[6] = { '\\', 0 };
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(l, run, (size_t)(p - run));
		run = p + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		put(l, esc, n);
	}
	put(l, run, strlen(run));
	put(l, "\"", 1);
}

size_t json_format_integer(char *out, long value)
{
	size_t n = 0;

	if (value < 0)
		out[n++] = '-';
	n += digits(value < 0 ? 0UL - (unsigned long)value : (unsigned long)value, 1, out + n);
	out[n] = '\0';
	return n;
}

size_t json_format_seconds(char *out, double seconds)
{
	unsigned long ms;
	size_t n;

	if (!(seconds >= 0 && seconds < 1e12))  /* NaN too: JSON has no such numbers */
		seconds = 0;
	ms = (unsigned long)(seconds * 1000.0 + 0.5);
	n = digits(ms / 1000, 1, out);
	out[n++] = '.';
	n += digits(ms % 1000, 3, out + n);
	out[n] = '\0';
	return n;
}

void json_line_integer(struct json_line *l, const char *name, long value)
{
	char text[JSON_NUMBER_MAX];
	size_t n = json_format_integer(text, value);

	member(l, name);
	put(l, text, n);
}

void json_line_bool(struct json_line *l, const char *name, int value)
{
	member(l, name);
	put(l, value ? "true" : "false", value ? 4 : 5);
}

void json_line_seconds(struct json_line *l, const char *name, double seconds)
{
	char text[JSON_NUMBER_MAX];
	size_t n = json_format_seconds(text, seconds);

	member(l, name);
	put(l, text, n);
}

void json_line_time(struct json_line *l, const char *name, const struct timespec *when)
{
	struct tm tm;
	char text[40];
	size_t n = 0;

	gmtime_r(&when->tv_sec, &tm);
	text[n++] = '"';
	n += digits((unsigned long)tm.tm_year + 1900, 4, text + n);
	text[n++] = '-';
	n += digits((unsigned long)tm.tm_mon + 1, 2, text + n);
	text[n++] = '-';
	n += digits((unsigned long)tm.tm_mday, 2, text + n);
	text[n++] = 'T';
	n += digits((unsigned long)tm.tm_hour, 2, text + n);
	text[n++] = ':';
	n += digits((unsigned long)tm.tm_min, 2, text + n);
	text[n++] = ':';
	n += digits((unsigned long)tm.tm_sec, 2, text + n);
	text[n++] = '.';
	n += digits((unsigned long)when->tv_nsec / 1000000, 3, text + n);
	text[n++] = 'Z';
	text[n++] = '"';
	member(l, name);
	put(l, text, n);
}

char *json_line_end(struct json_line *l, size_t *len)
{
	put(l, "}\n", 2);
	if (reserve(l, 1) == 0)
		l->text[l->len] = '\0';  /* not counted: for readers of a string */
	if (l->failed) {
		free(l->text);
		l->text = NULL;
		return NULL;
	}
	*len = l->len;
	return l->text;
}
