/*
 * pecctl vault init|set|get|list|rm|import|export|passwd|reconcile: the
 * encrypted file of account passwords. Secrets come from the terminal,
 * stdin, files or the environment, never from argv; they go out only on
 * stdout, and only when asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include "cli.h"
#include "exitcode.h"
#include "lua_api.h"
#include "lua_runtime.h"
#include "options.h"
#include "prompt.h"
#include "redact.h"
#include "registry.h"
#include "secret.h"
#include "signals.h"
#include "vault.h"

#define IMPORT_MAX (8u << 20)  /* about 50,000 rows */

struct vault_sub {
	const char *name;
	const char *usage;
	int (*run)(int argc, char **argv);
};

static const char *sub_name = "vault";
static const char *passphrase_file;  /* --passphrase-file, for init */

/* "pecctl vault SUB: message" on stderr, redacted; the exit code for err. */
static int fail(const struct pecctl_error *err)
{
	size_t len;
	char *text = redact_copy(err->message, strlen(err->message), &len);

	fprintf(stderr, "pecctl vault %s: %s\n", sub_name, text);
	free(text);
	if (strcmp(err->code, "exists") == 0)
		return EXIT_CANTCREAT;
	return exitcode_for_error(err->code);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "pecctl vault %s: ", sub_name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nsee 'pecctl vault %s -h'\n", sub_name);
	return EXIT_USAGE;
}

/* Writes all of buf to stdout without stdio, whose buffers are ordinary
 * heap: a password printed leaves no copy behind. */
static int write_out(const char *buf, size_t len)
{
	while (len) {
		ssize_t put = write(STDOUT_FILENO, buf, len);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0) {
			fprintf(stderr, "pecctl vault %s: cannot write the output: %s\n", sub_name, strerror(errno));
			return -1;
		}
		buf += put;
		len -= (size_t)put;
	}
	return 0;
}

/* A new passphrase: from file (when given), env, else typed twice. */
static struct secret *new_passphrase(const char *file, const char *env_name, const char *what,
				     struct pecctl_error *err)
{
	const char *env = getenv(env_name);
	struct secret *s = NULL;
	char *a, *b;

	if (file) {
		char ref[4200];
		if (access(file, F_OK) != 0) {
			snprintf(err->message, sizeof(err->message), "cannot read the passphrase file %s: %s",
				 file, strerror(errno));
			snprintf(err->code, sizeof(err->code), "noinput");
			return NULL;
		}
		snprintf(ref, sizeof(ref), "file:%s", file);
		return secret_resolve(ref, NULL, err);
	}
	if (env)
		return secret_new(env, strlen(env));
	if (!prompt_has_tty()) {
		snprintf(err->message, sizeof(err->message),
			 "no terminal to ask for the %s: set %s or give a passphrase file", what, env_name);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_NEEDS_HUMAN);
		return NULL;
	}
	a = sodium_malloc(1024);
	b = sodium_malloc(1024);
	if (!a || !b)
		abort();
	{
		char q1[128], q2[128];
		snprintf(q1, sizeof(q1), "%s:", what);
		snprintf(q2, sizeof(q2), "%s (again):", what);
		if (prompt_ask(q1, 0, a, 1024, err) == 0 && prompt_ask(q2, 0, b, 1024, err) == 0) {
			if (strcmp(a, b) == 0)
				s = secret_new(a, strlen(a));
			else
				pecctl_error_set(err, PECCTL_E_INVALID, "the two passphrases differ: nothing changed");
		}
	}
	sodium_free(a);
	sodium_free(b);
	return s;
}

/* --kdf LEVEL, for init and passwd. */
static int take_kdf(int argc, char **argv, int *i, const char **level)
{
	const char *arg = argv[*i];

	if (strncmp(arg, "--kdf=", 6) == 0) {
		*level = arg + 6;
		return 1;
	}
	if (strcmp(arg, "--kdf") == 0) {
		if (*i + 1 >= argc)
			return -1;
		*level = argv[++*i];
		return 1;
	}
	return 0;
}

static int kdf_needs_value(void)
{
	return usage_error("%s needs a value: interactive, moderate or sensitive", "--kdf");
}

