/* pecctl doctor [--account ADDR [--secret REF]] [--json]: does each portal
 * still look the way its provider plugin expects? Each plugin's read-only
 * "doctor" operation fetches the pages it depends on and returns checks;
 * this command prints them by site and says what no longer matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "account.h"
#include "cli.h"
#include "exitcode.h"
#include "http.h"
#include "options.h"
#include "registry.h"
#include "secret.h"
#include "sessions.h"
#include "signals.h"

struct doctor_args {
	const char *account;
	const char *secret;
	int json;
};

/* What the checks of every provider added up to. */
struct doctor_tally {
	int ok, failed, skipped;
	int changed;           /* a check failed because the portal changed */
	int worst;             /* the exit code of anything else that went wrong */
};

/* Marks for a terminal, words for files, pipes and NO_COLOR. */
struct doctor_marks {
	const char *ok, *fail, *skip, *red, *green, *dim, *reset;
};

static struct doctor_marks pick_marks(void)
{
	static const struct doctor_marks fancy = {
		"✓", "✗", "–", "\033[31m", "\033[32m", "\033[2m", "\033[0m"
	};
	static const struct doctor_marks plain = { "OK  ", "FAIL", "SKIP", "", "", "", "" };
	const char *no_color = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && !(no_color && *no_color) ? fancy : plain;
}

static int parse_doctor_args(int argc, char **argv, struct doctor_args *a)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			a->json = 1;
		} else if (strcmp(argv[i], "--account") == 0 || strcmp(argv[i], "--secret") == 0) {
			if (i + 1 >= argc)
				return cli_usage_error(&command_doctor, "%s needs a value", argv[i]);
			if (strcmp(argv[i], "--account") == 0)
				a->account = argv[++i];
			else
				a->secret = argv[++i];
		} else {
			return cli_usage_error(&command_doctor, "%s '%s'",
					       argv[i][0] == '-' ? "unknown option" : "unexpected argument",
					       argv[i]);
		}
	}
	if (a->secret && !a->account)
		return cli_usage_error(&command_doctor, "--secret is the password of --account; "
				       "give the mailbox too");
	return 0;
}

/* The account's password: --secret, else the vault, else the terminal. */
static struct secret *account_password(const struct doctor_args *a, int *code)
{
	struct pecctl_error err = { 0 };
	char ref[320], label[320];
	struct secret *s;

	if (a->secret)
		snprintf(ref, sizeof(ref), "%s", a->secret);
	else if (!secret_account_ref(a->account, ref, sizeof(ref))) {
		*code = cli_usage_error(&command_doctor, "no password for %s: give --secret REF "
					"(env:VAR, file:PATH, cmd:COMMAND or prompt:) or keep it in the "
					"vault ('pecctl vault set %s')", a->account, a->account);
		return NULL;
	}
	snprintf(label, sizeof(label), "password of %s", a->account);
	s = secret_resolve(ref, label, &err);
	if (!s) {
		fprintf(stderr, "pecctl doctor: %s\n", err.message);
		*code = strcmp(err.code, "usage") == 0 ? EXIT_USAGE : exitcode_for_error(err.code);
	}
	return s;
}

/* Run the provider's doctor operation: 0 and *result, or -1 and err. */
static int call_doctor(const struct pecctl_provider *p, const char *address,
		       const struct secret *password, cJSON **result, struct pecctl_error *err)
{
	struct http_config cfg;
	struct account acct;
	struct pecctl_call call;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.sandbox = pecctl_opts.sandbox;
	cfg.cacert = pecctl_opts.cacert;
	cfg.timeout_ms = pecctl_opts.timeout_s > 0 ? pecctl_opts.timeout_s * 1000 : 0;
	cfg.max_body = pecctl_opts.max_body;
	memset(&acct, 0, sizeof(acct));
	acct.provider = p;
	acct.http = http_session_new(&cfg, err);
	if (!acct.http)
		return -1;
	sessions_attach(acct.http);  /* --har, --replay */
	acct.address = strdup(address);
	if (!acct.address)
		abort();
	memset(&call, 0, sizeof(call));
	call.account = &acct;
	if (password) {
		call.secret_args[0].name = "password";
		call.secret_args[0].value = secret_bytes(password, NULL);
		call.n_secret_args = 1;
	}
	rc = account_call(&call, "doctor", NULL, result, err);
	call_release(&call);
	account_release(&acct);
	http_session_free(acct.http);
	return rc;
}

static const char *check_string(const cJSON *check, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(check, name);

	return cJSON_IsString(item) ? item->valuestring : "";
}

