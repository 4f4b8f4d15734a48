/*
 * core/lua_bytecode.c alone, TAP on stdout: a chunk kept by one Lua state
 * is loaded by another without its source, only while the file's stamp is
 * the same, and keeps its line information.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lauxlib.h>
#include <lualib.h>

#include "tap.h"
#include "lua_bytecode.h"

static void write_file(const char *path, const char *text, long mtime_s)
{
	FILE *f = fopen(path, "w");
	struct timespec times[2] = { { mtime_s, 0 }, { mtime_s, 0 } };

	fputs(text, f);
	fclose(f);
	utimensat(AT_FDCWD, path, times, 0);
}

static struct bytecode_stamp stamp_of(const char *path)
{
	struct bytecode_stamp st;
	int fd = open(path, O_RDONLY);

	bytecode_stamp_file(fd, &st);
	close(fd);
	return st;
}

/* Loads path through the cache as lua_runtime.c does; the chunk's result. */
static lua_Integer run_file(const char *path)
{
	lua_State *L = luaL_newstate();
	struct bytecode_stamp st = stamp_of(path);
	char chunkname[512];
	lua_Integer v = -1;

	snprintf(chunkname, sizeof(chunkname), "@%s", path);
	if (bytecode_load_kept(L, chunkname, &st, chunkname) != 0) {
		if (luaL_loadfilex(L, path, "t") != LUA_OK) {
			lua_close(L);
			return -1;
		}
		bytecode_keep(L, chunkname, &st);
	}
	if (lua_pcall(L, 0, 1, 0) == LUA_OK)
		v = lua_tointeger(L, -1);
	lua_close(L);
	return v;
}

int main(void)
{
	static const char failing[] = "local x = 1\nerror('boom')\n";
	char dir[] = "/tmp/bytecode-test.XXXXXX", path[256];
	struct bytecode_stamp none = { 0 }, st;
	lua_State *L;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/p.lua", dir);

	write_file(path, "return 1\n", 1000000);
	ok(run_file(path) == 1, "a script runs");
	/* same size and time, other text: the kept chunk is what runs */
	write_file(path, "return 2\n", 1000000);
	ok(run_file(path) == 1, "a second state runs the kept chunk, not the source");
	write_file(path, "return 3\n", 1000001);
	ok(run_file(path) == 3, "an edited script (a later time) is compiled again");
	write_file(path, "return 44\n", 1000001);
	ok(run_file(path) == 44, "so is one that changed size");

	st = stamp_of(path);
	L = luaL_newstate();
	ok(bytecode_load_kept(L, "=nothing", &none, "=nothing") == -1 && lua_gettop(L) == 0,
	   "an unknown key pushes nothing");
	ok(bytecode_load_kept(L, "@elsewhere.lua", &st, "@elsewhere.lua") == -1 && lua_gettop(L) == 0,
	   "nor does another file's name with the stamp of one kept");

	/* line information survives: errors still name file and line */
	luaL_loadbuffer(L, failing, strlen(failing), "@where.lua");
	bytecode_keep(L, "@where.lua", &none);
	lua_settop(L, 0);
	lua_close(L);
	L = luaL_newstate();
	luaL_openlibs(L);
	ok(bytecode_load_kept(L, "@where.lua", &none, "@where.lua") == 0, "a kept chunk loads in a new state");
	ok(lua_pcall(L, 0, 0, 0) != LUA_OK && strstr(lua_tostring(L, -1), "where.lua:2:") != NULL,
	   "and its errors still say where.lua:2");
	lua_close(L);

	unlink(path);
	rmdir(dir);
	return tap_done();
}