static int run_init(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	const char *level = NULL;
	struct vault_kdf kdf;
	struct secret *pass;
	int rc;

	for (int i = 1; i < argc; i++) {
		int k = take_kdf(argc, argv, &i, &level);
		if (k < 0)
			return kdf_needs_value();
		if (k == 0)
			return usage_error("unexpected argument '%s'", argv[i]);
	}
	if (vault_kdf_named(level, &kdf, &err) != 0)
		return fail(&err);
	if (vault_exists()) {
		pecctl_error_set(&err, "exists", "");
		snprintf(err.message, sizeof(err.message),
			 "a vault already exists at %s: use it, change its passphrase with 'pecctl vault passwd', "
			 "or move it away first", vault_path());
		return fail(&err);
	}
	pass = new_passphrase(passphrase_file ? passphrase_file : getenv("PECCTL_VAULT_PASSPHRASE_FILE"),
			      "PECCTL_VAULT_PASSPHRASE", "new vault passphrase", &err);
	if (!pass)
		return fail(&err);
	rc = vault_init(pass, &kdf, &err);
	secret_free(pass);
	if (rc != 0)
		return fail(&err);
	fprintf(stderr, "created the vault %s\n", vault_path());
	return 0;
}

/* The password for set: --secret REF, the terminal (typed twice) when
 * stdin is one, else the first line of stdin. */
static struct secret *read_password(const char *key, const char *ref, struct pecctl_error *err)
{
	char *a = NULL, *b = NULL;
	struct secret *s = NULL;
	size_t cap = VAULT_PASSWORD_MAX + 2, n = 0;

	if (ref)
		return secret_resolve(ref, key, err);
	a = sodium_malloc(cap + 1);
	b = sodium_malloc(cap + 1);
	if (!a || !b)
		abort();
	if (isatty(STDIN_FILENO) && prompt_has_tty()) {
		char q1[VAULT_KEY_MAX + 32], q2[VAULT_KEY_MAX + 32];
		snprintf(q1, sizeof(q1), "password for %s:", key);
		snprintf(q2, sizeof(q2), "password for %s (again):", key);
		if (prompt_ask(q1, 0, a, cap, err) == 0 && prompt_ask(q2, 0, b, cap, err) == 0) {
			if (strcmp(a, b) == 0)
				s = secret_new(a, strlen(a));
			else
				pecctl_error_set(err, PECCTL_E_INVALID, "the two passwords differ: nothing stored");
		}
		goto out;
	}
	for (;;) {
		char c;
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || c == '\n')
			break;
		if (n < cap)
			a[n] = c;
		n++;
	}
	if (n > 0 && n <= cap && a[n - 1] == '\r')
		n--;
	if (n > VAULT_PASSWORD_MAX) {
		snprintf(err->message, sizeof(err->message),
			 "the password on stdin is longer than %d bytes: is it the right input?", VAULT_PASSWORD_MAX);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
	} else if (n == 0) {
		snprintf(err->message, sizeof(err->message),
			 "no password on stdin for %s: give it as one line on stdin, type it on a terminal, "
			 "or use --secret REF", key);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
	} else {
		s = secret_new(a, n);
	}
out:
	sodium_free(a);
	sodium_free(b);
	return s;
}

static int run_set(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	const char *key = NULL, *ref = NULL;
	struct secret *s;
	const char *bytes;
	size_t len;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--secret") == 0) {
			if (i + 1 >= argc)
				return usage_error("%s needs a reference: env:VAR, file:PATH, cmd:COMMAND or prompt:",
						   "--secret");
			ref = argv[++i];
		} else if (strncmp(argv[i], "--secret=", 9) == 0) {
			ref = argv[i] + 9;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage_error("unknown option '%s'", argv[i]);
		} else if (!key) {
			key = argv[i];
		} else {
			/* never echo it: it may be the password itself */
			return usage_error("%s", "one key only; the password goes on stdin or the terminal, "
					   "never on the command line");
		}
	}
	if (!key)
		return usage_error("%s", "which key? give the account, as in 'pecctl vault set mario.rossi@pec.it'");
	/* the passphrase before the password, as a person expects to be asked */
	if (vault_unlock(&err) != 0)
		return fail(&err);
	if (!(s = read_password(key, ref, &err)))
		return fail(&err);
	bytes = secret_bytes(s, &len);
	rc = vault_set(key, bytes, len, &err);
	secret_free(s);
	if (rc != 0)
		return fail(&err);
	fprintf(stderr, "stored the password of %s\n", key);
	return 0;
}

