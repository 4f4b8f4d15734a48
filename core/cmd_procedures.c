/* pecctl procedures: the procedure scripts on the script path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "cli.h"
#include "exitcode.h"
#include "lua_api.h"
#include "lua_runtime.h"
#include "procedure.h"

struct listing {
	lua_State *L;
	cJSON *json;  /* NULL for text output */
	int broken;
};

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The params table at the top of the stack, in name order, as
 * "name  help [secret] [optional]" lines or JSON objects. */
static void describe_params(lua_State *L, cJSON *json_params)
{
	const char *names[128];
	size_t n = 0;

	lua_pushnil(L);
	while (lua_next(L, -2) && n < 128) {
		/* keys are strings anchored in the params table, so the pointers hold */
		if (lua_type(L, -2) == LUA_TSTRING)
			names[n++] = lua_tostring(L, -2);
		lua_pop(L, 1);
	}
	qsort(names, n, sizeof(names[0]), compare_names);
	for (size_t i = 0; i < n; i++) {
		const char *help;
		int secret, optional;

		lua_getfield(L, -1, names[i]);
		lua_getfield(L, -1, "secret");
		secret = lua_toboolean(L, -1);
		lua_getfield(L, -2, "optional");
		optional = lua_toboolean(L, -1);
		lua_getfield(L, -3, "help");
		help = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
		if (json_params) {
			cJSON *p = cJSON_AddObjectToObject(json_params, names[i]);
			cJSON_AddBoolToObject(p, "secret", secret);
			cJSON_AddBoolToObject(p, "optional", optional);
			cJSON_AddStringToObject(p, "help", help);
		} else {
			printf("      %-18s %s%s%s\n", names[i], help,
			       secret ? " [secret: give a reference like env:VAR]" : "",
			       optional ? " [optional]" : "");
		}
		lua_pop(L, 4);
	}
}

static void list_one(const char *name, const char *path, void *ud)
{
	struct listing *ls = ud;
	struct pecctl_error err = { 0 };
	int changes;

	if (procedure_load(ls->L, path, &err) != 0) {
		fprintf(stderr, "pecctl procedures: skipping %s\n", err.message);
		ls->broken++;
		return;
	}
	lua_getfield(ls->L, -1, "changes_state");
	changes = lua_toboolean(ls->L, -1);
	lua_pop(ls->L, 1);
	lua_getfield(ls->L, -1, "summary");
	if (ls->json) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", name);
		cJSON_AddStringToObject(p, "summary", lua_tostring(ls->L, -1));
		cJSON_AddBoolToObject(p, "changes_state", changes);
		cJSON_AddStringToObject(p, "file", path);
		lua_getfield(ls->L, -2, "params");
		if (lua_istable(ls->L, -1))
			describe_params(ls->L, cJSON_AddObjectToObject(p, "params"));
		lua_pop(ls->L, 1);
		cJSON_AddItemToArray(ls->json, p);
	} else {
		printf("%-22s %s%s\n", name, lua_tostring(ls->L, -1), changes ? "" : " (read-only)");
		lua_getfield(ls->L, -2, "params");
		if (lua_istable(ls->L, -1))
			describe_params(ls->L, NULL);
		lua_pop(ls->L, 1);
	}
	lua_pop(ls->L, 2);
}

static int run_procedures(int argc, char **argv)
{
	struct listing ls = { 0 };
	size_t found;

	if (cli_help_requested(&command_procedures, argc, argv))
		return cli_finish_stdout(0);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ls.json = cJSON_CreateArray();
		else
			return cli_usage_error(&command_procedures, "unknown option '%s'", argv[i]);
	}
	ls.L = runtime_new();
	if (!ls.L)
		return EXIT_SOFTWARE;
	found = procedure_each(list_one, &ls);
	runtime_close(ls.L);
	if (ls.json) {
		char *text = cJSON_Print(ls.json);
		puts(text);
		cJSON_free(text);
		cJSON_Delete(ls.json);
	} else if (found == 0) {
		fprintf(stderr, "pecctl procedures: no procedure scripts found; set --script-path\n");
		return EXIT_CONFIG;
	}
	return cli_finish_stdout(ls.broken ? EXIT_SOFTWARE : 0);
}

const struct command command_procedures = {
	"procedures",
	"list the procedures that can be run, with their parameters",
	"usage: pecctl procedures [--json]\n"
	"\n"
	"List the procedure scripts found on the script path (--script-path,\n"
	"PECCTL_SCRIPT_PATH), each with its summary and parameters.\n"
	"\n"
	"  --json   machine-readable output\n",
	run_procedures,
};
