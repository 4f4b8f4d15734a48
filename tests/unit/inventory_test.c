/*
 * Unit test of core/inventory.c, TAP on stdout. Built by
 * tests/t/71-batch-inventory.t:
 *   cc -Icore -Icore/include core/inventory.c core/redact.c core/secure_heap.c \
 *      tests/unit/inventory_test.c -lsodium
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "tap.h"
#include "inventory.h"
#include "redact.h"

static int parse(const char *text, struct inventory *inv, struct pecctl_error *err)
{
	memset(err, 0, sizeof(*err));
	return inventory_parse(text, strlen(text), "inv.csv", inv, err);
}

static int has_problem(const struct inventory *inv, long line, const char *words)
{
	for (size_t i = 0; i < inv->n_problems; i++)
		if (inv->problems[i].line == line && strstr(inv->problems[i].message, words))
			return 1;
	for (size_t i = 0; i < inv->n_problems; i++)
		printf("#   problem: %s\n", inv->problems[i].message);
	return 0;
}

static void test_basic(void)
{
	struct inventory inv;
	struct pecctl_error err;
	int rc = parse("\xEF\xBB\xBF" "account,provider,secret,param.via\r\n"
		       "a@pec.it,aruba,env:PW_A,webmail\r\n"
		       "\r\n"
		       "# a comment\n"
		       "  b@legalmail.it , ,file:/tmp/pw b,\n", &inv, &err);

	ok(rc == 0, "a well-formed inventory with a BOM and CRLF loads");
	ok(inv.n_rows == 2 && inv.n_problems == 0, "two rows, no problems");
	ok(inv.n_params == 1, "one param column");
	is_str(inv.param_names[0], "via", "the param column is named without its prefix");
	is_str(inv.rows[0].account, "a@pec.it", "first account");
	is_str(inv.rows[0].provider, "aruba", "first provider");
	is_str(inv.rows[0].secret, "env:PW_A", "first secret reference");
	is_str(inv.rows[0].params[0], "webmail", "first param value");
	ok(inv.rows[1].line == 5, "line numbers count blank and comment lines");
	is_str(inv.rows[1].account, "b@legalmail.it", "spaces around unquoted values are trimmed");
	ok(inv.rows[1].provider == NULL, "an empty provider is absent");
	is_str(inv.rows[1].secret, "file:/tmp/pw b", "inner spaces stay");
	ok(inv.rows[1].params[0] == NULL, "an empty param is absent");
	inventory_release(&inv);
}

static void test_quoting(void)
{
	struct inventory inv;
	struct pecctl_error err;
	int rc = parse("account,secret,param.note\n"
		       "\"a@pec.it\",\"cmd:pass show \"\"pec/a\"\"\",\"two\nlines, and a comma\"\n"
		       "b@pec.it,env:B,\"unterminated\n"
		       "c@pec.it,env:C,x\n", &inv, &err);

	ok(rc == 0, "quoted fields load");
	ok(inv.n_rows == 1, "the row after an unterminated quote is swallowed by it");
	is_str(inv.rows[0].secret, "cmd:pass show \"pec/a\"", "doubled quotes become one");
	is_str(inv.rows[0].params[0], "two\nlines, and a comma", "newlines and commas inside quotes");
	ok(has_problem(&inv, 4, "never closed"), "an unterminated quote is a problem at its line");
	inventory_release(&inv);

	rc = parse("account,secret\n"
		   "a@pec.it,en\"v:A\n"
		   "b@pec.it,\"env:B\"x\n"
		   "c@pec.it,env:C\n", &inv, &err);
	ok(rc == 0 && inv.n_rows == 1, "stray quotes spoil only their row");
	ok(has_problem(&inv, 2, "double quote inside"), "a quote inside an unquoted field is named");
	ok(has_problem(&inv, 3, "after the closing quote"), "text after a closing quote is named");
	inventory_release(&inv);
}

static void test_bad_rows(void)
{
	struct inventory inv;
	struct pecctl_error err;
	int rc = parse("account,provider,secret\n"
		       "a@pec.it,aruba,env:A\n"
		       "not-an-address,aruba,env:X\n"
		       ",aruba,env:Y\n"
		       "b@pec.it,aruba\n"
		       "c@pec.it,aruba,Password.2024\n"
		       "A@PEC.IT,aruba,env:A2\n"
		       "d@pec.it,aruba,vault:d@pec.it\n"
		       "e@pec.it,aruba,prompt:\n"
		       "f@pec.it,aruba,env:\n", &inv, &err);

	ok(rc == 0, "bad rows do not fail the whole file");
	ok(inv.n_rows == 3, "the good rows load (a, d, e)");
	ok(has_problem(&inv, 3, "not a mailbox address"), "an address without @ is named");
	ok(has_problem(&inv, 4, "no mailbox address"), "an empty account is named");
	ok(has_problem(&inv, 5, "2 fields where the header has 3"), "a short row is named");
	ok(has_problem(&inv, 6, "not hold it"), "a password in the secret column is refused");
	ok(inv.n_problems > 0 && redact_contains("Password.2024", 13),
	   "and the value is kept out of every output");
	ok(has_problem(&inv, 7, "appears again (first on line 2)"), "a repeated account, any case");
	ok(has_problem(&inv, 10, "not hold it"), "env: without a name is not a reference");
	for (size_t i = 0; i < inv.n_problems; i++)
		ok(strstr(inv.problems[i].message, "Password.2024") == NULL,
		   "no problem message shows the password");
	inventory_release(&inv);
}

static void test_bad_headers(void)
{
	struct inventory inv;
	struct pecctl_error err;

	ok(parse("", &inv, &err) == -1 && strstr(err.message, "empty"), "an empty file is refused");
	inventory_release(&inv);
	ok(parse("provider,secret\naruba,env:A\n", &inv, &err) == -1 &&
	   strstr(err.message, "no 'account' column"), "a header without account is refused");
	inventory_release(&inv);
	ok(parse("account,password\na@pec.it,x\n", &inv, &err) == -1 &&
	   strstr(err.message, "never reads passwords"), "a password column is refused, with the way out");
	inventory_release(&inv);
	ok(parse("account,colour\na@pec.it,x\n", &inv, &err) == -1 &&
	   strstr(err.message, "unknown column 'colour'"), "an unknown column is named");
	inventory_release(&inv);
	ok(parse("account,account\na@pec.it,x\n", &inv, &err) == -1 &&
	   strstr(err.message, "appears twice"), "a repeated column is refused");
	inventory_release(&inv);
	ok(parse("a@pec.it,env:A\n", &inv, &err) == -1 && strstr(err.message, "line 1"),
	   "a file without a header says so at line 1");
	inventory_release(&inv);
}

static void test_caps(void)
{
	struct inventory inv;
	struct pecctl_error err;
	size_t n = INVENTORY_MAX_RECORD + 100;
	char *text = malloc(n + 64);

	snprintf(text, n + 64, "account,param.x\na@pec.it,");
	memset(text + strlen(text), 'x', n);
	memcpy(text + strlen("account,param.x\na@pec.it,") + n, "\nb@pec.it,y\n", 13);
	ok(parse(text, &inv, &err) == 0 && inv.n_rows == 1 && has_problem(&inv, 2, "longer than"),
	   "a record over the cap is a problem and the next row still loads");
	inventory_release(&inv);
	free(text);
}

static void test_many(void)
{
	struct inventory inv;
	struct pecctl_error err;
	size_t rows = 20000, cap = rows * 40 + 64, len;
	char *text = malloc(cap);

	len = (size_t)snprintf(text, cap, "account\n");
	for (size_t i = 0; i < rows; i++)
		len += (size_t)snprintf(text + len, cap - len, "box%zu@pec.it\n", i);
	len += (size_t)snprintf(text + len, cap - len, "BOX7@pec.it\n");
	ok(parse(text, &inv, &err) == 0 && inv.n_rows == rows && inv.n_problems == 1 &&
	   has_problem(&inv, (long)rows + 2, "first on line 9"),
	   "20000 rows load and a late repeat is still found");
	inventory_release(&inv);
	free(text);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_basic();
	test_quoting();
	test_bad_rows();
	test_bad_headers();
	test_caps();
	test_many();
	return tap_done();
}
