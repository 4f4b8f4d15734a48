#ifndef PECCTL_POLICY_H
#define PECCTL_POLICY_H
#include <stddef.h>
#include "pecctl/plugin.h"

/* Password policies: a provider describes its portal's rules as data
 * (struct pecctl_password_policy); the core checks a candidate against them
 * before anything is sent, and generates passwords that meet them. */

/* The rule names a check reports, fixed so scripts and tests can match them. */
#define POLICY_RULE_LENGTH "length"
#define POLICY_RULE_CHARACTERS "characters"
#define POLICY_RULE_UPPER "upper"
#define POLICY_RULE_LOWER "lower"
#define POLICY_RULE_DIGIT "digit"
#define POLICY_RULE_SPECIAL "special"
#define POLICY_RULE_SAME_AS_CURRENT "same_as_current"
#define POLICY_RULE_CONTAINS_USERID "contains_userid"
#define POLICY_RULE_REUSED "reused"
#define POLICY_RULES_MAX 9

/* What a candidate is compared with; every field may be NULL / 0. */
struct policy_context {
	const char *current;          /* the password in use (forbid_current) */
	const char *userid;           /* user id or mailbox address (forbid_userid) */
	const char *const *history;   /* previous passwords, most recent first */
	size_t n_history;
};

struct policy_violation {
	const char *rule;     /* one of POLICY_RULE_* (static) */
	char message[256];    /* English, lower case, never quotes the password */
	char message_it[256]; /* the same in Italian */
};

struct policy_report {
	size_t count;
	struct policy_violation violations[POLICY_RULES_MAX];
};

/* 0 when the policy itself is usable (lengths, classes it requires are
 * allowed, sizes); -1 and err (invalid) saying which field is wrong. */
int policy_validate(const struct pecctl_password_policy *p, struct pecctl_error *err);

/* Check candidate against every rule. Fills report with each violated rule,
 * in the order listed above, and returns their number (0: acceptable). */
size_t policy_check(const struct pecctl_password_policy *p, const char *candidate,
		    const struct policy_context *ctx, struct policy_report *report);
/* 1 when report lists rule. */
int policy_report_has(const struct policy_report *report, const char *rule);

/* Length policy_generate aims for: 16 clamped to [min_length, max_length]. */
int policy_generate_length(const struct pecctl_password_policy *p);
/* Generate a password meeting the policy (and ctx, which may be NULL) with
 * the libsodium CSPRNG, easy to type into a mail client: no look-alikes
 * (0 O 1 l I), letters and digits with at most two specials, never a special
 * first or last. out receives a NUL-terminated password; cap must exceed
 * policy_generate_length(). Returns its length, or -1 and err. */
int policy_generate(const struct pecctl_password_policy *p, const struct policy_context *ctx,
		    char *out, size_t cap, struct pecctl_error *err);

/* One line summarising the numbers ("8-20 characters; letters, digits and
 * .-; at least one upper-case letter; ..."); always NUL-terminates buf. */
void policy_summary(const struct pecctl_password_policy *p, char *buf, size_t cap);

#endif
