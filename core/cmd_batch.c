/* pecctl batch PROCEDURE --inventory FILE.csv: one procedure over many
 * mailboxes (the pieces are described in batch.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch.h"
#include "cli.h"
#include "exitcode.h"
#include "lua_api.h"
#include "lua_runtime.h"
#include "options.h"
#include "procedure.h"
#include "prompt.h"
#include "registry.h"
#include "signals.h"
#include "vault.h"

#define BATCH_MAX_PARALLEL 256

struct batch_args {
	const char *procedure;
	const char *inventory;
	const char *limit;
	const char *report;
	const char *journal;
	long parallel;
	long max_pending;
	int resume, retry_failed, check, strict;
};

static int parse_number(const char *opt, const char *value, long min, long max, long *out)
{
	char *end;
	long v = strtol(value, &end, 10);

	if (end == value || *end || v < min || v > max)
		return cli_usage_error(&command_batch, "%s wants a whole number from %ld to %ld, not '%s'",
				       opt, min, max, value);
	*out = v;
	return 0;
}

static int parse_batch_args(int argc, char **argv, struct batch_args *a)
{
	static const char *const valued[] = { "--inventory", "--parallel", "--limit", "--report",
					      "--journal", "--max-pending-approvals", NULL };

	a->parallel = 4;
	a->max_pending = 2;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		int takes = 0;

		for (const char *const *v = valued; *v; v++)
			if (strcmp(arg, *v) == 0)
				takes = 1;
		if (takes) {
			if (i + 1 >= argc)
				return cli_usage_error(&command_batch, "%s needs a value", arg);
			value = argv[++i];
		}
		if (strcmp(arg, "--inventory") == 0) {
			a->inventory = value;
		} else if (strcmp(arg, "--parallel") == 0) {
			if (parse_number(arg, value, 1, BATCH_MAX_PARALLEL, &a->parallel))
				return EXIT_USAGE;
		} else if (strcmp(arg, "--max-pending-approvals") == 0) {
			if (parse_number(arg, value, 1, 64, &a->max_pending))
				return EXIT_USAGE;
		} else if (strcmp(arg, "--limit") == 0) {
			a->limit = value;
		} else if (strcmp(arg, "--report") == 0) {
			size_t n = strlen(value);
			if (!(n > 4 && (strcmp(value + n - 4, ".csv") == 0 ||
					(n > 5 && strcmp(value + n - 5, ".json") == 0))))
				return cli_usage_error(&command_batch,
						       "--report wants a file ending in .csv or .json, not '%s'",
						       value);
			a->report = value;
		} else if (strcmp(arg, "--journal") == 0) {
			a->journal = value;
		} else if (strcmp(arg, "--resume") == 0) {
			a->resume = 1;
		} else if (strcmp(arg, "--retry-failed") == 0) {
			a->retry_failed = 1;
			a->resume = 1;
		} else if (strcmp(arg, "--check") == 0) {
			a->check = 1;
		} else if (strcmp(arg, "--strict") == 0) {
			a->strict = 1;
		} else if (arg[0] == '-') {
			return cli_usage_error(&command_batch, "unknown option '%s'", arg);
		} else if (!a->procedure) {
			a->procedure = arg;
		} else {
			return cli_usage_error(&command_batch, "unexpected argument '%s'", arg);
		}
	}
	if (!a->procedure)
		return cli_usage_error(&command_batch, "which procedure? 'pecctl procedures' lists them");
	if (!a->inventory)
		return cli_usage_error(&command_batch,
				       "which mailboxes? give --inventory FILE.csv (columns: account, "
				       "provider, secret, param.NAME)");
	if (a->check && a->resume)
		return cli_usage_error(&command_batch, "--check changes nothing and keeps no journal: "
				       "it cannot be combined with --resume or --retry-failed");
	return 0;
}

/* What the procedure declares: whether it changes state, rotates
 * passwords, and which parameters the inventory may fill. */
static int inspect_procedure(struct batch *b, struct pecctl_error *err)
{
	lua_State *L = runtime_new();
	int rc = 0;

	if (!L)
		return pecctl_error_set(err, PECCTL_E_INTERNAL, "out of memory"), -1;
	if (procedure_load(L, b->procedure_path, err) != 0) {
		runtime_close(L);
		return -1;
	}
	lua_getfield(L, -1, "changes_state");
	b->changes_state = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, -1, "operations") == LUA_TTABLE) {
		for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
			const char *op = lua_tostring(L, -1);
			if (strcmp(op, "change_password") == 0 || strcmp(op, "domain_password_set") == 0)
				b->rotation = 1;
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	lua_getfield(L, -1, "params");
	for (size_t i = 0; i < b->inv.n_params; i++) {
		int declared = 0;

		if (lua_istable(L, -1)) {
			declared = lua_getfield(L, -1, b->inv.param_names[i]) != LUA_TNIL;
			lua_pop(L, 1);
		}
		if (!declared) {
			snprintf(err->message, sizeof(err->message),
				 "the inventory has a column param.%s, but %s has no parameter '%s'; "
				 "'pecctl procedures' lists its parameters",
				 b->inv.param_names[i], b->procedure, b->inv.param_names[i]);
			snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
			rc = -1;
			break;
		}
	}
	runtime_close(L);
	return rc;
}

