#ifndef PECCTL_REDACT_H
#define PECCTL_REDACT_H
#include <stddef.h>

#define REDACT_MASK "***"

/* Register a secret value: from now on every output channel replaces it,
 * and its URL-encoded and JSON-escaped spellings, with ***. Values shorter
 * than 4 bytes are not registered (they would mask ordinary text). */
void redact_add(const char *value, size_t len);
/* Forget a value (when its secret is freed). */
void redact_remove(const char *value, size_t len);
/* A copy of text with every registered value masked; caller frees.
 * Never returns NULL (aborts on out-of-memory). */
char *redact_copy(const char *text, size_t len, size_t *out_len);
/* 1 when text contains a registered value. */
int redact_contains(const char *text, size_t len);

#endif
