#ifndef PECCTL_LOG_H
#define PECCTL_LOG_H
#include "pecctl/plugin.h"

/* Logging to stderr, as text or JSON lines. Every message passes through
 * the redactor before it is written. */
void log_configure(int verbosity, int json, int color);
int log_enabled(enum pecctl_log_level level);
/* context: the account or component the line is about, may be NULL. */
void log_write(enum pecctl_log_level level, const char *context, const char *message);
void log_printf(enum pecctl_log_level level, const char *context, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