static int run_get(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	enum vault_slot slot = VAULT_CURRENT;
	const char *key = NULL;
	int reveal = 0, rc;
	struct secret *s;
	const char *bytes;
	size_t len;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reveal") == 0)
			reveal = 1;
		else if (strcmp(argv[i], "--previous") == 0)
			slot = VAULT_PREVIOUS;
		else if (strcmp(argv[i], "--pending") == 0)
			slot = VAULT_PENDING;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage_error("unknown option '%s'", argv[i]);
		else if (!key)
			key = argv[i];
		else
			return usage_error("unexpected argument '%s'", argv[i]);
	}
	if (!key)
		return usage_error("%s", "which key? as in 'pecctl vault get mario.rossi@pec.it'");
	if (isatty(STDOUT_FILENO) && !reveal) {
		fprintf(stderr,
			"pecctl vault get: not showing the password of %s on the terminal: add --reveal to show it, "
			"or send it to a pipe or file\n", key);
		return EXIT_USAGE;
	}
	if (!(s = vault_get(key, slot, NULL, &err)))
		return fail(&err);
	bytes = secret_bytes(s, &len);
	rc = write_out(bytes, len) == 0 && write_out("\n", 1) == 0 ? 0 : EXIT_IOERR;
	secret_free(s);
	return rc;
}

static int run_list(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	struct vault_info *info;
	size_t count, width = 3;
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return usage_error("unexpected argument '%s'", argv[i]);
	}
	if (vault_list(&info, &count, &err) != 0)
		return fail(&err);
	if (json) {
		cJSON *arr = cJSON_CreateArray();
		char *text;

		for (size_t i = 0; i < count; i++) {
			cJSON *o = cJSON_CreateObject(), *p;
			cJSON_AddStringToObject(o, "key", info[i].key);
			cJSON_AddBoolToObject(o, "current", info[i].has_current);
			cJSON_AddBoolToObject(o, "previous", info[i].has_previous);
			if (info[i].has_pending) {
				p = cJSON_AddObjectToObject(o, "pending");
				cJSON_AddStringToObject(p, "op", info[i].op);
				cJSON_AddStringToObject(p, "time", info[i].pending_time);
				cJSON_AddNumberToObject(p, "failed_logins", info[i].failed_logins);
			} else {
				cJSON_AddNullToObject(o, "pending");
			}
			if (info[i].updated[0])
				cJSON_AddStringToObject(o, "updated", info[i].updated);
			else
				cJSON_AddNullToObject(o, "updated");
			cJSON_AddItemToArray(arr, o);
		}
		text = cJSON_PrintUnformatted(arr);
		printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(arr);
	} else {
		if (!count)
			fprintf(stderr, "the vault %s is empty: add passwords with 'pecctl vault set' or "
				"'pecctl vault import'\n", vault_path());
		for (size_t i = 0; i < count; i++)
			if (strlen(info[i].key) > width)
				width = strlen(info[i].key);
		for (size_t i = 0; i < count; i++) {
			const struct vault_info *e = &info[i];
			printf("%-*s  ", (int)width, e->key);
			char failed[48] = "";
			if (e->failed_logins)
				snprintf(failed, sizeof(failed), ", %d failed login%s", e->failed_logins,
					 e->failed_logins == 1 ? "" : "s");
			if (e->has_pending)
				printf("PENDING since %s (operation %s%s): run 'pecctl vault reconcile %s'\n",
				       e->pending_time, e->op, failed, e->key);
			else
				printf("ok, updated %s%s\n", e->updated[0] ? e->updated : "(unknown)",
				       e->has_previous ? ", previous kept" : "");
		}
	}
	free(info);
	return cli_finish_stdout(0);
}

/* The arguments of rm, import and reconcile: an optional --FLAG and at
 * most one NAME. 0, or the exit code of the usage error it printed. */
