/*
 * The vault's plaintext: a small JSON reader and writer for its one schema,
 * working in sodium_malloc'd memory. cJSON is not used because its nodes
 * live on the ordinary heap, where passwords would outlive the vault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "utf8.h"
#include "vault_internal.h"

/* ---- the entry table ---- */

void vault_doc_init(struct vault_doc *doc)
{
	doc->entries = NULL;
	doc->count = doc->cap = 0;
	doc->slots = NULL;
	doc->nslots = 0;
}

void vault_doc_release(struct vault_doc *doc)
{
	if (doc->entries)
		sodium_free(doc->entries);  /* zeroes first */
	free(doc->slots);
	vault_doc_init(doc);
}

static size_t key_hash(const char *key)
{
	size_t h = 1469598103934665603u;  /* FNV-1a */

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211u;
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t *slot_for(const struct vault_doc *doc, const char *key)
{
	size_t mask = doc->nslots - 1;

	for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask) {
		uint32_t *slot = &doc->slots[i];
		if (!*slot || strcmp(doc->entries[*slot - 1].key, key) == 0)
			return slot;
	}
}

static void reindex(struct vault_doc *doc, size_t nslots)
{
	free(doc->slots);
	doc->slots = calloc(nslots, sizeof(*doc->slots));
	if (!doc->slots)
		abort();
	doc->nslots = nslots;
	for (size_t i = 0; i < doc->count; i++)
		*slot_for(doc, doc->entries[i].key) = (uint32_t)(i + 1);
}

struct vault_entry *vault_doc_find(struct vault_doc *doc, const char *key)
{
	uint32_t *slot;

	if (!doc->count)
		return NULL;
	slot = slot_for(doc, key);
	return *slot ? &doc->entries[*slot - 1] : NULL;
}

struct vault_entry *vault_doc_add(struct vault_doc *doc, const char *key)
{
	struct vault_entry *e;

	if (doc->count == doc->cap) {
		size_t cap = doc->cap ? doc->cap * 2 : 16;
		struct vault_entry *grown = sodium_malloc(cap * sizeof(*grown));

		if (!grown)
			abort();
		if (doc->count)
			memcpy(grown, doc->entries, doc->count * sizeof(*grown));
		if (doc->entries)
			sodium_free(doc->entries);
		doc->entries = grown;
		doc->cap = cap;
	}
	e = &doc->entries[doc->count++];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	if (doc->nslots < 2 * doc->count + 2)
		reindex(doc, doc->nslots ? doc->nslots * 4 : 64);
	else
		*slot_for(doc, e->key) = (uint32_t)doc->count;
	return e;
}

void vault_doc_delete(struct vault_doc *doc, struct vault_entry *entry)
{
	size_t i = (size_t)(entry - doc->entries);

	memmove(entry, entry + 1, (doc->count - i - 1) * sizeof(*entry));
	doc->count--;
	sodium_memzero(&doc->entries[doc->count], sizeof(*entry));
	reindex(doc, doc->nslots);  /* indices after i moved down */
}

/* ---- reading ---- */

struct reader {
	const char *p, *end;
	const char *why;
};

static int fail(struct reader *r, const char *why)
{
	if (!r->why)
		r->why = why;
	return -1;
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int expect(struct reader *r, char c)
{
	skip_space(r);
	if (r->p >= r->end || *r->p != c)
		return fail(r, "unexpected character");
	r->p++;
	return 0;
}

/* 1 and consumes c when it is next, else 0. */
static int accept(struct reader *r, char c)
{
	skip_space(r);
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return 1;
	}
	return 0;
}

static int accept_word(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	skip_space(r);
	if ((size_t)(r->end - r->p) >= n && memcmp(r->p, word, n) == 0) {
		r->p += n;
		return 1;
	}
	return 0;
}

