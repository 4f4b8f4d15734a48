/*
 * Unit test of core/json_line.c, TAP on stdout. Built by tests/t/07-json-line.t.
 * Every line is read back with cJSON, as the batch journal's reader does.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "tap.h"
#include "json_line.h"

/* The line's text, checked to end in exactly one newline. */
static char *finish(struct json_line *l)
{
	size_t len = 0;
	char *text = json_line_end(l, &len);

	ok(text && len > 0 && text[len - 1] == '\n' && !memchr(text, '\n', len - 1) &&
	   strlen(text) == len, "one line, ending in a newline, NUL after it");
	return text;
}

static void strings(void)
{
	static const char *const values[] = {
		"", "plain", "quote \" and backslash \\", "new\nline\ttab\rcr",
		"\x01\x1f bell\b feed\f", "caff\xc3\xa8 \xe2\x82\xac", "/slash/",
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct json_line l;
		char *text;
		cJSON *back;
		char what[80];

		json_line_begin(&l);
		json_line_string(&l, "v", values[i]);
		text = finish(&l);
		back = text ? cJSON_Parse(text) : NULL;
		snprintf(what, sizeof(what), "string %zu reads back as itself", i);
		is_str(cJSON_GetStringValue(cJSON_GetObjectItem(back, "v")), values[i], what);
		cJSON_Delete(back);
		free(text);
	}
}

static void escapes(void)
{
	struct json_line l;
	char *text;

	json_line_begin(&l);
	json_line_string(&l, "a", "x\"\\\n\x01\xc3\xa8");
	text = finish(&l);
	is_str(text, "{\"a\":\"x\\\"\\\\\\n\\u0001\xc3\xa8\"}\n", "escaped as cJSON does, UTF-8 kept");
	free(text);
}

static void numbers(void)
{
	struct json_line l;
	char *text;
	cJSON *back;

	json_line_begin(&l);
	json_line_integer(&l, "zero", 0);
	json_line_integer(&l, "neg", -42);
	json_line_integer(&l, "min", LONG_MIN);
	json_line_integer(&l, "max", LONG_MAX);
	json_line_bool(&l, "yes", 1);
	json_line_bool(&l, "no", 0);
	text = finish(&l);
	is_str(text, "{\"zero\":0,\"neg\":-42,\"min\":-9223372036854775808,"
		 "\"max\":9223372036854775807,\"yes\":true,\"no\":false}\n", "integers and booleans");
	back = text ? cJSON_Parse(text) : NULL;
	ok(back && cJSON_IsTrue(cJSON_GetObjectItem(back, "yes")) &&
	   cJSON_GetObjectItem(back, "neg")->valuedouble == -42, "they read back");
	cJSON_Delete(back);
	free(text);

	json_line_begin(&l);
	json_line_seconds(&l, "a", 0.21);
	json_line_seconds(&l, "b", 1.0006);
	json_line_seconds(&l, "c", 12.9999);
	json_line_seconds(&l, "d", -1);
	json_line_seconds(&l, "e", NAN);
	json_line_seconds(&l, "f", 1e300);
	text = finish(&l);
	is_str(text, "{\"a\":0.210,\"b\":1.001,\"c\":13.000,\"d\":0.000,\"e\":0.000,\"f\":0.000}\n",
	   "seconds to the millisecond, nonsense as 0");
	free(text);
}

static void times(void)
{
	struct json_line l;
	struct timespec t = { 1795477362, 123456789 };  /* 2026-11-23T23:42:42.123Z */
	struct timespec epoch = { 0, 999999999 };
	char *text;

	json_line_begin(&l);
	json_line_time(&l, "t", &t);
	json_line_time(&l, "e", &epoch);
	text = finish(&l);
	is_str(text, "{\"t\":\"2026-11-23T23:42:42.123Z\",\"e\":\"1970-01-01T00:00:00.999Z\"}\n",
	   "UTC time to the millisecond");
	free(text);
}

static void long_line(void)
{
	struct json_line l;
	char *big = malloc(100001), *text;
	cJSON *back;

	memset(big, 'x', 100000);
	big[100000] = '\0';
	big[500] = '\n';
	json_line_begin(&l);
	json_line_string(&l, "big", big);
	text = finish(&l);
	back = text ? cJSON_Parse(text) : NULL;
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(back, "big")), big, "a long value grows the buffer");
	cJSON_Delete(back);
	free(text);
	free(big);

	json_line_begin(&l);
	text = finish(&l);
	is_str(text, "{}\n", "an empty object");
	free(text);
}

int main(void)
{
	strings();
	escapes();
	numbers();
	times();
	long_line();
	return tap_done();
}
