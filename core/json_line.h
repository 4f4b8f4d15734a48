#ifndef PECCTL_JSON_LINE_H
#define PECCTL_JSON_LINE_H
#include <stddef.h>
#include <time.h>

/* One JSON object on one line, written straight into a buffer that grows:
 *
 *   struct json_line l;
 *   json_line_begin(&l);
 *   json_line_string(&l, "event", "start");
 *   json_line_integer(&l, "line", 2);
 *   text = json_line_end(&l, &len);   "{...}\n", malloc'd; NULL out of memory
 *
 * Strings are escaped as cJSON escapes them (quote, backslash, control
 * characters; UTF-8 kept as it is), so that cJSON reads the line back. The
 * batch journal writes two lines a mailbox; built as cJSON trees and
 * printed, they cost more than the rest of the journal's work. Names are
 * the caller's literals and are not escaped. */
struct json_line {
	char *text;
	size_t len, cap;
	int failed;        /* out of memory: json_line_end says so */
};

void json_line_begin(struct json_line *l);
void json_line_string(struct json_line *l, const char *name, const char *value);
void json_line_integer(struct json_line *l, const char *name, long value);
void json_line_bool(struct json_line *l, const char *name, int value);
/* Seconds as json_format_seconds spells them. */
void json_line_seconds(struct json_line *l, const char *name, double seconds);
/* A UTC time as "2026-11-23T23:42:42.123Z". */
void json_line_time(struct json_line *l, const char *name, const struct timespec *when);
char *json_line_end(struct json_line *l, size_t *len);

/* The text of a number as the lines spell it, NUL-terminated into out
 * (room for JSON_NUMBER_MAX bytes); returns its length. Seconds have three
 * decimals (milliseconds), negative, NaN and absurd values being 0. The
 * report's cJSON rows spell theirs with these too (json_numbers.c). */
#define JSON_NUMBER_MAX 32
size_t json_format_integer(char *out, long value);
size_t json_format_seconds(char *out, double seconds);

#endif