static int hex4(struct reader *r, unsigned *out)
{
	unsigned v = 0;

	if (r->end - r->p < 4)
		return fail(r, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(r, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static int put(struct reader *r, char *out, size_t cap, size_t *n, char c)
{
	if (!out)
		return 0;
	if (*n + 1 >= cap)
		return fail(r, "value too long");
	out[(*n)++] = c;
	return 0;
}

/* A JSON string into out (cap bytes, NUL-terminated), or skipped when out
 * is NULL. \u0000 is refused: values here are C strings. */
static int read_string(struct reader *r, char *out, size_t cap)
{
	size_t n = 0;

	if (expect(r, '"') != 0)
		return -1;
	for (;;) {
		unsigned char c;

		if (r->p >= r->end)
			return fail(r, "unterminated string");
		c = (unsigned char)*r->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(r, "control character in a string");
		if (c != '\\') {
			if (put(r, out, cap, &n, (char)c) != 0)
				return -1;
			continue;
		}
		if (r->p >= r->end)
			return fail(r, "unterminated string");
		c = (unsigned char)*r->p++;
		switch (c) {
		case '"': case '\\': case '/':
			break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			char utf8[4];
			size_t len;

			if (hex4(r, &cp) != 0)
				return -1;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
					return fail(r, "lone surrogate");
				r->p += 2;
				if (hex4(r, &lo) != 0)
					return -1;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(r, "lone surrogate");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return fail(r, "lone surrogate");
			}
			if (cp == 0)
				return fail(r, "NUL in a string");
			len = utf8_encode(cp, utf8);
			for (size_t i = 0; i < len; i++)
				if (put(r, out, cap, &n, utf8[i]) != 0)
					return -1;
			sodium_memzero(utf8, sizeof(utf8));
			continue;
		}
		default:
			return fail(r, "bad escape");
		}
		if (put(r, out, cap, &n, (char)c) != 0)
			return -1;
	}
	if (out)
		out[n] = '\0';
	return 0;
}

/* Values of fields this version does not know, so a newer pecctl's
 * additions survive being read (they are not written back). */
static int skip_value(struct reader *r, int depth)
{
	skip_space(r);
	if (depth > 32)
		return fail(r, "nested too deeply");
	if (r->p >= r->end)
		return fail(r, "unexpected end");
	if (*r->p == '"')
		return read_string(r, NULL, 0);
	if (accept(r, '{')) {
		if (accept(r, '}'))
			return 0;
		do {
			if (read_string(r, NULL, 0) != 0 || expect(r, ':') != 0 || skip_value(r, depth + 1) != 0)
				return -1;
		} while (accept(r, ','));
		return expect(r, '}');
	}
	if (accept(r, '[')) {
		if (accept(r, ']'))
			return 0;
		do {
			if (skip_value(r, depth + 1) != 0)
				return -1;
		} while (accept(r, ','));
		return expect(r, ']');
	}
	if (accept_word(r, "null") || accept_word(r, "true") || accept_word(r, "false"))
		return 0;
	if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
		while (r->p < r->end && strchr("+-.eE0123456789", *r->p))
			r->p++;
		return 0;
	}
	return fail(r, "unexpected character");
}

/* A field name; one too long for name is read as "" (an unknown field). */
static int read_name(struct reader *r, char *name, size_t cap)
{
	const char *start = r->p;

	if (read_string(r, name, cap) == 0)
		return expect(r, ':');
	r->why = NULL;
	r->p = start;
	name[0] = '\0';
	if (read_string(r, NULL, 0) != 0)
		return -1;
	return expect(r, ':');
}

/* A small non-negative integer. */
static int read_count(struct reader *r, unsigned *out)
{
	unsigned v = 0;
	int digits = 0;

	skip_space(r);
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9' && digits < 6) {
		v = v * 10 + (unsigned)(*r->p++ - '0');
		digits++;
	}
	if (!digits)
		return fail(r, "expected a count");
	*out = v;
	return 0;
}

/* A string or null: *has says which. */
static int read_optional(struct reader *r, char *out, size_t cap, unsigned char *has)
{
	if (accept_word(r, "null")) {
		*has = 0;
		out[0] = '\0';
		return 0;
	}
	*has = 1;
	return read_string(r, out, cap);
}

static int read_pending(struct reader *r, struct vault_entry *e)
{
	char name[32];
	unsigned char has;

	if (accept_word(r, "null")) {
		e->has_pending = 0;
		return 0;
	}
	if (expect(r, '{') != 0)
		return -1;
	e->has_pending = 1;
	if (accept(r, '}'))
		return fail(r, "pending without a password");
	do {
		if (read_name(r, name, sizeof(name)) != 0)
			return -1;
		if (strcmp(name, "password") == 0) {
			if (read_string(r, e->pending, sizeof(e->pending)) != 0)
				return -1;
		} else if (strcmp(name, "op") == 0) {
			if (read_optional(r, e->op, sizeof(e->op), &has) != 0)
				return -1;
		} else if (strcmp(name, "time") == 0) {
			if (read_optional(r, e->pending_time, sizeof(e->pending_time), &has) != 0)
				return -1;
		} else if (strcmp(name, "failed_logins") == 0) {
			if (read_count(r, &e->failed_logins) != 0)
				return -1;
		} else if (skip_value(r, 2) != 0) {
			return -1;
		}
	} while (accept(r, ','));
	if (!e->pending[0])
		return fail(r, "pending without a password");
	return expect(r, '}');
}

static int read_entry(struct reader *r, struct vault_entry *e)
{
	char name[32];
	unsigned char has;

	if (expect(r, '{') != 0)
		return -1;
	if (accept(r, '}'))
		return 0;
	do {
		if (read_name(r, name, sizeof(name)) != 0)
			return -1;
		if (strcmp(name, "current") == 0) {
			if (read_optional(r, e->current, sizeof(e->current), &e->has_current) != 0)
				return -1;
		} else if (strcmp(name, "previous") == 0) {
			if (read_optional(r, e->previous, sizeof(e->previous), &e->has_previous) != 0)
				return -1;
		} else if (strcmp(name, "pending") == 0) {
			if (read_pending(r, e) != 0)
				return -1;
		} else if (strcmp(name, "updated") == 0) {
			if (read_optional(r, e->updated, sizeof(e->updated), &has) != 0)
				return -1;
		} else if (skip_value(r, 2) != 0) {
			return -1;
		}
	} while (accept(r, ','));
	return expect(r, '}');
}

