/* Finding and loading procedure scripts (see procedure.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "lua_runtime.h"
#include "options.h"
#include "procedure.h"

/* Calls fn(dir) for each directory of the colon-separated script path. */
static int for_each_dir(int (*fn)(const char *dir, void *ud), void *ud)
{
	const char *p = pecctl_opts.script_path;

	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char dir[4096];

		if (len > 0 && len < sizeof(dir)) {
			memcpy(dir, p, len);
			dir[len] = '\0';
			if (fn(dir, ud))
				return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

struct find_state {
	const char *name;
	char *path;
	size_t cap;
};

static int find_in_dir(const char *dir, void *ud)
{
	struct find_state *st = ud;
	FILE *f;

	snprintf(st->path, st->cap, "%s/%s.lua", dir, st->name);
	f = fopen(st->path, "r");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

static int valid_name(const char *name)
{
	if (!*name || strlen(name) > 64)
		return 0;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return 0;
	return 1;
}

int procedure_find(const char *name, char *path, size_t cap, struct pecctl_error *err)
{
	struct find_state st = { name, path, cap };

	if (valid_name(name) && for_each_dir(find_in_dir, &st))
		return 0;
	snprintf(err->message, sizeof(err->message),
		 "no procedure named '%s'; 'pecctl procedures' lists them", name);
	snprintf(err->code, sizeof(err->code), "usage");
	return -1;
}

static int check_field(lua_State *L, const char *field, int type, const char *path,
		       struct pecctl_error *err)
{
	int ok;

	lua_getfield(L, -1, field);
	ok = lua_type(L, -1) == type;
	lua_pop(L, 1);
	if (!ok) {
		snprintf(err->message, sizeof(err->message),
			 "%s: the table it returns needs a %s field '%s'", path, lua_typename(L, type), field);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
	}
	return ok;
}

int procedure_load(lua_State *L, const char *path, struct pecctl_error *err)
{
	if (runtime_load_file(L, path, err) != 0)
		return -1;
	if (runtime_pcall(L, 0, 1) != LUA_OK) {
		snprintf(err->message, sizeof(err->message), "%s: %s", path, luaL_tolstring(L, -1, NULL));
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		lua_pop(L, 2);
		return -1;
	}
	if (!lua_istable(L, -1)) {
		snprintf(err->message, sizeof(err->message), "%s: a procedure script must return a table", path);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		lua_pop(L, 1);
		return -1;
	}
	if (!check_field(L, "name", LUA_TSTRING, path, err) ||
	    !check_field(L, "summary", LUA_TSTRING, path, err) ||
	    !check_field(L, "run", LUA_TFUNCTION, path, err)) {
		lua_pop(L, 1);
		return -1;
	}
	return 0;
}

struct each_state {
	void (*fn)(const char *name, const char *path, void *ud);
	void *ud;
	size_t count;
	char seen[256][65];
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir, void *ud)
{
	struct each_state *st = ud;
	struct dirent *e;
	char *names[256];
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < 256) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".lua") == 0)
			names[n++] = strndup(e->d_name, len - 4);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++) {
		size_t j;
		char path[4200];

		for (j = 0; j < st->count && strcmp(st->seen[j], names[i]) != 0; j++)
			;
		if (j == st->count && st->count < 256 && valid_name(names[i])) {
			snprintf(st->seen[st->count++], sizeof(st->seen[0]), "%s", names[i]);
			snprintf(path, sizeof(path), "%s/%s.lua", dir, names[i]);
			st->fn(names[i], path, st->ud);
		}
		free(names[i]);
	}
	return 0;
}

size_t procedure_each(void (*fn)(const char *name, const char *path, void *ud), void *ud)
{
	struct each_state *st = calloc(1, sizeof(*st));
	size_t count;

	if (!st)
		return 0;
	st->fn = fn;
	st->ud = ud;
	for_each_dir(list_dir, st);
	count = st->count;
	free(st);
	return count;
}