static int parse_flag_and_name(int argc, char **argv, const char *flag_name, int *flag,
			       const char **name)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], flag_name) == 0)
			*flag = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage_error("unknown option '%s'", argv[i]);
		else if (!*name)
			*name = argv[i];
		else
			return usage_error("unexpected argument '%s'", argv[i]);
	}
	return 0;
}

static int run_rm(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	const char *key = NULL;
	int force = 0, code = parse_flag_and_name(argc, argv, "--force", &force, &key);

	if (code)
		return code;
	if (!key)
		return usage_error("%s", "which key? as in 'pecctl vault rm mario.rossi@pec.it'");
	if (vault_remove(key, force, &err) != 0)
		return fail(&err);
	fprintf(stderr, "removed %s from the vault\n", key);
	return 0;
}

/* ---- import ---- */

struct csv_field {
	char *text;  /* unescaped in place, NUL-terminated */
	size_t len;
};

/* Splits one line (no newline) into at most max fields, unescaping quoted
 * ones in place. Returns the field count, or -1 with *why. */
static int csv_split(char *line, size_t len, struct csv_field *fields, int max, const char **why)
{
	char *p = line, *end = line + len;
	int n = 0;

	for (;;) {
		char *out = p, *start = p;

		if (n == max) {
			*why = "expected 2 fields (account,password), found more";
			return -1;
		}
		if (p < end && *p == '"') {
			int closed = 0;
			p++;
			while (p < end) {
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						*out++ = '"';
						p += 2;
						continue;
					}
					p++;
					closed = 1;
					break;
				}
				*out++ = *p++;
			}
			if (!closed) {
				*why = "a quoted field is not closed on its line";
				return -1;
			}
			if (p < end && *p != ',') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			while (p < end && *p != ',')
				p++;
			out = p;
		}
		fields[n].text = start;
		fields[n].len = (size_t)(out - start);
		n++;
		if (p >= end) {
			*out = '\0';
			return n;
		}
		p++;       /* the comma */
		*out = '\0';
	}
}

static void trim(struct csv_field *f)
{
	while (f->len && (f->text[0] == ' ' || f->text[0] == '\t')) {
		f->text++;
		f->len--;
	}
	while (f->len && (f->text[f->len - 1] == ' ' || f->text[f->len - 1] == '\t'))
		f->text[--f->len] = '\0';
}

static int key_is_valid(const struct csv_field *f)
{
	if (f->len == 0 || f->len > VAULT_KEY_MAX)
		return 0;
	for (size_t i = 0; i < f->len; i++)
		if ((unsigned char)f->text[i] < 0x20 || f->text[i] == 0x7f)
			return 0;
	return 1;
}