/* Count the checks; a failed one without a code means the portal changed. */
static void tally_checks(const cJSON *checks, struct doctor_tally *t)
{
	const cJSON *check;

	cJSON_ArrayForEach(check, checks) {
		const char *code = check_string(check, "code");

		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "skipped"))) {
			t->skipped++;
		} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "ok"))) {
			t->ok++;
		} else {
			t->failed++;
			if (!*code || strcmp(code, PECCTL_E_PORTAL_CHANGED) == 0)
				t->changed = 1;
			else if (!t->worst)
				t->worst = exitcode_for_error(code);
		}
	}
}

static void print_check(const cJSON *check, const struct doctor_marks *m, int page_width)
{
	int skipped = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "skipped"));
	int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "ok"));
	const char *mark = skipped ? m->skip : ok ? m->ok : m->fail;
	const char *color = skipped ? m->dim : ok ? m->green : m->red;

	printf("  %s%s%s  %-*s  %s", color, mark, m->reset, page_width, check_string(check, "page"),
	       check_string(check, "what"));
	if (skipped || !ok) {
		const char *detail = check_string(check, "detail");

		/* the mark already says so */
		if (skipped && strncmp(detail, "skipped: ", 9) == 0)
			detail += 9;
		printf(": %s", detail);
	}
	putchar('\n');
}

/* The checks grouped by site, sites in the order they first appear. */
static void print_checks(const cJSON *checks, const struct doctor_marks *m)
{
	const cJSON *check, *other;
	int page_width = 0;

	cJSON_ArrayForEach(check, checks) {
		int len = (int)strlen(check_string(check, "page"));

		if (len > page_width && len <= 40)
			page_width = len;
	}
	cJSON_ArrayForEach(check, checks) {
		const char *site = check_string(check, "site");
		int seen = 0;

		for (other = checks->child; other != check; other = other->next)
			if (strcmp(check_string(other, "site"), site) == 0)
				seen = 1;
		if (seen)
			continue;
		printf("%s\n", site);
		for (other = check; other; other = other->next)
			if (strcmp(check_string(other, "site"), site) == 0)
				print_check(other, m, page_width);
	}
}

/* One provider: its checks printed (or added to the JSON report). */
static void doctor_provider(const struct pecctl_provider *p, const struct doctor_args *a,
			    const struct secret *password, const struct doctor_marks *m,
			    cJSON *report, struct doctor_tally *t)
{
	struct pecctl_error err = { 0 };
	struct doctor_tally mine = { 0, 0, 0, 0, 0 };
	cJSON *result = NULL, *entry = NULL, *checks;

	if (report) {
		entry = cJSON_CreateObject();
		cJSON_AddStringToObject(entry, "provider", p->name);
		if (a->account)
			cJSON_AddStringToObject(entry, "account", a->account);
		else
			cJSON_AddNullToObject(entry, "account");
		cJSON_AddItemToArray(report, entry);
	} else {
		printf("%s (%s)%s%s\n", p->name, p->title, a->account ? " as " : ", no account",
		       a->account ? a->account : "");
	}
	if (!provider_operation(p, "doctor")) {
		fprintf(stderr, "pecctl doctor: %s (%s) has no doctor operation, so its pages cannot "
			"be checked; update its plugin, or leave it out with --provider\n",
			p->title, p->name);
		if (!t->worst)
			t->worst = EXIT_UNSUPPORTED;
		if (entry) {
			cJSON *e = cJSON_AddObjectToObject(entry, "error");
			cJSON_AddStringToObject(e, "code", PECCTL_E_UNSUPPORTED);
			cJSON_AddStringToObject(e, "message", "no doctor operation");
		}
		return;
	}
	if (call_doctor(p, a->account ? a->account : "", password, &result, &err) != 0) {
		fprintf(stderr, "pecctl doctor: %s: %s\n", p->name, err.message);
		if (!t->worst)
			t->worst = exitcode_for_error(err.code);
		if (entry) {
			cJSON *e = cJSON_AddObjectToObject(entry, "error");
			cJSON_AddStringToObject(e, "code", err.code);
			cJSON_AddStringToObject(e, "message", err.message);
		}
		return;
	}
	checks = cJSON_DetachItemFromObjectCaseSensitive(result, "checks");
	cJSON_Delete(result);
	if (!cJSON_IsArray(checks)) {
		cJSON_Delete(checks);
		checks = cJSON_CreateArray();
	}
	tally_checks(checks, &mine);
	t->ok += mine.ok;
	t->failed += mine.failed;
	t->skipped += mine.skipped;
	t->changed |= mine.changed;
	if (!t->worst)
		t->worst = mine.worst;
	if (entry) {
		cJSON_AddItemToObject(entry, "checks", checks);
		return;
	}
	print_checks(checks, m);
	cJSON_Delete(checks);
}

