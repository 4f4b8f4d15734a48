/* pecctl script FILE.lua [ARGS...]: run a Lua file with the pecctl API. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "exitcode.h"
#include "lua_api.h"
#include "lua_runtime.h"
#include "registry.h"
#include "options.h"

static int run_script(int argc, char **argv)
{
	struct pecctl_error err = { 0 };
	lua_State *L;
	int status, code = 0;

	if (cli_help_requested(&command_script, argc, argv))
		return cli_finish_stdout(0);
	if (argc < 2)
		return cli_usage_error(&command_script, "which Lua file? as in 'pecctl script check.lua'");
	plugins_load_path(pecctl_opts.plugin_path);
	L = runtime_new();
	if (!L)
		return EXIT_SOFTWARE;
	if (runtime_load_file(L, argv[1], &err) != 0) {
		fprintf(stderr, "pecctl script: %s\n", err.message);
		runtime_close(L);
		return exitcode_for_error(err.code);
	}
	/* arg[0] is the script, arg[1..] its arguments, as with the lua command. */
	lua_createtable(L, argc - 2, 1);
	for (int i = 1; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - 1);
	}
	lua_setglobal(L, "arg");
	for (int i = 2; i < argc; i++)
		lua_pushstring(L, argv[i]);
	status = runtime_pcall(L, argc - 2, 0);
	if (status != LUA_OK) {
		lua_to_error(L, -1, &err);
		runtime_report_error(L, -1, argv[1]);
		code = lua_istable(L, -1) ? exitcode_for_error(err.code) : EXIT_SOFTWARE;
	}
	runtime_close(L);
	return cli_finish_stdout(code);
}

const struct command command_script = {
	"script",
	"run a Lua file with the pecctl API (for custom procedures and checks)",
	"usage: pecctl script FILE.lua [ARGS...]\n"
	"\n"
	"Run FILE.lua with the global table `pecctl` (sessions, HTML, JSON, secrets,\n"
	"providers, prompts, log) and `arg` holding ARGS. Global options such as\n"
	"--sandbox and --cacert apply. Put ARGS after `--` if they look like options.\n"
	"\n"
	"Exit status: 0 when the script ends normally; 70 when it raises an error\n"
	"(or the exit code for the error's code when it raises an error table).\n",
	run_script,
};