/* The whole input in locked memory; NULL and err when unreadable. */
static char *slurp(const char *path, size_t *len, struct pecctl_error *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t n = 0;

	if (fd < 0) {
		snprintf(err->message, sizeof(err->message), "cannot read %s: %s", path, strerror(errno));
		snprintf(err->code, sizeof(err->code), "%s", errno == ENOENT ? "noinput" : "io");
		return NULL;
	}
	buf = sodium_malloc(IMPORT_MAX + 1);
	if (!buf)
		abort();
	for (;;) {
		ssize_t got = read(fd, buf + n, IMPORT_MAX - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err->message, sizeof(err->message), "cannot read %s: %s", path, strerror(errno));
			snprintf(err->code, sizeof(err->code), "io");
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == IMPORT_MAX) {
			snprintf(err->message, sizeof(err->message),
				 "%s is larger than %u MiB: split it and import the parts", path, IMPORT_MAX >> 20);
			snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
			goto fail;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	sodium_free(buf);
	return NULL;
}

static int run_import(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	const char *file = NULL;
	int skip_bad = 0, bad = 0, rc = 0;
	struct vault_pair *pairs = NULL;
	size_t *lines = NULL, count = 0, cap = 0, len, replaced = 0, line_no = 0;
	char *buf, *p, *end;

	if ((rc = parse_flag_and_name(argc, argv, "--skip-bad", &skip_bad, &file)) != 0)
		return rc;
	if (!file)
		return usage_error("%s", "which file? give a CSV of account,password (or - for stdin)");
	/* a missing vault or a wrong passphrase stops us before reading a file
	 * full of passwords */
	if (vault_unlock(&err) != 0)
		return fail(&err);
	if (!(buf = slurp(file, &len, &err)))
		return fail(&err);
	for (p = buf, end = buf + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		struct csv_field f[2];
		const char *why = NULL;
		size_t dup = 0;
		int n;

		line_no++;
		if (eol > p && eol[-1] == '\r')
			eol--;
		n = (eol == p) ? 0 : csv_split(p, (size_t)(eol - p), f, 2, &why);
		p = nl ? nl + 1 : end;
		if (n == 0)
			continue;  /* blank line */
		if (n == 2)
			trim(&f[0]);
		if (n == 2 && count == 0 && !bad && (strcasecmp(f[0].text, "account") == 0 ||
						    strcasecmp(f[0].text, "key") == 0) &&
		    strcasecmp(f[1].text, "password") == 0)
			continue;  /* the header row */
		if (n < 0)
			;
		else if (n != 2)
			why = "expected 2 fields (account,password)";
		else if (!key_is_valid(&f[0]))
			why = f[0].len ? "the account is too long or has control characters" : "the account is empty";
		else if (f[1].len == 0)
			why = "the password is empty";
		else if (f[1].len > VAULT_PASSWORD_MAX)
			why = "the password is longer than " VAULT_PASSWORD_MAX_TEXT " bytes";
		for (size_t i = 0; !why && i < count; i++)
			if (strcmp(pairs[i].key, f[0].text) == 0)
				dup = lines[i];
		if (why || dup) {
			bad++;
			if (dup)
				fprintf(stderr, "pecctl vault import: %s:%zu: %s was already given on line %zu\n",
					file, line_no, f[0].text, dup);
			else
				fprintf(stderr, "pecctl vault import: %s:%zu: %s\n", file, line_no, why);
			continue;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			pairs = realloc(pairs, cap * sizeof(*pairs));
			lines = realloc(lines, cap * sizeof(*lines));
			if (!pairs || !lines)
				abort();
		}
		pairs[count].key = f[0].text;
		pairs[count].password = f[1].text;
		pairs[count].len = f[1].len;
		lines[count] = line_no;
		count++;
	}
	if (bad && !skip_bad) {
		fprintf(stderr, "pecctl vault import: %d bad row%s in %s: nothing imported; fix %s, "
			"or import the good rows with --skip-bad\n", bad, bad == 1 ? "" : "s", file,
			bad == 1 ? "it" : "them");
		rc = EXIT_DATAERR;
	} else if (count == 0) {
		fprintf(stderr, "pecctl vault import: no accounts in %s: nothing imported\n", file);
		rc = bad ? EXIT_DATAERR : 0;
	} else if (vault_set_many(pairs, count, &replaced, &err) != 0) {
		rc = fail(&err);
	} else {
		fprintf(stderr, "imported %zu account%s into %s (%zu replaced", count, count == 1 ? "" : "s",
			vault_path(), replaced);
		if (bad)
			fprintf(stderr, ", %d bad row%s skipped", bad, bad == 1 ? "" : "s");
		fprintf(stderr, ")\n");
	}
	free(pairs);
	free(lines);
	sodium_free(buf);
	return rc;
}

/* ---- export ---- */

static int csv_needs_quotes(const char *s, size_t len)
{
	return len == 0 || s[0] == ' ' || s[len - 1] == ' ' || s[0] == '\t' || s[len - 1] == '\t' ||
	       memchr(s, ',', len) || memchr(s, '"', len);
}

/* One field into line (locked memory) at *n; quotes doubled. */
static void csv_put(char *line, size_t *n, const char *s, size_t len)
{
	int quote = csv_needs_quotes(s, len);

	if (quote)
		line[(*n)++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			line[(*n)++] = '"';
		line[(*n)++] = s[i];
	}
	if (quote)
		line[(*n)++] = '"';
}

static int export_row(const char *key, const char *password, size_t len, void *arg)
{
	char *line = arg;
	size_t n = 0;

	csv_put(line, &n, key, strlen(key));
	line[n++] = ',';
	csv_put(line, &n, password, len);
	line[n++] = '\n';
	return write_out(line, n) == 0 ? 0 : EXIT_IOERR;
}

static int run_export(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	int force = 0, rc;
	char *line;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else
			return usage_error("unexpected argument '%s'", argv[i]);
	}
	if (isatty(STDOUT_FILENO) && !force) {
		fprintf(stderr, "pecctl vault export: not printing every password on the terminal: "
			"redirect the output to a file (pecctl vault export > backup.csv), or add --force\n");
		return EXIT_USAGE;
	}
	/* a row is at most two fields, each doubled by quoting, plus ",\n" */
	line = sodium_malloc(2 * (VAULT_KEY_MAX + VAULT_PASSWORD_MAX) + 8);
	if (!line)
		abort();
	if (write_out("account,password\n", 17) != 0) {
		sodium_free(line);
		return EXIT_IOERR;
	}
	rc = vault_each_current(export_row, line, &err);
	sodium_free(line);
	if (rc < 0)
		return fail(&err);
	return rc;
}