static const char *provider_of(const struct inventory_row *row)
{
	const struct pecctl_provider *p;

	if (row->provider)
		p = registry_find(row->provider);
	else if (pecctl_opts.provider)
		p = registry_find(pecctl_opts.provider);
	else
		p = registry_for_account(row->account);
	return p ? p->name : NULL;
}

/* --limit, then providers: rows no provider serves become problems. */
static void select_rows(struct batch *b, const char *limit)
{
	struct inventory *inv = &b->inv;

	for (size_t i = 0; i < inv->n_rows;) {
		struct inventory_row *row = &inv->rows[i];

		if (limit && fnmatch(limit, row->account, FNM_CASEFOLD) != 0) {
			inventory_reject_row(inv, i, "not selected by --limit");
			inv->problems[inv->n_problems - 1].line = -1;  /* dropped, not reported */
			continue;
		}
		if (!provider_of(row)) {
			if (row->provider || pecctl_opts.provider)
				inventory_reject_row(inv, i, "unknown provider '%s'; 'pecctl providers' lists them",
						     row->provider ? row->provider : pecctl_opts.provider);
			else
				inventory_reject_row(inv, i, "no provider serves '%s'; add a provider column",
						     row->account);
			continue;
		}
		i++;
	}
	if (limit) {
		/* problems of rows the pattern does not select are not this run's */
		size_t out = 0;

		for (size_t i = 0; i < inv->n_problems; i++) {
			struct inventory_problem *pb = &inv->problems[i];

			if (pb->line < 0 || (pb->account && fnmatch(limit, pb->account, FNM_CASEFOLD) != 0)) {
				free(pb->account);
				continue;
			}
			inv->problems[out++] = *pb;
		}
		inv->n_problems = out;
	}
}

static int compare_jobs(const void *x, const void *y)
{
	const struct batch_job *a = x, *b = y;

	return a->line < b->line ? -1 : a->line > b->line;
}

static int make_jobs(struct batch *b)
{
	struct inventory *inv = &b->inv;
	size_t n = 0;

	b->jobs = calloc(inv->n_rows + inv->n_problems + 1, sizeof(*b->jobs));
	if (!b->jobs)
		return -1;
	for (size_t i = 0; i < inv->n_rows; i++) {
		struct batch_job *job = &b->jobs[n++];

		job->row = i;
		job->account = inv->rows[i].account;
		job->provider = provider_of(&inv->rows[i]);
		job->line = inv->rows[i].line;
	}
	for (size_t i = 0; i < inv->n_problems; i++) {
		struct batch_job *job = &b->jobs[n++];

		job->row = (size_t)-1;
		job->account = inv->problems[i].account ? inv->problems[i].account : "";
		job->line = inv->problems[i].line;
		job->status = BATCH_FAILED;
		snprintf(job->code, sizeof(job->code), "%s", PECCTL_E_INVALID);
		snprintf(job->message, sizeof(job->message), "%s", inv->problems[i].message);
	}
	b->n_jobs = n;
	qsort(b->jobs, n, sizeof(*b->jobs), compare_jobs);
	return 0;
}

/* Jobs already final before any worker starts (problems, resumed). */
static void count_final(struct batch *b)
{
	for (size_t i = 0; i < b->n_jobs; i++) {
		switch (b->jobs[i].status) {
		case BATCH_PENDING: case BATCH_RUNNING: continue;
		case BATCH_OK: b->n_ok++; break;
		case BATCH_FAILED: b->n_failed++; break;
		case BATCH_NEEDS_ACTION: b->n_needs_action++; break;
		case BATCH_SKIPPED: b->n_skipped++; break;
		}
		b->n_done++;
	}
}

/* Decided before the run (resume, needs a person): journaled as ended. */
static void journal_decided(struct batch *b)
{
	for (size_t i = 0; i < b->n_jobs; i++)
		if (b->jobs[i].status == BATCH_NEEDS_ACTION && b->jobs[i].row != (size_t)-1)
			batch_journal_end(b->journal, &b->jobs[i]);
}

