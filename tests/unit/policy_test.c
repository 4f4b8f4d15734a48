/*
 * Unit test of core/policy.c, TAP on stdout. Built by tests/t/31-policy.t:
 *   cc -Icore -Icore/include core/policy.c tests/unit/policy_test.c -lsodium
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "policy.h"

/* Aruba-like: 8-20 characters, letters, digits, '.' and '-'. */
static const struct pecctl_password_policy aruba = {
	.size = sizeof(struct pecctl_password_policy),
	.min_length = 8,
	.max_length = 20,
	.allowed_specials = ".-",
	.letters_allowed = 1,
	.digits_allowed = 1,
	.require_upper = 1,
	.require_lower = 1,
	.require_digit = 1,
	.forbid_current = 1,
	.forbid_userid = 1,
	.history = 5,
	.description = "da 8 a 20 caratteri, lettere, numeri, punto e trattino",
};

/* InfoCert-like: 8-32, upper, lower, digit and one special from a long set. */
static const struct pecctl_password_policy infocert = {
	.size = sizeof(struct pecctl_password_policy),
	.min_length = 8,
	.max_length = 32,
	.allowed_specials = "!#$%&()*+,-./:;=?@[]_{|}",
	.letters_allowed = 1,
	.digits_allowed = 1,
	.require_upper = 1,
	.require_lower = 1,
	.require_digit = 1,
	.require_special = 1,
	.forbid_current = 1,
	.forbid_userid = 1,
	.history = 3,
	.description = "almeno 8 caratteri con maiuscole, minuscole, numeri e simboli",
};

/* The rules a check reports, joined with commas, for comparing. */
static const char *rules_of(const struct pecctl_password_policy *p, const char *pw,
			    const struct policy_context *ctx)
{
	static char buf[256];
	struct policy_report r;
	size_t i, len = 0;

	policy_check(p, pw, ctx, &r);
	buf[0] = '\0';
	for (i = 0; i < r.count; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
					r.violations[i].rule);
	return buf;
}

static void expect_rules(const struct pecctl_password_policy *p, const char *pw,
			 const struct policy_context *ctx, const char *want, const char *what)
{
	const char *got = rules_of(p, pw, ctx);

	ok(strcmp(got, want) == 0, what);
	if (strcmp(got, want) != 0)
		printf("#   got:      '%s'\n#   expected: '%s'\n", got, want);
}

static int has_lookalike(const char *s)
{
	return strpbrk(s, "0O1lI") != NULL;
}

static void generate_many(const struct pecctl_password_policy *p, const char *name,
			  const struct policy_context *ctx)
{
	char pw[64], what[128];
	struct policy_report r;
	struct pecctl_error err;
	int i, failed = 0, lookalike = 0, wrong_len = 0, edge_special = 0, many_specials = 0;
	int len_want = policy_generate_length(p);

	for (i = 0; i < 1000; i++) {
		int len = policy_generate(p, ctx, pw, sizeof(pw), &err);
		size_t j, specials = 0;
		if (len < 0) {
			printf("# generate failed: %s\n", err.message);
			failed++;
			continue;
		}
		if (policy_check(p, pw, ctx, &r) != 0) {
			printf("# generated password breaks rule %s: %s\n", r.violations[0].rule,
			       r.violations[0].message);
			failed++;
		}
		wrong_len += len != len_want || strlen(pw) != (size_t)len;
		lookalike += has_lookalike(pw);
		for (j = 0; pw[j]; j++)
			specials += strchr(p->allowed_specials, pw[j]) != NULL;
		many_specials += specials > 2;
		edge_special += strchr(p->allowed_specials, pw[0]) != NULL ||
				strchr(p->allowed_specials, pw[len - 1]) != NULL;
	}
	snprintf(what, sizeof(what), "%s: 1000 generated passwords all pass the check", name);
	ok(failed == 0, what);
	snprintf(what, sizeof(what), "%s: every generated password is %d characters", name, len_want);
	ok(wrong_len == 0, what);
	snprintf(what, sizeof(what), "%s: no look-alike characters (0 O 1 l I)", name);
	ok(lookalike == 0, what);
	snprintf(what, sizeof(what), "%s: at most two specials, never first or last", name);
	ok(many_specials == 0 && edge_special == 0, what);
}