static int run_passwd(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	const char *level = NULL, *new_file = NULL;
	struct vault_kdf kdf;
	struct secret *pass;
	int rc;

	for (int i = 1; i < argc; i++) {
		int k = take_kdf(argc, argv, &i, &level);
		if (k < 0)
			return kdf_needs_value();
		if (k > 0)
			continue;
		if (strcmp(argv[i], "--new-passphrase-file") == 0) {
			if (i + 1 >= argc)
				return usage_error("%s needs a file", argv[i]);
			new_file = argv[++i];
		} else if (strncmp(argv[i], "--new-passphrase-file=", 22) == 0) {
			new_file = argv[i] + 22;
		} else {
			return usage_error("unexpected argument '%s'", argv[i]);
		}
	}
	if (vault_kdf_named(level, &kdf, &err) != 0)
		return fail(&err);
	/* the current passphrase first, so that a wrong one stops before any typing */
	if (vault_unlock(&err) != 0)
		return fail(&err);
	pass = new_passphrase(new_file, "PECCTL_VAULT_NEW_PASSPHRASE", "new vault passphrase", &err);
	if (!pass)
		return fail(&err);
	rc = vault_passwd(pass, &kdf, &err);
	secret_free(pass);
	if (rc != 0)
		return fail(&err);
	fprintf(stderr, "changed the passphrase of the vault %s\n", vault_path());
	return 0;
}

/* One account through pecctl.vault.reconcile; prints the outcome and
 * returns 0 or the exit code of its error. */
static int reconcile_one(lua_State *L, const char *key, int force)
{
	struct pecctl_error err = { 0 };

	lua_getglobal(L, "pecctl");
	lua_getfield(L, -1, "vault");
	lua_getfield(L, -1, "reconcile");
	lua_pushstring(L, key);
	lua_pushnil(L);
	lua_pushboolean(L, force);
	if (runtime_pcall(L, 3, 2) != LUA_OK) {
		runtime_report_error(L, -1, key);
		lua_settop(L, 0);
		return signals_interrupted() ? EXIT_INTERRUPTED : EXIT_SOFTWARE;
	}
	if (lua_istable(L, -2)) {
		lua_getfield(L, -2, "message");
		printf("%s: %s\n", key, lua_tostring(L, -1) ? lua_tostring(L, -1) : "done");
		lua_settop(L, 0);
		return 0;
	}
	lua_to_error(L, -1, &err);
	lua_settop(L, 0);
	fail(&err);
	return exitcode_for_error(err.code);
}

static int run_reconcile(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	const char *account = NULL;
	struct vault_info *info;
	size_t count, pending = 0, known = 0;
	int code = 0, force = 0;
	lua_State *L;

	if ((code = parse_flag_and_name(argc, argv, "--force", &force, &account)) != 0)
		return code;
	if (vault_list(&info, &count, &err) != 0)
		return fail(&err);
	for (size_t i = 0; i < count; i++) {
		if (account && strcmp(account, info[i].key) != 0)
			continue;
		known++;
		pending += info[i].has_pending;
	}
	if (account && !known) {
		free(info);
		pecctl_error_set(&err, "noinput", "");
		snprintf(err.message, sizeof(err.message),
			 "the vault has no entry %s ('pecctl vault list' shows them)", account);
		return fail(&err);
	}
	if (!pending) {
		free(info);
		fprintf(stderr, "%s: nothing to reconcile\n", account ? account : "no entry has a pending password");
		return 0;
	}
	if (!(L = runtime_new())) {
		free(info);
		return EXIT_SOFTWARE;
	}
	plugins_load_path(pecctl_opts.plugin_path);
	signals_install();
	for (size_t i = 0; i < count && !signals_interrupted(); i++) {
		int one;

		if (!info[i].has_pending || (account && strcmp(account, info[i].key) != 0))
			continue;
		one = reconcile_one(L, info[i].key, force);
		if (one && !code)
			code = one;
	}
	runtime_close(L);
	free(info);
	if (signals_interrupted())
		code = EXIT_INTERRUPTED;
	return cli_finish_stdout(code);
}

