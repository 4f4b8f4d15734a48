/*
 * Logging: one line per message on stderr, as text or as JSON lines
 * (--log-format json). Every message is redacted before it is written.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "log.h"
#include "redact.h"

static struct {
	enum pecctl_log_level threshold;
	int json;
	int color;
} config = { PECCTL_LOG_WARN, 0, 0 };

/* Batch workers log from several threads; lines must not interleave. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "debug", "info", "warn", "error" };
static const char *const level_colors[] = { "\033[2m", "", "\033[33m", "\033[31m" };

void log_configure(int verbosity, int json, int color)
{
	/* quiet: errors only; normal: warnings; -v: info; -vv: debug */
	if (verbosity < 0)
		config.threshold = PECCTL_LOG_ERROR;
	else if (verbosity == 0)
		config.threshold = PECCTL_LOG_WARN;
	else if (verbosity == 1)
		config.threshold = PECCTL_LOG_INFO;
	else
		config.threshold = PECCTL_LOG_DEBUG;
	config.json = json;
	config.color = color;
}

int log_enabled(enum pecctl_log_level level)
{
	return level >= config.threshold;
}

static void write_json_line(enum pecctl_log_level level, const char *context, const char *message)
{
	char stamp[64];
	struct timespec now;
	struct tm tm;
	cJSON *line = cJSON_CreateObject();
	char *text;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
	cJSON_AddStringToObject(line, "time", stamp);
	cJSON_AddStringToObject(line, "level", level_names[level]);
	if (context)
		cJSON_AddStringToObject(line, "context", context);
	cJSON_AddStringToObject(line, "message", message);
	text = cJSON_PrintUnformatted(line);
	if (text) {
		fputs(text, stderr);
		fputc('\n', stderr);
		cJSON_free(text);
	}
	cJSON_Delete(line);
}

static void write_text_line(enum pecctl_log_level level, const char *context, const char *message)
{
	const char *on = config.color ? level_colors[level] : "";
	const char *off = config.color && *on ? "\033[0m" : "";

	if (context)
		fprintf(stderr, "%specctl: %s: %s: %s%s\n", on, level_names[level], context, message, off);
	else
		fprintf(stderr, "%specctl: %s: %s%s\n", on, level_names[level], message, off);
}

void log_write(enum pecctl_log_level level, const char *context, const char *message)
{
	char *safe_message, *safe_context = NULL;

	if (!log_enabled(level))
		return;
	safe_message = redact_copy(message, strlen(message), NULL);
	if (context)
		safe_context = redact_copy(context, strlen(context), NULL);
	pthread_mutex_lock(&write_lock);
	if (config.json)
		write_json_line(level, safe_context, safe_message);
	else
		write_text_line(level, safe_context, safe_message);
	fflush(stderr);
	pthread_mutex_unlock(&write_lock);
	free(safe_message);
	free(safe_context);
}

void log_printf(enum pecctl_log_level level, const char *context, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_write(level, context, buf);
}
