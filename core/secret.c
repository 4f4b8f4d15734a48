/*
 * Secrets: bytes on the secure heap (guarded, mlock'd, zeroed on free:
 * secure_heap.c), registered with the redactor while they live; and the
 * secret references that say where one comes from (env:, file:, cmd:, prompt:).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "prompt.h"
#include "redact.h"
#include "secure_heap.h"
#include "secret.h"
#include "vault.h"

/* Longer than any password or token; a file bigger than this is not one. */
#define SECRET_MAX 8192

struct secret {
	size_t len;
	char bytes[]; /* NUL-terminated */
};

struct secret *secret_new(const char *bytes, size_t len)
{
	struct secret *s = secure_alloc(sizeof(struct secret) + len + 1);

	s->len = len;
	memcpy(s->bytes, bytes, len);
	s->bytes[len] = '\0';
	redact_add(s->bytes, len);
	return s;
}

void secret_free(struct secret *s)
{
	if (!s)
		return;
	redact_remove(s->bytes, s->len);
	secure_free(s);  /* zeroes before releasing */
}

const char *secret_bytes(const struct secret *s, size_t *len)
{
	if (len)
		*len = s->len;
	return s->bytes;
}

static struct secret *from_env(const char *name, struct pecctl_error *err)
{
	const char *value = getenv(name);

	if (!*name) {
		pecctl_error_set(err, PECCTL_E_INVALID, "env: needs a variable name, as in env:PEC_PASSWORD");
		return NULL;
	}
	if (!value) {
		snprintf(err->message, sizeof(err->message),
			 "environment variable %s is not set (named by the secret reference env:%s)", name, name);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		return NULL;
	}
	return secret_new(value, strlen(value));
}

static struct secret *from_file(const char *path, struct pecctl_error *err)
{
	char *buf = secure_alloc(SECRET_MAX + 1);
	struct secret *s = NULL;
	ssize_t got;
	size_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err->message, sizeof(err->message), "cannot read secret file %s: %s", path,
			 strerror(errno));
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		goto out;
	}
	while (n < SECRET_MAX && (got = read(fd, buf + n, SECRET_MAX - n)) > 0)
		n += (size_t)got;
	close(fd);
	if (n == SECRET_MAX) {
		snprintf(err->message, sizeof(err->message),
			 "secret file %s is larger than %d bytes: is it the right file?", path, SECRET_MAX);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		goto out;
	}
	/* One trailing newline is how editors end files, not part of the secret. */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	s = secret_new(buf, n);
out:
	secure_free(buf);
	return s;
}

static struct secret *from_command(const char *command, struct pecctl_error *err)
{
	char *buf = secure_alloc(SECRET_MAX + 1);
	struct secret *s = NULL;

	if (prompt_command_output(command, NULL, buf, SECRET_MAX + 1, err) == 0)
		s = secret_new(buf, strlen(buf));
	secure_free(buf);
	return s;
}

static struct secret *from_prompt(const char *label, struct pecctl_error *err)
{
	char *buf = secure_alloc(SECRET_MAX + 1);
	char question[256];
	struct secret *s = NULL;

	snprintf(question, sizeof(question), "%s:", label ? label : "password");
	if (prompt_ask(question, 0, buf, SECRET_MAX + 1, err) == 0)
		s = secret_new(buf, strlen(buf));
	secure_free(buf);
	return s;
}

struct secret *secret_resolve(const char *ref, const char *label, struct pecctl_error *err)
{
	if (strncmp(ref, "env:", 4) == 0)
		return from_env(ref + 4, err);
	if (strncmp(ref, "file:", 5) == 0)
		return from_file(ref + 5, err);
	if (strncmp(ref, "cmd:", 4) == 0)
		return from_command(ref + 4, err);
	if (strcmp(ref, "prompt:") == 0 || strcmp(ref, "prompt") == 0)
		return from_prompt(label, err);
	if (strncmp(ref, "vault:", 6) == 0) {
		if (!ref[6]) {
			pecctl_error_set(err, "usage", "vault: needs a key, as in vault:mario.rossi@pec.it");
			return NULL;
		}
		return vault_get(ref + 6, VAULT_CURRENT, NULL, err);
	}
	/* Never echo the reference: a user may have typed the password itself. */
	pecctl_error_set(err, PECCTL_E_INVALID,
			 "not a secret reference: use env:VAR, file:PATH, cmd:COMMAND or prompt: "
			 "(secrets are never accepted on the command line)");
	return NULL;
}

const char *secret_account_ref(const char *account, char *buf, size_t cap)
{
	if (vault_exists())
		snprintf(buf, cap, "vault:%s", account);
	else if (prompt_has_tty())
		snprintf(buf, cap, "prompt:");
	else
		return NULL;
	return buf;
}