static const struct vault_sub subs[] = {
	{ "init",
	  "usage: pecctl vault init [--kdf interactive|moderate|sensitive]\n"
	  "\n"
	  "Create an empty vault. The passphrase is typed twice on the terminal, or read from\n"
	  "--passphrase-file FILE, $PECCTL_VAULT_PASSPHRASE_FILE or $PECCTL_VAULT_PASSPHRASE\n"
	  "(at least 8 characters). --kdf sets the Argon2id cost (default moderate, about half a\n"
	  "second and 256 MiB once per process; interactive is the floor; also $PECCTL_VAULT_KDF).\n",
	  run_init },
	{ "set",
	  "usage: pecctl vault set KEY [--secret REF]\n"
	  "\n"
	  "Store the current password of KEY (an account, as in mario.rossi@pec.it). The password\n"
	  "is typed twice on the terminal, or read as one line from stdin, or taken from a\n"
	  "reference (--secret env:VAR, file:PATH, cmd:COMMAND); never from the command line.\n"
	  "The password it replaces is kept as the previous one.\n",
	  run_set },
	{ "get",
	  "usage: pecctl vault get KEY [--previous | --pending] [--reveal]\n"
	  "\n"
	  "Print the current (or previous, or pending) password of KEY on stdout, for a pipe or a\n"
	  "file. On a terminal it prints only with --reveal, so that a password does not land\n"
	  "in the scrollback by accident.\n",
	  run_get },
	{ "list",
	  "usage: pecctl vault list [--json]\n"
	  "\n"
	  "The keys in the vault, each with its state: ok, or PENDING when a password change\n"
	  "has not been confirmed (see 'pecctl vault reconcile'). Never a password.\n",
	  run_list },
	{ "rm",
	  "usage: pecctl vault rm KEY [--force]\n"
	  "\n"
	  "Remove KEY. An entry with a pending password is kept unless --force: the portal may\n"
	  "hold that password and no other file does.\n",
	  run_rm },
	{ "import",
	  "usage: pecctl vault import FILE.csv [--skip-bad]\n"
	  "\n"
	  "Store the passwords of a CSV file of account,password rows (a header row is optional;\n"
	  "quote fields with \"...\" when they hold commas or quotes; - reads stdin). Every bad\n"
	  "row is reported with its line number and then nothing is imported, unless --skip-bad\n"
	  "imports the good rows. All rows go in in one write.\n",
	  run_import },
	{ "export",
	  "usage: pecctl vault export [--force] > FILE.csv\n"
	  "\n"
	  "Write every current password as CSV (account,password) on stdout, in the format import\n"
	  "reads. Refuses a terminal unless --force. The file is as secret as the passwords.\n",
	  run_export },
	{ "passwd",
	  "usage: pecctl vault passwd [--kdf LEVEL] [--new-passphrase-file FILE]\n"
	  "\n"
	  "Re-encrypt the vault under a new passphrase (and a new salt; --kdf changes the cost).\n"
	  "The current passphrase comes from the usual sources; the new one is typed twice, or\n"
	  "read from --new-passphrase-file or $PECCTL_VAULT_NEW_PASSPHRASE.\n",
	  run_passwd },
	{ "reconcile",
	  "usage: pecctl vault reconcile [--force] [ACCOUNT]\n"
	  "\n"
	  "For each entry (or ACCOUNT) whose password change was staged but never confirmed,\n"
	  "log in with the pending password, then with the current one, and keep the one that\n"
	  "works. Failed logins are counted in the vault; once 2 have failed for a pending\n"
	  "password, reconcile stops (exit 20) rather than risk the portal's lockout, until\n"
	  "--force after a person has checked. Global options such as --sandbox and --provider\n"
	  "apply. Exits 0 when every entry is settled; otherwise the exit code of the first\n"
	  "that is not (77: neither password logs in; 75: try later; 20: a person must look).\n",
	  run_reconcile },
};

