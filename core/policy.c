/*
 * Password policies: check a candidate against a provider's rules and
 * generate passwords that meet them. The candidate is a secret: no message
 * here ever quotes it or any of its characters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "policy.h"

/* Longest password policy_validate accepts as a minimum; generation never
 * goes beyond it, so the work buffer below has a fixed size. */
#define POLICY_MIN_LENGTH_CAP 256
#define POLICY_MAX_LENGTH_CAP 4096
#define POLICY_GENERATE_TRIES 200
/* The struct as ABI 1.0 defined it; later minors only append. */
#define POLICY_SIZE_1_0 (offsetof(struct pecctl_password_policy, description) + sizeof(const char *))

/* Look-alikes left out: I and O, l, 0 and 1. */
static const char upper_pool[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
static const char lower_pool[] = "abcdefghijkmnopqrstuvwxyz";
static const char digit_pool[] = "23456789";
/* Specials reachable without AltGr on Italian and US keyboards, in order of
 * preference; the generator picks among the allowed ones. */
static const char easy_specials[] = ".-_!?+=*/:;,";

static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_letter(unsigned char c) { return is_upper(c) || is_lower(c); }

static const char *specials_of(const struct pecctl_password_policy *p)
{
	return p->allowed_specials ? p->allowed_specials : "";
}

static int is_allowed_special(const struct pecctl_password_policy *p, unsigned char c)
{
	return c != '\0' && c < 0x80 && !is_letter(c) && !is_digit(c) &&
	       strchr(specials_of(p), c) != NULL;
}

/* Length in characters: UTF-8 continuation bytes do not count, so "è" is
 * one character (and then refused by the characters rule). */
static size_t char_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static unsigned char ascii_lower(unsigned char c)
{
	return is_upper(c) ? (unsigned char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive containment of needle[0..len). */
static int contains_nocase(const char *hay, const char *needle, size_t len)
{
	size_t i, j, n = strlen(hay);

	if (len == 0 || len > n)
		return 0;
	for (i = 0; i + len <= n; i++) {
		for (j = 0; j < len; j++)
			if (ascii_lower((unsigned char)hay[i + j]) != ascii_lower((unsigned char)needle[j]))
				break;
		if (j == len)
			return 1;
	}
	return 0;
}

int policy_validate(const struct pecctl_password_policy *p, struct pecctl_error *err)
{
	const char *s;
	int required = 0;
	char msg[256];

	if (!p) {
		pecctl_error_set(err, PECCTL_E_INVALID, "no password policy given");
		return -1;
	}
	if (p->size < POLICY_SIZE_1_0) {
		snprintf(msg, sizeof(msg), "password policy size is %zu, expected at least %zu; "
			 "set size = sizeof(struct pecctl_password_policy)", p->size, POLICY_SIZE_1_0);
		goto fail;
	}
	if (p->min_length < 1 || p->min_length > POLICY_MIN_LENGTH_CAP) {
		snprintf(msg, sizeof(msg), "password policy min_length %d is outside 1..%d",
			 p->min_length, POLICY_MIN_LENGTH_CAP);
		goto fail;
	}
	if (p->max_length != 0 &&
	    (p->max_length < p->min_length || p->max_length > POLICY_MAX_LENGTH_CAP)) {
		snprintf(msg, sizeof(msg), "password policy max_length %d is outside %d..%d "
			 "(0 means no maximum)", p->max_length, p->min_length, POLICY_MAX_LENGTH_CAP);
		goto fail;
	}
	for (s = specials_of(p); *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c > 0x7e || is_letter(c) || is_digit(c)) {
			snprintf(msg, sizeof(msg), "password policy allowed_specials may only hold "
				 "printable ASCII punctuation, found byte 0x%02x", c);
			goto fail;
		}
	}
	if (!p->letters_allowed && !p->digits_allowed && !*specials_of(p)) {
		snprintf(msg, sizeof(msg), "password policy allows no character at all");
		goto fail;
	}
	if ((p->require_upper || p->require_lower) && !p->letters_allowed) {
		snprintf(msg, sizeof(msg), "password policy requires a letter but does not allow letters");
		goto fail;
	}
	if (p->require_digit && !p->digits_allowed) {
		snprintf(msg, sizeof(msg), "password policy requires a digit but does not allow digits");
		goto fail;
	}
	if (p->require_special && !*specials_of(p)) {
		snprintf(msg, sizeof(msg), "password policy requires a special character but "
			 "allowed_specials is empty");
		goto fail;
	}
	required = !!p->require_upper + !!p->require_lower + !!p->require_digit + !!p->require_special;
	if (p->max_length != 0 && required > p->max_length) {
		snprintf(msg, sizeof(msg), "password policy requires %d character classes in at "
			 "most %d characters", required, p->max_length);
		goto fail;
	}
	if (p->history < 0) {
		snprintf(msg, sizeof(msg), "password policy history %d is negative", p->history);
		goto fail;
	}
	return 0;
fail:
	pecctl_error_set(err, PECCTL_E_INVALID, msg);
	return -1;
}

/* --- messages --- */

/* A small bounded string builder: appends never overflow, always NUL. */
struct strbuf {
	char *buf;
	size_t cap, len;
};

static void sb_init(struct strbuf *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->cap = cap;
	sb->len = 0;
	if (cap)
		buf[0] = '\0';
}

static void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->cap == 0 || sb->len >= sb->cap - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb->len += (size_t)n;
	if (sb->len >= sb->cap)
		sb->len = sb->cap - 1;
}

/* "letters, digits and these characters: .-" in either language. */
static void describe_allowed(const struct pecctl_password_policy *p, int italian, struct strbuf *sb)
{
	const char *parts[2];
	size_t n = 0, i;

	if (p->letters_allowed)
		parts[n++] = italian ? "lettere senza accenti" : "letters without accents";
	if (p->digits_allowed)
		parts[n++] = italian ? "cifre" : "digits";
	for (i = 0; i < n; i++)
		sb_printf(sb, "%s%s", i ? ", " : "", parts[i]);
	if (*specials_of(p))
		sb_printf(sb, "%s%s %s", n ? (italian ? " e " : " and ") : "",
			  italian ? "questi caratteri:" : "these characters:", specials_of(p));
}

static struct policy_violation *add_violation(struct policy_report *r, const char *rule)
{
	struct policy_violation *v;

	if (r->count >= POLICY_RULES_MAX)
		return NULL;
	v = &r->violations[r->count++];
	v->rule = rule;
	v->message[0] = '\0';
	v->message_it[0] = '\0';
	return v;
}

static void violation_text(struct policy_violation *v, const char *en, const char *it)
{
	snprintf(v->message, sizeof(v->message), "%s", en);
	snprintf(v->message_it, sizeof(v->message_it), "%s", it);
}

size_t policy_check(const struct pecctl_password_policy *p, const char *candidate,
		    const struct policy_context *ctx, struct policy_report *report)
{
	static const struct policy_context no_context;
	const unsigned char *c;
	size_t len;
	int bad_char = 0, has_upper = 0, has_lower = 0, has_digit = 0, has_special = 0;
	struct policy_violation *v;
	struct strbuf sb;

	report->count = 0;
	if (!candidate)
		candidate = "";
	if (!ctx)
		ctx = &no_context;

	for (c = (const unsigned char *)candidate; *c; c++) {
		if (is_letter(*c)) {
			has_upper |= is_upper(*c);
			has_lower |= is_lower(*c);
			bad_char |= !p->letters_allowed;
		} else if (is_digit(*c)) {
			has_digit = 1;
			bad_char |= !p->digits_allowed;
		} else if (is_allowed_special(p, *c)) {
			has_special = 1;
		} else {
			bad_char = 1;
		}
	}

	len = char_length(candidate);
	if (len < (size_t)p->min_length || (p->max_length > 0 && len > (size_t)p->max_length)) {
		v = add_violation(report, POLICY_RULE_LENGTH);
		if (p->max_length > 0) {
			snprintf(v->message, sizeof(v->message),
				 "must be %d to %d characters long, not %zu",
				 p->min_length, p->max_length, len);
			snprintf(v->message_it, sizeof(v->message_it),
				 "deve essere lunga da %d a %d caratteri, non %zu",
				 p->min_length, p->max_length, len);
		} else {
			snprintf(v->message, sizeof(v->message),
				 "must be at least %d characters long, not %zu", p->min_length, len);
			snprintf(v->message_it, sizeof(v->message_it),
				 "deve essere lunga almeno %d caratteri, non %zu", p->min_length, len);
		}
	}
	if (bad_char) {
		v = add_violation(report, POLICY_RULE_CHARACTERS);
		sb_init(&sb, v->message, sizeof(v->message));
		sb_printf(&sb, "contains characters that are not allowed; allowed are ");
		describe_allowed(p, 0, &sb);
		sb_init(&sb, v->message_it, sizeof(v->message_it));
		sb_printf(&sb, "contiene caratteri non ammessi; sono ammessi ");
		describe_allowed(p, 1, &sb);
	}
	if (p->require_upper && !has_upper)
		violation_text(add_violation(report, POLICY_RULE_UPPER),
			       "must contain at least one upper-case letter (A-Z)",
			       "deve contenere almeno una lettera maiuscola (A-Z)");
	if (p->require_lower && !has_lower)
		violation_text(add_violation(report, POLICY_RULE_LOWER),
			       "must contain at least one lower-case letter (a-z)",
			       "deve contenere almeno una lettera minuscola (a-z)");
	if (p->require_digit && !has_digit)
		violation_text(add_violation(report, POLICY_RULE_DIGIT),
			       "must contain at least one digit (0-9)",
			       "deve contenere almeno una cifra (0-9)");
	if (p->require_special && !has_special) {
		v = add_violation(report, POLICY_RULE_SPECIAL);
		snprintf(v->message, sizeof(v->message),
			 "must contain at least one of these characters: %s", specials_of(p));
		snprintf(v->message_it, sizeof(v->message_it),
			 "deve contenere almeno uno di questi caratteri: %s", specials_of(p));
	}
	if (p->forbid_current && ctx->current && strcmp(candidate, ctx->current) == 0)
		violation_text(add_violation(report, POLICY_RULE_SAME_AS_CURRENT),
			       "must differ from the current password",
			       "deve essere diversa dalla password attuale");
	if (p->forbid_userid && ctx->userid) {
		/* The local part of an address is the user id the portals mean. */
		const char *at = strchr(ctx->userid, '@');
		size_t n = at ? (size_t)(at - ctx->userid) : strlen(ctx->userid);
		if (contains_nocase(candidate, ctx->userid, n))
			violation_text(add_violation(report, POLICY_RULE_CONTAINS_USERID),
				       "must not contain the user name",
				       "non deve contenere il nome utente");
	}
	if (p->history > 0 && ctx->history) {
		size_t i, n = ctx->n_history < (size_t)p->history ? ctx->n_history : (size_t)p->history;
		for (i = 0; i < n; i++) {
			if (ctx->history[i] && strcmp(candidate, ctx->history[i]) == 0) {
				v = add_violation(report, POLICY_RULE_REUSED);
				snprintf(v->message, sizeof(v->message),
					 "must not be one of the last %d passwords", p->history);
				snprintf(v->message_it, sizeof(v->message_it),
					 "non deve essere una delle ultime %d password usate", p->history);
				break;
			}
		}
	}
	return report->count;
}

int policy_report_has(const struct policy_report *report, const char *rule)
{
	size_t i;

	for (i = 0; i < report->count; i++)
		if (strcmp(report->violations[i].rule, rule) == 0)
			return 1;
	return 0;
}

/* --- generation --- */

int policy_generate_length(const struct pecctl_password_policy *p)
{
	int n = 16;

	if (n < p->min_length)
		n = p->min_length;
	if (p->max_length > 0 && n > p->max_length)
		n = p->max_length;
	return n;
}

static char pick(const char *pool, size_t n)
{
	return pool[randombytes_uniform((uint32_t)n)];
}

/* The specials the generator may use: the easy ones the policy allows, or
 * failing that any allowed one but quotes, backslash and space. */
static size_t special_pool(const struct pecctl_password_policy *p, char *pool, size_t cap)
{
	const char *s;
	size_t n = 0;

	for (s = easy_specials; *s && n + 1 < cap; s++)
		if (strchr(specials_of(p), *s))
			pool[n++] = *s;
	if (n == 0)
		for (s = specials_of(p); *s && n + 1 < cap; s++)
			if (!strchr("\"'`\\ ", *s))
				pool[n++] = *s;
	if (n == 0)
		for (s = specials_of(p); *s && n + 1 < cap; s++)
			pool[n++] = *s;
	pool[n] = '\0';
	return n;
}

static void generate_once(const struct pecctl_password_policy *p, char *buf, int len,
			  const char *main_pool, size_t n_main, const char *spec, size_t n_spec)
{
	int k = 0, i, n_specials = 0;

	if (p->require_upper)
		buf[k++] = pick(upper_pool, sizeof(upper_pool) - 1);
	if (p->require_lower)
		buf[k++] = pick(lower_pool, sizeof(lower_pool) - 1);
	if (p->require_digit)
		buf[k++] = pick(digit_pool, sizeof(digit_pool) - 1);
	if (p->require_special) {
		buf[k++] = pick(spec, n_spec);
		n_specials = 1;
	}
	/* Every allowed class of letters and digits once, required or not: a
	 * portal's unwritten rules rarely reject a mixed password. */
	if (p->letters_allowed && !p->require_upper && k < len)
		buf[k++] = pick(upper_pool, sizeof(upper_pool) - 1);
	if (p->letters_allowed && !p->require_lower && k < len)
		buf[k++] = pick(lower_pool, sizeof(lower_pool) - 1);
	if (p->digits_allowed && !p->require_digit && k < len)
		buf[k++] = pick(digit_pool, sizeof(digit_pool) - 1);
	for (; k < len; k++)
		buf[k] = n_main ? pick(main_pool, n_main) : pick(spec, n_spec);
	buf[len] = '\0';

	/* Fisher-Yates with the CSPRNG. */
	for (i = len - 1; i > 0; i--) {
		int j = (int)randombytes_uniform((uint32_t)i + 1);
		char t = buf[i];
		buf[i] = buf[j];
		buf[j] = t;
	}
	/* A special at either end is easy to lose when copying; move it inwards. */
	if (n_specials && n_main && len >= 3) {
		int ends[2] = { 0, len - 1 };
		for (i = 0; i < 2; i++) {
			int e = ends[i];
			if (is_allowed_special(p, (unsigned char)buf[e])) {
				int j;
				do
					j = 1 + (int)randombytes_uniform((uint32_t)len - 2);
				while (is_allowed_special(p, (unsigned char)buf[j]));
				char t = buf[e];
				buf[e] = buf[j];
				buf[j] = t;
			}
		}
	}
}

int policy_generate(const struct pecctl_password_policy *p, const struct policy_context *ctx,
		    char *out, size_t cap, struct pecctl_error *err)
{
	char buf[POLICY_MIN_LENGTH_CAP + 1];
	char main_pool[sizeof(upper_pool) + sizeof(lower_pool) + sizeof(digit_pool)];
	char spec[128];
	size_t n_main = 0, n_spec, i;
	int len, tries;
	struct policy_report report;

	if (policy_validate(p, err) < 0)
		return -1;
	len = policy_generate_length(p);
	if (cap < (size_t)len + 1) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "password buffer too small for the policy");
		return -1;
	}
	if (sodium_init() < 0) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "cannot initialise libsodium's random generator");
		return -1;
	}
	if (p->letters_allowed) {
		for (i = 0; upper_pool[i]; i++)
			main_pool[n_main++] = upper_pool[i];
		for (i = 0; lower_pool[i]; i++)
			main_pool[n_main++] = lower_pool[i];
	}
	if (p->digits_allowed)
		for (i = 0; digit_pool[i]; i++)
			main_pool[n_main++] = digit_pool[i];
	main_pool[n_main] = '\0';
	n_spec = special_pool(p, spec, sizeof(spec));

	for (tries = 0; tries < POLICY_GENERATE_TRIES; tries++) {
		generate_once(p, buf, len, main_pool, n_main, spec, n_spec);
		if (policy_check(p, buf, ctx, &report) == 0) {
			memcpy(out, buf, (size_t)len + 1);
			sodium_memzero(buf, sizeof(buf));
			return len;
		}
	}
	sodium_memzero(buf, sizeof(buf));
	pecctl_error_set(err, PECCTL_E_POLICY, "cannot generate a password meeting the policy "
			 "(the user id or history rules out every attempt); give one with a secret reference");
	return -1;
}

