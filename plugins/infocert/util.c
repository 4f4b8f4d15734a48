/*
 * Small helpers every operation uses: arguments, secrets, settings,
 * logging, errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "infocert.h"

int infocert_dry_run(const cJSON *args)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "dry_run"));
}

const char *infocert_json_string(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

const char *infocert_arg_string(const cJSON *args, const char *name)
{
	return infocert_json_string(args, name);
}

const char *infocert_require_secret(struct pecctl_call *call, const char *name,
				    struct pecctl_error *err)
{
	const char *value = infocert_host->secret_arg(call, name);

	if (!value || !*value) {
		infocert_fail(err, PECCTL_E_INVALID, "secret argument \"%s\" is required", name);
		snprintf(err->field, sizeof(err->field), "%s", name);
		return NULL;
	}
	return value;
}

int infocert_fail(struct pecctl_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	err->field[0] = '\0';
	err->http_status = 0;
	return -1;
}

void infocert_log(struct pecctl_call *call, enum pecctl_log_level level, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	infocert_host->log(call, level, message);
}

char *infocert_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

void infocert_free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

long infocert_config_long(struct pecctl_call *call, const char *key, long fallback, long min,
			  long max)
{
	const char *text = infocert_host->config(call, key, NULL);
	char *end;
	long value;

	if (!text || !*text)
		return fallback;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || *end || value < min || value > max) {
		infocert_log(call, PECCTL_LOG_WARN,
			     "setting infocert.%s = \"%s\" is not a number from %ld to %ld; using %ld",
			     key, text, min, max, fallback);
		return fallback;
	}
	return value;
}