int main(void)
{
	const char *history[] = { "Previous1pw", "Older2pass", "Oldest3pwd", "Ancient4pw" };
	struct policy_context ctx = {
		.current = "Current9pw",
		.userid = "Mario.Rossi@pec.it",
		.history = history,
		.n_history = 4,
	};
	struct pecctl_password_policy p;
	struct pecctl_error err;
	struct policy_report r;
	char pw[64], summary[512];
	int i, distinct = 1;

	ok(policy_validate(&aruba, &err) == 0, "aruba-like policy is valid");
	ok(policy_validate(&infocert, &err) == 0, "infocert-like policy is valid");

	generate_many(&aruba, "aruba", &ctx);
	generate_many(&infocert, "infocert", &ctx);
	generate_many(&infocert, "infocert without context", NULL);

	/* Two generations in a row differ (a CSPRNG, not a constant). */
	policy_generate(&aruba, NULL, summary, sizeof(summary), &err);
	for (i = 0; i < 10; i++) {
		policy_generate(&aruba, NULL, pw, sizeof(pw), &err);
		distinct &= strcmp(pw, summary) != 0;
	}
	ok(distinct, "generated passwords differ from one another");

	/* Nothing required: still mixed case and a digit, as portals expect. */
	p = aruba;
	p.require_upper = p.require_lower = p.require_digit = 0;
	for (i = 0, distinct = 1; i < 200; i++) {
		policy_generate(&p, NULL, pw, sizeof(pw), &err);
		distinct &= strpbrk(pw, "ABCDEFGHJKLMNPQRSTUVWXYZ") && strpbrk(pw, "abcdefghijkmnopqrstuvwxyz") &&
			    strpbrk(pw, "23456789") && !strpbrk(pw, ".-");
	}
	ok(distinct, "without required classes it still mixes cases and digits, no specials");

	expect_rules(&aruba, "Good.pass-42", &ctx, "", "a good password breaks no rule");
	expect_rules(&aruba, "Ab3", &ctx, "length", "too short: length");
	expect_rules(&aruba, "Abcdefghij1234567890x", &ctx, "length", "21 characters: length");
	expect_rules(&aruba, "Abcdef12!x", &ctx, "characters", "'!' is not allowed on aruba");
	expect_rules(&aruba, "Abcdef12 x", &ctx, "characters", "a space is not allowed");
	expect_rules(&aruba, "Perch\xc3\xa8" "123", &ctx, "characters",
		     "an accented letter is refused and counts as one character");
	expect_rules(&aruba, "abcdefg12", &ctx, "upper", "no upper-case letter: upper");
	expect_rules(&aruba, "ABCDEFG12", &ctx, "lower", "no lower-case letter: lower");
	expect_rules(&aruba, "Abcdefghij", &ctx, "digit", "no digit: digit");
	expect_rules(&infocert, "Abcdefg12", &ctx, "special", "infocert needs a special");
	expect_rules(&aruba, "Current9pw", &ctx, "same_as_current", "the current password: same_as_current");
	expect_rules(&aruba, "xxMARIO.rossi7", &ctx, "contains_userid",
		     "the local part in any case: contains_userid");
	expect_rules(&aruba, "Older2pass", &ctx, "reused", "a recent password: reused");
	expect_rules(&infocert, "Ancient4pw!", &ctx, "", "older than the history depth is fine");
	expect_rules(&infocert, "", &ctx, "length,upper,lower,digit,special",
		     "an empty password breaks every class rule");
	expect_rules(&aruba, "ab!", &ctx, "length,characters,upper,digit",
		     "several rules at once, in order");
	expect_rules(&aruba, "Current9pw", NULL, "", "no context: the context rules are skipped");

	policy_check(&aruba, "ab", &ctx, &r);
	ok(r.count == 3 && strstr(r.violations[0].message, "8 to 20") &&
	   strstr(r.violations[0].message_it, "da 8 a 20"),
	   "length messages say the bounds in English and Italian");
	ok(policy_report_has(&r, "upper") && !policy_report_has(&r, "reused"),
	   "policy_report_has finds the rules reported");
	policy_check(&aruba, "Current9pw", &ctx, &r);
	ok(r.count == 1 && !strstr(r.violations[0].message, "Current9pw") &&
	   strstr(r.violations[0].message_it, "attuale"),
	   "messages never quote the password");

	p = aruba;
	p.require_special = 1;
	p.allowed_specials = "";
	ok(policy_validate(&p, &err) < 0 && strstr(err.message, "allowed_specials"),
	   "a policy requiring a special with none allowed is invalid");
	p = aruba;
	p.max_length = 4;
	ok(policy_validate(&p, &err) < 0 && strstr(err.message, "max_length"),
	   "max_length below min_length is invalid");
	p = aruba;
	p.size = 8;
	ok(policy_validate(&p, &err) < 0 && strstr(err.message, "size"), "a short size is invalid");

	p = aruba;
	p.min_length = 24;
	p.max_length = 0;
	ok(policy_generate(&p, NULL, pw, sizeof(pw), &err) == 24 && strlen(pw) == 24,
	   "min_length above 16 is honoured, no maximum");
	ok(policy_generate(&p, NULL, pw, 10, &err) < 0, "a too small buffer is refused");

	policy_summary(&infocert, summary, sizeof(summary));
	ok(strstr(summary, "8-32 characters") && strstr(summary, "special") &&
	   strstr(summary, "last 3"), "summary gives the numbers");

	return tap_done();
}