#define VAULT_USAGE \
	"usage: pecctl vault [--vault FILE] [--passphrase-file FILE] COMMAND [ARGS]\n" \
	"\n" \
	"The encrypted file of account passwords ($XDG_DATA_HOME/pecctl/vault, or\n" \
	"$PECCTL_VAULT, or --vault FILE): XChaCha20-Poly1305 with an Argon2id key, mode 0600,\n" \
	"replaced atomically, locked while it changes. Secret references vault:ACCOUNT read it.\n" \
	"\n" \
	"  init                   create an empty vault\n" \
	"  set KEY                store a password (from the terminal or stdin)\n" \
	"  get KEY                print a password (to a pipe; --reveal on a terminal)\n" \
	"  list                   the keys and their state, never a password\n" \
	"  rm KEY                 remove a key\n" \
	"  import FILE.csv        store account,password rows\n" \
	"  export                 every password as CSV on stdout\n" \
	"  passwd                 change the passphrase\n" \
	"  reconcile [ACCOUNT]    the password changes left unconfirmed\n" \
	"\n" \
	"The passphrase comes from --passphrase-file FILE, $PECCTL_VAULT_PASSPHRASE_FILE,\n" \
	"$PECCTL_VAULT_PASSPHRASE or the terminal, never from the command line. A change\n" \
	"waits up to $PECCTL_VAULT_LOCK_TIMEOUT seconds (10) for another pecctl to finish.\n" \
	"'pecctl vault COMMAND -h' tells more.\n"

static int run_vault(int argc, char **argv)
{
	const struct vault_sub *sub = NULL;
	int out = 0, passthrough = 0;

	/* --vault and --passphrase-file may stand anywhere before "--". */
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char **target = NULL;
		const char *name = NULL;

		if (!passthrough && strcmp(arg, "--") == 0) {
			passthrough = 1;
			continue;
		}
		if (!passthrough && (strcmp(arg, "--vault") == 0 || strncmp(arg, "--vault=", 8) == 0))
			name = "--vault";
		else if (!passthrough && (strcmp(arg, "--passphrase-file") == 0 ||
					  strncmp(arg, "--passphrase-file=", 18) == 0))
			name = "--passphrase-file";
		if (!name) {
			argv[++out] = argv[i];
			continue;
		}
		{
			static const char *vault_file;
			size_t len = strlen(name);
			target = strcmp(name, "--vault") == 0 ? &vault_file : &passphrase_file;
			if (arg[len] == '=') {
				*target = arg + len + 1;
			} else if (i + 1 < argc) {
				*target = argv[++i];
			} else {
				fprintf(stderr, "pecctl vault: %s needs a file\nsee 'pecctl vault -h'\n", name);
				return EXIT_USAGE;
			}
			if (target == &vault_file)
				vault_set_path(vault_file);
			else
				vault_set_passphrase_file(passphrase_file);
		}
	}
	argc = out + 1;
	argv[argc] = NULL;
	if (argc < 2) {
		fputs(VAULT_USAGE, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(VAULT_USAGE, stdout);
		return cli_finish_stdout(0);
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(subs[i].name, argv[1]) == 0)
			sub = &subs[i];
	if (!sub) {
		fprintf(stderr, "pecctl vault: '%s' is not a vault command\nsee 'pecctl vault -h'\n", argv[1]);
		return EXIT_USAGE;
	}
	sub_name = sub->name;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(sub->usage, stdout);
			return cli_finish_stdout(0);
		}
	}
	{
		int code = sub->run(argc - 1, argv + 1);
		vault_forget();
		return code;
	}
}

const struct command command_vault = {
	"vault",
	"the encrypted password vault: init, set, get, list, rm, import, export, passwd, reconcile",
	VAULT_USAGE,
	run_vault,
};
