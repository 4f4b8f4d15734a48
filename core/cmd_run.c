/* pecctl run PROCEDURE --account ADDR [--param k=v]... : one procedure on one mailbox. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "exitcode.h"
#include "lua_api.h"
#include "lua_runtime.h"
#include "options.h"
#include "procedure.h"
#include "registry.h"
#include "signals.h"

struct run_args {
	const char *procedure;
	const char *account;
	const char *secret;
	int check;
	int json;
};

/* Parses argv; --param values go straight into the params table on the
 * top of the Lua stack. Returns 0 or an exit code. */
static int parse_run_args(lua_State *L, int argc, char **argv, struct run_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(arg, "--check") == 0) {
			a->check = 1;
		} else if (strcmp(arg, "--json") == 0) {
			a->json = 1;
		} else if (strcmp(arg, "--account") == 0 || strcmp(arg, "--secret") == 0 ||
			   strcmp(arg, "--param") == 0) {
			if (!value)
				return cli_usage_error(&command_run, "%s needs a value", arg);
			i++;
			if (strcmp(arg, "--account") == 0) {
				a->account = value;
			} else if (strcmp(arg, "--secret") == 0) {
				a->secret = value;
			} else {
				const char *eq = strchr(value, '=');
				if (!eq || eq == value)
					return cli_usage_error(&command_run, "--param wants NAME=VALUE, not '%s'", value);
				lua_pushlstring(L, value, (size_t)(eq - value));
				lua_pushstring(L, eq + 1);
				lua_settable(L, -3);
			}
		} else if (arg[0] == '-') {
			return cli_usage_error(&command_run, "unknown option '%s'", arg);
		} else if (!a->procedure) {
			a->procedure = arg;
		} else {
			return cli_usage_error(&command_run, "unexpected argument '%s'", arg);
		}
	}
	if (!a->procedure)
		return cli_usage_error(&command_run, "which procedure? 'pecctl procedures' lists them");
	if (!a->account)
		return cli_usage_error(&command_run, "which mailbox? give --account ADDRESS");
	return 0;
}

/* Builds the options table for runner.run, params table at index -1. */
static void push_run_options(lua_State *L, const struct run_args *a)
{
	lua_createtable(L, 0, 6);
	lua_insert(L, -2);
	lua_setfield(L, -2, "params");
	lua_pushstring(L, a->account);
	lua_setfield(L, -2, "account");
	if (pecctl_opts.provider) {
		lua_pushstring(L, pecctl_opts.provider);
		lua_setfield(L, -2, "provider");
	}
	if (a->secret) {
		lua_pushstring(L, a->secret);
		lua_setfield(L, -2, "secret");
	}
	lua_pushboolean(L, a->check);
	lua_setfield(L, -2, "check");
	lua_pushboolean(L, a->json);
	lua_setfield(L, -2, "json");
}

static int run_procedure(lua_State *L, const struct run_args *a)
{
	struct pecctl_error err = { 0 };
	char path[4200];
	int code;

	if (procedure_find(a->procedure, path, sizeof(path), &err) != 0) {
		fprintf(stderr, "pecctl run: %s\n", err.message);
		return EXIT_USAGE;
	}
	lua_getglobal(L, "require");
	lua_pushliteral(L, "pecctl.runner");
	lua_call(L, 1, 1);
	lua_insert(L, -2);                                  /* runner, params */
	if (procedure_load(L, path, &err) != 0) {
		fprintf(stderr, "pecctl run: %s\n", err.message);
		return EXIT_SOFTWARE;
	}
	lua_insert(L, -2);                                  /* runner, proc, params */
	push_run_options(L, a);                             /* runner, proc, opts */
	lua_getfield(L, -3, "run");
	lua_pushvalue(L, -3);
	lua_pushvalue(L, -3);
	signals_install();
	if (runtime_pcall(L, 2, 2) != LUA_OK) {
		runtime_report_error(L, -1, a->procedure);
		return signals_interrupted() ? EXIT_INTERRUPTED : EXIT_SOFTWARE;
	}
	/* stack: runner, proc, opts, result, err */
	code = 0;
	if (lua_isnil(L, -2)) {
		lua_to_error(L, -1, &err);
		code = exitcode_for_error(err.code);
	}
	lua_getfield(L, -5, "report");
	for (int i = 0; i < 4; i++)
		lua_pushvalue(L, -5);
	if (runtime_pcall(L, 4, 0) != LUA_OK) {
		runtime_report_error(L, -1, a->procedure);
		return EXIT_SOFTWARE;
	}
	return code;
}

static int run_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	lua_State *L;
	int code;

	if (cli_help_requested(&command_run, argc, argv))
		return cli_finish_stdout(0);
	L = runtime_new();
	if (!L)
		return EXIT_SOFTWARE;
	lua_newtable(L);
	code = parse_run_args(L, argc, argv, &a);
	if (code == 0) {
		plugins_load_path(pecctl_opts.plugin_path);
		code = run_procedure(L, &a);
	}
	runtime_close(L);
	return cli_finish_stdout(code);
}

const struct command command_run = {
	"run",
	"run a procedure on one mailbox",
	"usage: pecctl run PROCEDURE --account ADDRESS [options]\n"
	"\n"
	"Run PROCEDURE (see 'pecctl procedures') on the mailbox ADDRESS. The\n"
	"provider is chosen from the address's domain unless --provider NAME.\n"
	"\n"
	"  --account ADDRESS   the mailbox (required)\n"
	"  --param NAME=VALUE  a procedure parameter; for secret parameters VALUE is\n"
	"                      a reference: env:VAR, file:PATH, cmd:COMMAND or prompt:\n"
	"  --secret REF        where the mailbox's current password comes from\n"
	"                      (default prompt: on a terminal)\n"
	"  --check             log in, reach every form, validate inputs, and show what\n"
	"                      would be submitted; change nothing\n"
	"  --json              print the outcome as one JSON object\n"
	"\n"
	"Secrets are never accepted on the command line itself.\n"
	"Exit codes: see 'pecctl help'.\n",
	run_run,
};
