/*
 * The batch inventory: a CSV file of mailboxes (see inventory.h). The
 * reader is RFC 4180 with two kindnesses for files that come out of
 * spreadsheets: a byte-order mark is ignored, and spaces around an
 * unquoted value are trimmed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "inventory.h"
#include "redact.h"

/* A file larger than this is not a list of mailboxes we can hold. */
#define INVENTORY_MAX_FILE ((size_t)64 << 20)

struct csv_reader {
	const char *p, *end;
	long line;          /* line of p */
	int in_quotes;      /* a malformed record stopped inside quotes */
};

struct csv_record {
	char *fields[INVENTORY_MAX_COLUMNS + 1];
	size_t n;
	long line;          /* where the record started */
	char problem[200];  /* set when the record is malformed */
};

static void record_clear(struct csv_record *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->fields[i]);
	r->n = 0;
	r->problem[0] = '\0';
}

static void set_problem(struct csv_record *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_problem(struct csv_record *r, const char *fmt, ...)
{
	va_list ap;

	if (r->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->problem, sizeof(r->problem), fmt, ap);
	va_end(ap);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Skip what is left of a malformed record: up to the next newline that
 * is not inside quotes. */
static void skip_record(struct csv_reader *rd)
{
	int quoted = rd->in_quotes;

	while (rd->p < rd->end) {
		char c = *rd->p++;

		if (c == '"')
			quoted = !quoted;
		else if (c == '\n') {
			rd->line++;
			if (!quoted)
				return;
		}
	}
}

/* One field into a malloc'd string; the reader stops on the separator
 * (',', '\n' or the end). -1 when the record is malformed. */
static int read_field(struct csv_reader *rd, struct csv_record *r, size_t *record_bytes)
{
	const char *start;
	char *out;
	size_t n = 0, cap;

	while (rd->p < rd->end && is_blank(*rd->p))
		rd->p++;
	if (rd->p < rd->end && *rd->p == '"') {
		long open_line = rd->line;

		rd->p++;
		cap = 16;
		out = malloc(cap);
		if (!out)
			return set_problem(r, "out of memory"), -1;
		for (;;) {
			char c;

			if (rd->p >= rd->end) {
				free(out);
				set_problem(r, "the quoted field opened on line %ld is never closed", open_line);
				return -1;
			}
			c = *rd->p++;
			if (c == '"') {
				if (rd->p < rd->end && *rd->p == '"') {
					rd->p++;
				} else {
					break;
				}
			} else if (c == '\n') {
				rd->line++;
			}
			if (++*record_bytes > INVENTORY_MAX_RECORD) {
				free(out);
				rd->in_quotes = 1;
				set_problem(r, "the record is longer than %d bytes", INVENTORY_MAX_RECORD);
				return -1;
			}
			if (n + 2 > cap) {
				char *bigger = realloc(out, cap * 2);
				if (!bigger) {
					free(out);
					return set_problem(r, "out of memory"), -1;
				}
				out = bigger;
				cap *= 2;
			}
			out[n++] = c;
		}
		out[n] = '\0';
		while (rd->p < rd->end && is_blank(*rd->p))
			rd->p++;
		if (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n' && *rd->p != '\r') {
			free(out);
			set_problem(r, "text after the closing quote of field %zu", r->n + 1);
			return -1;
		}
	} else {
		const char *stop;

		start = rd->p;
		while (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n') {
			if (*rd->p == '"') {
				rd->p++;  /* past it: the rest of the line is skipped as it is */
				set_problem(r, "a double quote inside the unquoted field %zu; quote the whole "
					       "field and double the quote (\"\")", r->n + 1);
				return -1;
			}
			rd->p++;
		}
		stop = rd->p;
		if (stop > start && stop[-1] == '\r')
			stop--;
		while (stop > start && is_blank(stop[-1]))
			stop--;
		n = (size_t)(stop - start);
		*record_bytes += n;
		if (*record_bytes > INVENTORY_MAX_RECORD) {
			set_problem(r, "the record is longer than %d bytes", INVENTORY_MAX_RECORD);
			return -1;
		}
		out = malloc(n + 1);
		if (!out)
			return set_problem(r, "out of memory"), -1;
		memcpy(out, start, n);
		out[n] = '\0';
	}
	if (r->n == INVENTORY_MAX_COLUMNS + 1) {
		free(out);
		set_problem(r, "more than %d fields", INVENTORY_MAX_COLUMNS);
		return -1;
	}
	r->fields[r->n++] = out;
	return 0;
}

/* The next record: 1, 0 at the end of the text. A malformed record is
 * returned (1) with r->problem set and the reader past it. Blank lines
 * and '#' comments are skipped. */
static int read_record(struct csv_reader *rd, struct csv_record *r)
{
	size_t bytes = 0;

	record_clear(r);
	rd->in_quotes = 0;
	for (;;) {
		const char *q = rd->p;

		if (rd->p >= rd->end)
			return 0;
		while (q < rd->end && (is_blank(*q) || *q == '\r'))
			q++;
		if (q < rd->end && *q == '\n') {
			rd->p = q + 1;
			rd->line++;
			continue;
		}
		if (q >= rd->end) {
			rd->p = q;
			return 0;
		}
		if (*q == '#') {
			while (q < rd->end && *q != '\n')
				q++;
			rd->p = q < rd->end ? q + 1 : q;
			rd->line++;
			continue;
		}
		break;
	}
	r->line = rd->line;
	for (;;) {
		if (read_field(rd, r, &bytes) < 0) {
			skip_record(rd);
			return 1;
		}
		if (rd->p >= rd->end)
			return 1;
		if (*rd->p == '\r')
			rd->p++;
		if (rd->p < rd->end && *rd->p == '\n') {
			rd->p++;
			rd->line++;
			return 1;
		}
		rd->p++;  /* the comma */
	}
}

static void add_problem(struct inventory *inv, long line, const char *account, const char *fmt,
			va_list ap)
{
	struct inventory_problem *grown, *pb;
	char text[sizeof(pb->message) - 24];

	grown = realloc(inv->problems, (inv->n_problems + 1) * sizeof(*grown));
	if (!grown)
		abort();
	inv->problems = grown;
	pb = &inv->problems[inv->n_problems++];
	pb->line = line;
	pb->account = account ? strdup(account) : NULL;
	vsnprintf(text, sizeof(text), fmt, ap);
	snprintf(pb->message, sizeof(pb->message), "line %ld: %s", line, text);
}

static void problem(struct inventory *inv, long line, const char *account, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(struct inventory *inv, long line, const char *account, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_problem(inv, line, account, fmt, ap);
	va_end(ap);
}

int inventory_is_secret_ref(const char *ref)
{
	static const char *const schemes[] = { "env:", "file:", "cmd:", "vault:", "prompt:" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(ref, schemes[i], strlen(schemes[i])) == 0)
			return ref[strlen(schemes[i])] != '\0' || strcmp(schemes[i], "prompt:") == 0;
	return 0;
}

/* What each field of a record means. */
enum column_kind { COL_ACCOUNT, COL_PROVIDER, COL_SECRET, COL_PARAM };

struct columns {
	enum column_kind kind[INVENTORY_MAX_COLUMNS + 1];
	size_t param[INVENTORY_MAX_COLUMNS + 1];
	size_t n;
};

static int fail(struct pecctl_error *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct pecctl_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	snprintf(err->code, sizeof(err->code), "%s", code);
	return -1;
}

static int read_header(const char *name, struct csv_record *r, struct inventory *inv,
		       struct columns *cols, struct pecctl_error *err)
{
	int seen_account = 0, seen_provider = 0, seen_secret = 0;

	if (r->problem[0])
		return fail(err, PECCTL_E_INVALID, "%s: line %ld (the header): %s", name, r->line,
			    r->problem);
	cols->n = r->n;
	for (size_t i = 0; i < r->n; i++) {
		const char *h = r->fields[i];

		if (strcasecmp(h, "password") == 0 || strcasecmp(h, "pass") == 0 ||
		    strcasecmp(h, "pwd") == 0)
			return fail(err, PECCTL_E_INVALID,
				    "%s: line %ld: a '%s' column: pecctl never reads passwords from an "
				    "inventory; name where each comes from in a 'secret' column "
				    "(env:VAR, file:PATH, cmd:COMMAND, vault:KEY)", name, r->line, h);
	}
	inv->param_names = calloc(r->n, sizeof(*inv->param_names));
	if (!inv->param_names)
		return fail(err, PECCTL_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		const char *h = r->fields[i];
		int *seen = NULL;

		if (strcasecmp(h, "account") == 0) {
			cols->kind[i] = COL_ACCOUNT;
			seen = &seen_account;
		} else if (strcasecmp(h, "provider") == 0) {
			cols->kind[i] = COL_PROVIDER;
			seen = &seen_provider;
		} else if (strcasecmp(h, "secret") == 0) {
			cols->kind[i] = COL_SECRET;
			seen = &seen_secret;
		} else if (strncasecmp(h, "param.", 6) == 0 && h[6]) {
			for (size_t j = 0; j < inv->n_params; j++)
				if (strcmp(inv->param_names[j], h + 6) == 0)
					return fail(err, PECCTL_E_INVALID,
						    "%s: line %ld: the column '%s' appears twice", name,
						    r->line, h);
			cols->kind[i] = COL_PARAM;
			cols->param[i] = inv->n_params;
			inv->param_names[inv->n_params] = strdup(h + 6);
			if (!inv->param_names[inv->n_params++])
				return fail(err, PECCTL_E_INTERNAL, "out of memory");
		} else {
			return fail(err, PECCTL_E_INVALID,
				    "%s: line %ld: unknown column '%s'; the columns are account, provider, "
				    "secret and param.NAME", name, r->line, h[0] ? h : "(empty)");
		}
		if (seen && (*seen)++)
			return fail(err, PECCTL_E_INVALID, "%s: line %ld: the column '%s' appears twice",
				    name, r->line, h);
	}
	if (!seen_account)
		return fail(err, PECCTL_E_INVALID,
			    "%s: line %ld: the header has no 'account' column; the first line must "
			    "name the columns, as in: account,provider,secret", name, r->line);
	return 0;
}

/* The addresses seen so far, to find repeats without a quadratic scan:
 * open addressing over row indexes (+1, 0 is empty), case-insensitive. */
struct seen_set {
	size_t *slots;
	size_t cap;
};

static size_t address_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 1099511628211ULL;
	}
	return h;
}

/* The row index (below n) holding account, or -1; grows the table so
 * that one more can be added. */
static long seen_lookup(struct seen_set *set, const struct inventory *inv, const char *account,
			size_t n)
{
	size_t i;

	if (set->cap < 2 * (n + 1)) {
		size_t cap = set->cap ? set->cap * 2 : 256;
		size_t *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			abort();
		for (size_t k = 0; k < n; k++) {
			for (i = address_hash(inv->rows[k].account) & (cap - 1); slots[i]; i = (i + 1) & (cap - 1))
				;
			slots[i] = k + 1;
		}
		free(set->slots);
		set->slots = slots;
		set->cap = cap;
	}
	for (i = address_hash(account) & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
		if (strcasecmp(inv->rows[set->slots[i] - 1].account, account) == 0)
			return (long)(set->slots[i] - 1);
	return -1;
}

static void seen_add(struct seen_set *set, const struct inventory *inv, size_t n)
{
	size_t i;

	for (i = address_hash(inv->rows[n].account) & (set->cap - 1); set->slots[i];
	     i = (i + 1) & (set->cap - 1))
		;
	set->slots[i] = n + 1;
}

static int valid_address(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == ',' || *s == '"')
			return 0;
	return 1;
}

/* A record that looks right becomes a row; otherwise a problem. */
static void take_record(struct inventory *inv, const struct columns *cols, struct csv_record *r,
			struct seen_set *seen)
{
	struct inventory_row row;
	const char *account = NULL;
	long first;

	memset(&row, 0, sizeof(row));
	for (size_t i = 0; i < r->n && i < cols->n; i++)
		if (cols->kind[i] == COL_ACCOUNT)
			account = r->fields[i];
	if (r->problem[0]) {
		problem(inv, r->line, NULL, "%s", r->problem);
		return;
	}
	if (r->n != cols->n) {
		problem(inv, r->line, account, "%zu fields where the header has %zu", r->n, cols->n);
		return;
	}
	if (!account || !account[0]) {
		problem(inv, r->line, NULL, "no mailbox address in the account column");
		return;
	}
	if (!valid_address(account)) {
		problem(inv, r->line, account, "'%s' is not a mailbox address", account);
		return;
	}
	first = seen_lookup(seen, inv, account, inv->n_rows);
	if (first >= 0) {
		problem(inv, r->line, account, "%s appears again (first on line %ld); "
			"each mailbox must appear once", account, inv->rows[first].line);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const char *v = r->fields[i];

		if (cols->kind[i] == COL_SECRET && v[0] && !inventory_is_secret_ref(v)) {
			/* It may be a password typed into the wrong place: never show it,
			 * and keep it out of everything printed from now on. */
			redact_add(v, strlen(v));
			problem(inv, r->line, account,
				"the secret column must name where the password comes from (env:VAR, "
				"file:PATH, cmd:COMMAND, vault:KEY or prompt:), not hold it; the value is "
				"not shown");
			return;
		}
	}
	if (inv->n_rows == INVENTORY_MAX_ROWS) {
		problem(inv, r->line, account, "more than %d mailboxes in one inventory; split it",
			INVENTORY_MAX_ROWS);
		return;
	}
	row.line = r->line;
	row.params = calloc(inv->n_params ? inv->n_params : 1, sizeof(*row.params));
	if (!row.params)
		abort();
	for (size_t i = 0; i < r->n; i++) {
		char *v = r->fields[i];

		if (!v[0])
			continue;
		switch (cols->kind[i]) {
		case COL_ACCOUNT: row.account = v; break;
		case COL_PROVIDER: row.provider = v; break;
		case COL_SECRET: row.secret = v; break;
		case COL_PARAM: row.params[cols->param[i]] = v; break;
		}
		r->fields[i] = NULL;  /* the row owns it now */
	}
	if (inv->n_rows % 64 == 0) {
		struct inventory_row *grown = realloc(inv->rows, (inv->n_rows + 64) * sizeof(*grown));
		if (!grown)
			abort();
		inv->rows = grown;
	}
	inv->rows[inv->n_rows] = row;
	seen_add(seen, inv, inv->n_rows);
	inv->n_rows++;
}

int inventory_parse(const char *text, size_t len, const char *name, struct inventory *inv,
		    struct pecctl_error *err)
{
	struct csv_reader rd = { text, text + len, 1, 0 };
	struct csv_record *r;
	struct columns cols;
	struct seen_set seen = { NULL, 0 };
	int rc = 0;

	memset(inv, 0, sizeof(*inv));
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		rd.p += 3;
	r = calloc(1, sizeof(*r));
	if (!r)
		return fail(err, PECCTL_E_INTERNAL, "out of memory");
	memset(&cols, 0, sizeof(cols));
	if (read_record(&rd, r) == 0) {
		rc = fail(err, PECCTL_E_INVALID, "%s is empty: the first line must name the columns, "
			  "as in: account,provider,secret", name);
	} else if (read_header(name, r, inv, &cols, err) != 0) {
		rc = -1;
	} else {
		while (read_record(&rd, r) == 1)
			take_record(inv, &cols, r, &seen);
	}
	free(seen.slots);
	record_clear(r);
	free(r);
	return rc;
}

int inventory_load(const char *path, struct inventory *inv, struct pecctl_error *err)
{
	FILE *f;
	struct stat st;
	char *text;
	size_t got;
	int rc;

	memset(inv, 0, sizeof(*inv));
	f = fopen(path, "rb");
	if (!f)
		return fail(err, errno == ENOENT ? "noinput" : "io", "cannot open the inventory %s: %s",
			    path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return fail(err, PECCTL_E_INVALID, "the inventory %s is not a regular file", path);
	}
	if ((size_t)st.st_size > INVENTORY_MAX_FILE) {
		fclose(f);
		return fail(err, PECCTL_E_INVALID, "the inventory %s is larger than %zu MiB; split it",
			    path, INVENTORY_MAX_FILE >> 20);
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		fclose(f);
		return fail(err, PECCTL_E_INTERNAL, "out of memory reading %s", path);
	}
	got = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		fclose(f);
		free(text);
		return fail(err, "io", "cannot read the inventory %s", path);
	}
	fclose(f);
	text[got] = '\0';
	rc = inventory_parse(text, got, path, inv, err);
	free(text);
	return rc;
}

void inventory_reject_row(struct inventory *inv, size_t index, const char *fmt, ...)
{
	struct inventory_row *row = &inv->rows[index];
	va_list ap;

	va_start(ap, fmt);
	add_problem(inv, row->line, row->account, fmt, ap);
	va_end(ap);
	free(row->account);
	free(row->provider);
	free(row->secret);
	for (size_t i = 0; i < inv->n_params; i++)
		free(row->params[i]);
	free(row->params);
	memmove(row, row + 1, (inv->n_rows - index - 1) * sizeof(*row));
	inv->n_rows--;
}

void inventory_release(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n_rows; i++) {
		free(inv->rows[i].account);
		free(inv->rows[i].provider);
		free(inv->rows[i].secret);
		for (size_t j = 0; j < inv->n_params; j++)
			free(inv->rows[i].params[j]);
		free(inv->rows[i].params);
	}
	free(inv->rows);
	for (size_t i = 0; i < inv->n_params; i++)
		free(inv->param_names[i]);
	free(inv->param_names);
	for (size_t i = 0; i < inv->n_problems; i++)
		free(inv->problems[i].account);
	free(inv->problems);
	memset(inv, 0, sizeof(*inv));
}