static int run_batch(struct batch *b, const struct batch_args *a)
{
	struct pecctl_error err = { 0 };
	char journal_path[4200];
	int interrupted, code;

	if (procedure_find(a->procedure, b->procedure_path, sizeof(b->procedure_path), &err) != 0) {
		fprintf(stderr, "pecctl batch: %s\n", err.message);
		return EXIT_USAGE;
	}
	if (inventory_load(a->inventory, &b->inv, &err) != 0) {
		fprintf(stderr, "pecctl batch: %s\n", err.message);
		return strcmp(err.code, "noinput") == 0 ? EXIT_NOINPUT : EXIT_DATAERR;
	}
	if (inspect_procedure(b, &err) != 0) {
		fprintf(stderr, "pecctl batch: %s\n", err.message);
		return strcmp(err.code, PECCTL_E_INVALID) == 0 ? EXIT_DATAERR : EXIT_SOFTWARE;
	}
	plugins_load_path(pecctl_opts.plugin_path);
	select_rows(b, a->limit);
	for (size_t i = 0; i < b->inv.n_problems; i++)
		fprintf(stderr, "pecctl batch: %s: %s\n", a->inventory, b->inv.problems[i].message);
	if (a->strict && b->inv.n_problems) {
		fprintf(stderr, "pecctl batch: %zu row%s of %s cannot run; nothing was run (--strict)\n",
			b->inv.n_problems, b->inv.n_problems == 1 ? "" : "s", a->inventory);
		return EXIT_DATAERR;
	}
	if (make_jobs(b) != 0) {
		fprintf(stderr, "pecctl batch: out of memory\n");
		return EXIT_SOFTWARE;
	}
	if (b->inv.n_rows == 0 && b->n_jobs == 0) {
		fprintf(stderr, "pecctl batch: %s lists no mailbox%s\n", a->inventory,
			a->limit ? " that --limit selects" : "");
		return EXIT_DATAERR;
	}

	if (!a->check) {
		if (a->journal)
			snprintf(journal_path, sizeof(journal_path), "%s", a->journal);
		else if (batch_journal_default_path(b->procedure, a->inventory, journal_path,
						    sizeof(journal_path)) != 0) {
			fprintf(stderr, "pecctl batch: no place for the journal (XDG_STATE_HOME and HOME "
				"are unset); give one with --journal FILE\n");
			return EXIT_CONFIG;
		}
		b->journal = batch_journal_open(journal_path, a->resume, &err);
		if (!b->journal) {
			fprintf(stderr, "pecctl batch: %s\n", err.message);
			return strcmp(err.code, PECCTL_E_RATE_LIMITED) == 0 ? EXIT_TEMPFAIL : EXIT_IOERR;
		}
		if (a->resume) {
			batch_journal_apply(b->journal, b, a->retry_failed);
		} else if (b->changes_state && batch_journal_interrupted_count(b->journal, b) > 0) {
			fprintf(stderr, "pecctl batch: the journal %s shows an earlier run of %s that was "
				"cut off with %d mailbox%s in the middle of a change: continue it with "
				"--resume (which checks them first), or remove the journal to start over\n",
				journal_path, b->procedure, batch_journal_interrupted_count(b->journal, b),
				batch_journal_interrupted_count(b->journal, b) == 1 ? "" : "es");
			return EXIT_USAGE;
		}
		if (batch_journal_run(b->journal, b, a->resume, a->limit) != 0)
			return EXIT_IOERR;
		journal_decided(b);
	}

	/* One person at one terminal, or nobody: then whatever needs a person
	 * is reported, not waited for. */
	b->humans = prompt_has_tty();
	if (!b->humans) {
		setenv("PECCTL_NO_TTY", "1", 1);
		prompt_set_humans(0);
	}
	b->vault = vault_hold_presence();
	b->max_pending_approvals = (int)a->max_pending;
	b->check = a->check;
	b->parallel = (int)a->parallel;
	count_final(b);
	if ((size_t)b->parallel > b->n_jobs - b->n_done && b->n_jobs > b->n_done)
		b->parallel = (int)(b->n_jobs - b->n_done);
	if (batch_limits_setup(b) != 0 || batch_share_init(b) != 0) {
		fprintf(stderr, "pecctl batch: cannot set up libcurl's shared state\n");
		return EXIT_SOFTWARE;
	}
	signals_install();
	b->started_at = batch_now();
	b->progress = batch_progress_new(b);
	if (b->n_done < b->n_jobs && batch_run_workers(b) != 0) {
		fprintf(stderr, "pecctl batch: cannot start worker threads\n");
		return EXIT_OSERR;
	}
	interrupted = signals_interrupted() || b->stopping;
	for (size_t i = 0; i < b->n_jobs; i++) {
		struct batch_job *job = &b->jobs[i];

		if (job->status != BATCH_PENDING && job->status != BATCH_RUNNING)
			continue;
		if (interrupted) {
			job->status = BATCH_SKIPPED;
			snprintf(job->code, sizeof(job->code), "interrupted");
			snprintf(job->message, sizeof(job->message),
				 "not started: the batch was interrupted; --resume runs it");
		} else {
			job->status = BATCH_FAILED;
			snprintf(job->code, sizeof(job->code), "%s", PECCTL_E_INTERNAL);
			snprintf(job->message, sizeof(job->message),
				 "not run: no worker could start (see the errors above)");
		}
	}
	batch_progress_free(b->progress);
	b->progress = NULL;
	code = batch_exit_code(b, interrupted);
	if (a->report && batch_report_write(b, a->report, &err) != 0) {
		fprintf(stderr, "pecctl batch: %s\n", err.message);
		if (code == 0)
			code = EXIT_CANTCREAT;
	}
	batch_summary_print(b, stdout, interrupted);
	if (b->journal && !a->check && code != 0 && !interrupted)
		fprintf(stderr, "pecctl batch: journal %s; --resume --retry-failed runs the failed ones again\n",
			batch_journal_path(b->journal));
	return code;
}