void policy_summary(const struct pecctl_password_policy *p, char *buf, size_t cap)
{
	struct strbuf sb;
	const char *sep = "";

	sb_init(&sb, buf, cap);
	if (p->max_length > 0)
		sb_printf(&sb, "%d-%d characters", p->min_length, p->max_length);
	else
		sb_printf(&sb, "at least %d characters", p->min_length);
	sb_printf(&sb, "; ");
	describe_allowed(p, 0, &sb);
	if (p->require_upper || p->require_lower || p->require_digit || p->require_special) {
		sb_printf(&sb, "; needs ");
		if (p->require_upper) {
			sb_printf(&sb, "%san upper-case letter", sep);
			sep = ", ";
		}
		if (p->require_lower) {
			sb_printf(&sb, "%sa lower-case letter", sep);
			sep = ", ";
		}
		if (p->require_digit) {
			sb_printf(&sb, "%sa digit", sep);
			sep = ", ";
		}
		if (p->require_special)
			sb_printf(&sb, "%sa special character", sep);
	}
	if (p->forbid_current)
		sb_printf(&sb, "; not the current password");
	if (p->forbid_userid)
		sb_printf(&sb, "; not containing the user name");
	if (p->history > 0)
		sb_printf(&sb, "; not one of the last %d", p->history);
}
