#ifndef PECCTL_INVENTORY_H
#define PECCTL_INVENTORY_H
#include <stddef.h>
#include "pecctl/plugin.h"

/* The mailbox inventory of a batch: a CSV file (RFC 4180: commas, double
 * quotes doubled inside quoted fields, CRLF or LF) whose header row names
 * the columns:
 *
 *   account      the mailbox address (required)
 *   provider     the provider's name, when the domain does not say it
 *   secret       where the password comes from: env:VAR, file:PATH,
 *                cmd:COMMAND, vault:KEY or prompt: (never the password)
 *   param.NAME   a procedure parameter
 *
 * Blank lines and lines starting with '#' are skipped; a UTF-8 byte-order
 * mark is ignored. A row that cannot run (wrong number of fields, no
 * address, a secret that is not a reference, an address seen before) is a
 * problem with its line number; the other rows still load. */

#define INVENTORY_MAX_RECORD 16384   /* bytes in one record, quoted newlines included */
#define INVENTORY_MAX_ROWS 100000
#define INVENTORY_MAX_COLUMNS 128

struct inventory_row {
	long line;              /* where the record starts, 1-based */
	char *account;
	char *provider;         /* NULL when the column is absent or empty */
	char *secret;           /* a reference; NULL when absent or empty */
	char **params;          /* one per inventory.param_names; NULL when empty */
};

struct inventory_problem {
	long line;
	char *account;          /* as written, NULL when there was none */
	char message[300];      /* "line N: ..." */
};

struct inventory {
	char **param_names;     /* the NAME of each param.NAME column */
	size_t n_params;
	struct inventory_row *rows;
	size_t n_rows;
	struct inventory_problem *problems;
	size_t n_problems;
};

/* Load path into inv. Problems with single rows land in inv->problems;
 * -1 and err only when the file as a whole cannot be used (missing:
 * noinput; no header, an unknown or repeated column, a cap exceeded:
 * invalid). inv is zeroed first and must be released either way. */
int inventory_load(const char *path, struct inventory *inv, struct pecctl_error *err);
/* The same from text in memory (name is used in messages). */
int inventory_parse(const char *text, size_t len, const char *name, struct inventory *inv,
		    struct pecctl_error *err);
void inventory_release(struct inventory *inv);

/* Add a problem for a row found unusable later (unknown provider); the
 * row is removed from inv->rows. */
void inventory_reject_row(struct inventory *inv, size_t index, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* 1 when ref starts with a secret-reference scheme pecctl knows. */
int inventory_is_secret_ref(const char *ref);

#endif
