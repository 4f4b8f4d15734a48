/*
 * TAP for the unit tests, which prove runs: ok() and is_str() print one
 * result each; tap_done() prints the plan after them and is what main
 * returns.
 */
#ifndef PECCTL_TEST_TAP_H
#define PECCTL_TEST_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline void ok(int cond, const char *what)
{
	tap_count++;
	tap_failed += !cond;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_count, what);
}

/* Two strings, either of which may be NULL; both shown when they differ. */
static inline void is_str(const char *got, const char *want, const char *what)
{
	int same = (!got && !want) || (got && want && strcmp(got, want) == 0);

	ok(same, what);
	if (!same)
		printf("#   got:      %s\n#   expected: %s\n", got ? got : "(null)", want ? want : "(null)");
}

/* The plan; 1 when a result failed. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