static int read_entries(struct reader *r, struct vault_doc *doc)
{
	char key[VAULT_KEY_MAX + 1];

	if (expect(r, '{') != 0)
		return -1;
	if (accept(r, '}'))
		return 0;
	do {
		struct vault_entry *e;

		if (read_string(r, key, sizeof(key)) != 0 || expect(r, ':') != 0)
			return -1;
		if (!key[0])
			return fail(r, "empty key");
		if (vault_doc_find(doc, key))
			return fail(r, "duplicate key");
		e = vault_doc_add(doc, key);
		if (read_entry(r, e) != 0)
			return -1;
	} while (accept(r, ','));
	return expect(r, '}');
}

/* Room for every entry at once: growing by doubling would copy, clear and
 * lock megabytes of secure memory for a large vault. Each entry written
 * has one "current" field. */
static void reserve(struct vault_doc *doc, const char *text, size_t len)
{
	static const char field[] = "\"current\":";
	size_t n = 0;

	for (const char *p = text, *end = text + len;
	     (p = memmem(p, (size_t)(end - p), field, sizeof(field) - 1)); p += sizeof(field) - 1)
		n++;
	if (n > 16) {
		doc->entries = sodium_malloc(n * sizeof(*doc->entries));
		if (!doc->entries)
			abort();
		doc->cap = n;
	}
}

int vault_doc_decode(struct vault_doc *doc, const char *text, size_t len, const char **why)
{
	struct reader r = { text, text + len, NULL };
	char name[32];
	int seen = 0;

	reserve(doc, text, len);

	if (expect(&r, '{') != 0)
		goto bad;
	if (!accept(&r, '}')) {
		do {
			if (read_name(&r, name, sizeof(name)) != 0)
				goto bad;
			if (strcmp(name, "entries") == 0) {
				if (seen++ || read_entries(&r, doc) != 0)
					goto bad;
			} else if (skip_value(&r, 1) != 0) {
				goto bad;
			}
		} while (accept(&r, ','));
		if (expect(&r, '}') != 0)
			goto bad;
	}
	skip_space(&r);
	if (r.p != r.end) {
		fail(&r, "text after the end");
		goto bad;
	}
	if (!seen) {
		fail(&r, "no entries");
		goto bad;
	}
	return 0;
bad:
	*why = r.why ? r.why : "malformed";
	vault_doc_release(doc);
	return -1;
}

/* ---- writing ---- */

/* Output that only counts (buf NULL) or writes. */
struct writer {
	char *buf;
	size_t n;
};

static void emit(struct writer *w, const char *s, size_t len)
{
	if (w->buf)
		memcpy(w->buf + w->n, s, len);
	w->n += len;
}

static void emit_lit(struct writer *w, const char *s)
{
	emit(w, s, strlen(s));
}

static void emit_string(struct writer *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	emit(w, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			emit(w, esc, 2);
		} else if (c < 0x20) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			emit(w, esc, 6);
		} else {
			emit(w, s, 1);
		}
	}
	emit(w, "\"", 1);
}

static void emit_optional(struct writer *w, const char *s, int has)
{
	if (has)
		emit_string(w, s);
	else
		emit_lit(w, "null");
}

static void emit_doc(struct writer *w, const struct vault_doc *doc)
{
	emit_lit(w, "{\"entries\":{");
	for (size_t i = 0; i < doc->count; i++) {
		const struct vault_entry *e = &doc->entries[i];

		if (i)
			emit_lit(w, ",");
		emit_lit(w, "\n");
		emit_string(w, e->key);
		emit_lit(w, ":{\"current\":");
		emit_optional(w, e->current, e->has_current);
		emit_lit(w, ",\"previous\":");
		emit_optional(w, e->previous, e->has_previous);
		emit_lit(w, ",\"pending\":");
		if (e->has_pending) {
			emit_lit(w, "{\"password\":");
			emit_string(w, e->pending);
			emit_lit(w, ",\"op\":");
			emit_string(w, e->op);
			emit_lit(w, ",\"time\":");
			emit_string(w, e->pending_time);
			if (e->failed_logins) {
				char n[40];
				snprintf(n, sizeof(n), ",\"failed_logins\":%u", e->failed_logins);
				emit_lit(w, n);
			}
			emit_lit(w, "}");
		} else {
			emit_lit(w, "null");
		}
		emit_lit(w, ",\"updated\":");
		emit_optional(w, e->updated, e->updated[0] != '\0');
		emit_lit(w, "}");
	}
	emit_lit(w, "\n}}\n");
}

char *vault_doc_encode(const struct vault_doc *doc, size_t extra, size_t *len)
{
	struct writer count = { NULL, 0 }, w;

	emit_doc(&count, doc);
	w.buf = sodium_malloc(count.n + extra + 1);
	if (!w.buf)
		abort();
	w.n = 0;
	emit_doc(&w, doc);
	w.buf[w.n] = '\0';
	*len = w.n;
	return w.buf;
}
