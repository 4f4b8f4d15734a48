#ifndef PECCTL_SECRET_H
#define PECCTL_SECRET_H
#include <stddef.h>
#include "pecctl/plugin.h"

/* A secret value held on the secure heap (guarded, locked, zeroed on free)
 * and registered with the redactor for as long as it lives. */
struct secret;

struct secret *secret_new(const char *bytes, size_t len);
void secret_free(struct secret *s);
/* NUL-terminated bytes; only the HTTP layer, the vault and plugins read them. */
const char *secret_bytes(const struct secret *s, size_t *len);

/* Resolve a secret reference: env:VAR, file:PATH, cmd:COMMAND (its stdout,
 * one trailing newline dropped), prompt: (the TTY, no echo). label names
 * what is asked for in the prompt. */
struct secret *secret_resolve(const char *ref, const char *label, struct pecctl_error *err);

/* Where an account's password comes from when the user named no source:
 * vault:ACCOUNT when there is a vault, else prompt: on a terminal; NULL
 * when neither can give it. The one rule for run, batch, repl and doctor. */
const char *secret_account_ref(const char *account, char *buf, size_t cap);

#endif