static void print_summary(const struct doctor_tally *t)
{
	printf("%d check%s: %d ok, %d failed, %d skipped", t->ok + t->failed + t->skipped,
	       t->ok + t->failed + t->skipped == 1 ? "" : "s", t->ok, t->failed, t->skipped);
	if (t->changed)
		fputs(" — the portal changed: follow it with config lines "
		      "(see the provider's README) or update the plugin", stdout);
	else if (!t->failed)
		fputs(" — everything the plugins rely on is where they expect it", stdout);
	putchar('\n');
}

static void print_json(cJSON *report, const struct doctor_tally *t)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *summary;
	char *text;

	cJSON_AddItemToObject(out, "providers", report);
	summary = cJSON_AddObjectToObject(out, "summary");
	cJSON_AddNumberToObject(summary, "ok", t->ok);
	cJSON_AddNumberToObject(summary, "failed", t->failed);
	cJSON_AddNumberToObject(summary, "skipped", t->skipped);
	cJSON_AddBoolToObject(summary, "portal_changed", t->changed);
	text = cJSON_Print(out);
	if (!text)
		abort();
	fputs(text, stdout);
	putchar('\n');
	free(text);
	cJSON_Delete(out);
}

static int run_doctor(int argc, char **argv)
{
	struct doctor_args a = { NULL, NULL, 0 };
	struct doctor_tally t = { 0, 0, 0, 0, 0 };
	struct doctor_marks m = pick_marks();
	const struct pecctl_provider *only = NULL;
	struct secret *password = NULL;
	cJSON *report = NULL;
	int code;

	if (cli_help_requested(&command_doctor, argc, argv))
		return cli_finish_stdout(0);
	if ((code = parse_doctor_args(argc, argv, &a)) != 0)
		return code;
	plugins_load_path(pecctl_opts.plugin_path);
	if (registry_count() == 0) {
		fprintf(stderr, "pecctl doctor: no provider is loaded from %s; build the plugins "
			"with 'make' or point --plugin-path at the directory holding them\n",
			pecctl_opts.plugin_path ? pecctl_opts.plugin_path : "the plugin path");
		return EXIT_CONFIG;
	}
	if (pecctl_opts.provider && !(only = registry_find(pecctl_opts.provider)))
		return cli_usage_error(&command_doctor, "no provider named '%s' is loaded "
				       "('pecctl providers' lists them)", pecctl_opts.provider);
	if (a.account && !only && !(only = registry_for_account(a.account)))
		return cli_usage_error(&command_doctor, "no provider serves '%s'; name one with "
				       "--provider", a.account);
	if (a.account && !(password = account_password(&a, &code)))
		return code;
	signals_install();
	if (a.json)
		report = cJSON_CreateArray();
	for (size_t i = 0; i < registry_count(); i++) {
		const struct pecctl_provider *p = registry_get(i);

		if (only && p != only)
			continue;
		if (!a.json && (only ? 0 : i > 0))
			putchar('\n');
		doctor_provider(p, &a, password, &m, report, &t);
	}
	secret_free(password);
	if (a.json)
		print_json(report, &t);
	else
		print_summary(&t);
	if (signals_interrupted())
		return cli_finish_stdout(EXIT_INTERRUPTED);
	return cli_finish_stdout(t.changed ? EXIT_PROTOCOL : t.worst);
}

const struct command command_doctor = {
	"doctor",
	"check that each portal still has the pages, forms and fields its plugin relies on",
	"usage: pecctl doctor [--provider NAME] [--account ADDR [--secret REF]] [--json]\n"
	"\n"
	"For each page and API a provider plugin depends on, fetch it and report\n"
	"what still matches and what no longer does: a missing form, a renamed\n"
	"field, a missing element, a message the portal rewrote, a JSON key that\n"
	"is gone. Nothing is changed: only GET requests, plus the logins when an\n"
	"account is given. Without an account only the login pages are checked;\n"
	"the pages behind the login are reported as skipped.\n"
	"\n"
	"    --provider NAME   only this provider (default: every provider, or the\n"
	"                      one serving --account)\n"
	"    --account ADDR    a test mailbox to log in with\n"
	"    --secret REF      its password: env:VAR, file:PATH, cmd:COMMAND,\n"
	"                      vault:KEY or prompt: (default: the vault, else the\n"
	"                      terminal)\n"
	"    --json            one JSON object: the checks of each provider, each\n"
	"                      {site, page, what, ok, detail} (and skipped, code)\n"
	"\n"
	"Exit status: 0 when everything matches, 76 when the portal changed (a\n"
	"check failed), 69 when a provider has no doctor operation, 77 when the\n"
	"login was refused, 75 for network trouble, 64 for a bad command line.\n",
	run_doctor,
};
