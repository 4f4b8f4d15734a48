/*
 * Small helpers every operation uses: arguments, secrets, logging, errors,
 * the portal's date format.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aruba.h"

int aruba_dry_run(const cJSON *args)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "dry_run"));
}

const char *aruba_arg_string(const cJSON *args, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(args, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

const char *aruba_require_secret(struct pecctl_call *call, const char *name,
				 struct pecctl_error *err)
{
	const char *value = aruba_host->secret_arg(call, name);

	if (!value || !*value) {
		aruba_fail(err, PECCTL_E_INVALID, "secret argument \"%s\" is required", name);
		snprintf(err->field, sizeof(err->field), "%s", name);
		return NULL;
	}
	return value;
}

void aruba_log(struct pecctl_call *call, enum pecctl_log_level level, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	aruba_host->log(call, level, message);
}

int aruba_fail(struct pecctl_error *err, const char *code, const char *fmt, ...)
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

char *aruba_lowercase(const char *s)
{
	char *out = strdup(s), *p;

	for (p = out; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

static int digits_at(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int aruba_iso_date(const char *portal, char *out, size_t cap)
{
	/* DD/MM/YYYY [HH:MM] */
	if (strlen(portal) < 10 || !digits_at(portal, 2) || portal[2] != '/' ||
	    !digits_at(portal + 3, 2) || portal[5] != '/' || !digits_at(portal + 6, 4))
		return -1;
	if (portal[10] == ' ' && strlen(portal) >= 16 && digits_at(portal + 11, 2) &&
	    portal[13] == ':' && digits_at(portal + 14, 2)) {
		snprintf(out, cap, "%.4s-%.2s-%.2sT%.5s", portal + 6, portal + 3, portal, portal + 11);
		return 0;
	}
	snprintf(out, cap, "%.4s-%.2s-%.2s", portal + 6, portal + 3, portal);
	return 0;
}