static int run_batch_command(int argc, char **argv)
{
	struct batch_args a;
	struct batch b;
	int code;

	if (cli_help_requested(&command_batch, argc, argv))
		return cli_finish_stdout(0);
	memset(&a, 0, sizeof(a));
	code = parse_batch_args(argc, argv, &a);
	if (code != 0)
		return code;
	memset(&b, 0, sizeof(b));
	b.procedure = a.procedure;
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.changed, NULL);
	pthread_cond_init(&b.worker_gone, NULL);
	code = run_batch(&b, &a);
	if (b.share)
		batch_share_release(&b);
	batch_progress_free(b.progress);
	batch_journal_close(b.journal);
	free(b.jobs);
	free(b.limits);
	inventory_release(&b.inv);
	pthread_cond_destroy(&b.changed);
	pthread_cond_destroy(&b.worker_gone);
	pthread_mutex_destroy(&b.lock);
	return cli_finish_stdout(code);
}

const struct command command_batch = {
	"batch",
	"run a procedure on many mailboxes",
	"usage: pecctl batch PROCEDURE --inventory FILE.csv [options]\n"
	"\n"
	"Run PROCEDURE on every mailbox of an inventory, several at a time, within\n"
	"each provider's limits, keeping a journal so that an interrupted batch can\n"
	"be resumed.\n"
	"\n"
	"  --inventory FILE.csv    the mailboxes: a CSV file whose first line names the\n"
	"                          columns: account (required), provider, secret (a\n"
	"                          reference: env:VAR, file:PATH, cmd:COMMAND, vault:KEY,\n"
	"                          prompt:; never a password) and param.NAME for the\n"
	"                          procedure's parameters\n"
	"  --parallel N            mailboxes at a time (default 4, at most 256); each\n"
	"                          provider's own limits apply on top\n"
	"  --limit PATTERN         only the accounts matching a shell glob, e.g. '*@pec.it'\n"
	"  --resume                continue the last run: skip the mailboxes it finished,\n"
	"                          check the ones it left in the middle\n"
	"  --retry-failed          with --resume, run the failed ones again too\n"
	"  --report FILE.csv|.json one row per mailbox: account, provider, status (ok,\n"
	"                          failed, needs-action, skipped), code, message,\n"
	"                          duration, requests\n"
	"  --journal FILE          where the journal goes (default\n"
	"                          $XDG_STATE_HOME/pecctl/batch/PROCEDURE-INVENTORY.jsonl)\n"
	"  --check                 as 'pecctl run --check' for each mailbox; no journal\n"
	"  --strict                run nothing when a row of the inventory is malformed\n"
	"  --max-pending-approvals N\n"
	"                          people waited for at once (app approvals, codes) before\n"
	"                          no new mailbox of such a provider starts (default 2)\n"
	"\n"
	"Without a terminal, a mailbox that needs a person (an app approval, a code)\n"
	"is reported needs-action instead of waited for. Provider limits come from\n"
	"the plugins; the configuration file can change them, e.g.\n"
	"'aruba.logins_per_minute = 30' or 'aruba.max_concurrency = 4'.\n"
	"\n"
	"Ctrl-C starts no new mailbox, lets the running ones finish, writes the\n"
	"report and exits 130.\n"
	"Exit codes: 0 all ok, 1 some failed (a malformed row counts), 20 some need\n"
	"action and none failed, 64 usage, 65 malformed inventory (header, or any row\n"
	"with --strict), 66 no inventory, 130 interrupted.\n",
	run_batch_command,
};
