/*
 * pecctl.fs: small files a procedure must keep across runs (the migration
 * records), written so that a crash leaves the old file or the new one,
 * never half of either:
 *
 *   pecctl.fs.write_atomic(path, text [, mode]) -> true | nil, err
 *        temp file beside path (mode, default 0600), write, fsync, rename,
 *        fsync the directory
 *   pecctl.fs.read(path)  -> text | nil, err   (err.code "noinput" when absent;
 *        files over 1 MiB are refused)
 *   pecctl.fs.mkdir(path) -> true | nil, err   (missing parents too, 0700)
 *   pecctl.fs.exists(path) -> boolean
 *   pecctl.fs.lock(path)  -> lock | nil, err   an exclusive flock on path (created
 *        0600), held until lock:close(), the end of a `local l <close>` scope or
 *        the collector; err.code "rate_limited" (try again later) when another
 *        process holds it
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lua_api.h"

#define FS_READ_MAX (1024 * 1024)
#define LOCK_TYPE "pecctl.fs.lock"

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The rename is durable only once its directory is on disk too. */
static int sync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int fs_write_atomic(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	size_t len;
	const char *text = luaL_checklstring(L, 2, &len);
	lua_Integer mode = luaL_optinteger(L, 3, 0600);
	size_t plen = strlen(path);
	char *tmp;
	int fd, saved = 0;

	luaL_argcheck(L, mode >= 0 && mode <= 0777, 3, "a file mode such as 384 (0600)");
	luaL_argcheck(L, plen > 0, 1, "empty path");
	tmp = malloc(plen + 16);
	if (!tmp)
		return luaL_error(L, "out of memory");
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		saved = errno;
		free(tmp);
		return lua_push_error_code(L, "io", "cannot write %s: %s", path, strerror(saved));
	}
	if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0)
		saved = errno;
	if (close(fd) != 0 && !saved)
		saved = errno;
	if (!saved && rename(tmp, path) != 0)
		saved = errno;
	if (saved) {
		unlink(tmp);
		free(tmp);
		return lua_push_error_code(L, "io", "cannot write %s: %s", path, strerror(saved));
	}
	free(tmp);
	if (sync_parent_dir(path) != 0)
		return lua_push_error_code(L, "io", "cannot sync the directory of %s: %s", path,
					   strerror(errno));
	lua_pushboolean(L, 1);
	return 1;
}

static int fs_read(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct stat st;
	char *data;
	FILE *f;
	size_t n;
	int failed;

	luaL_checkstack(L, 3, NULL);  /* nothing below may raise while data is held */
	f = fopen(path, "rb");
	if (!f) {
		int saved = errno;

		return lua_push_error_code(L, saved == ENOENT ? "noinput" : "io", "cannot read %s: %s",
					   path, strerror(saved));
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > FS_READ_MAX) {
		fclose(f);
		return lua_push_error_code(L, "io", "cannot read %s: not a regular file of at most %d bytes",
					   path, FS_READ_MAX);
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		fclose(f);
		return luaL_error(L, "out of memory");
	}
	n = fread(data, 1, (size_t)st.st_size + 1, f);
	failed = ferror(f) || n > (size_t)st.st_size;
	fclose(f);
	if (failed) {
		free(data);
		return lua_push_error_code(L, "io", "cannot read %s: it changed while read", path);
	}
	lua_pushlstring(L, data, n);  /* may raise only on memory, like any push */
	free(data);
	return 1;
}

static int fs_mkdir(lua_State *L)
{
	size_t len;
	const char *path = luaL_checklstring(L, 1, &len);
	char copy[PATH_MAX];

	luaL_argcheck(L, len > 0 && len < sizeof(copy), 1, "a path of 1 to PATH_MAX-1 bytes");
	memcpy(copy, path, len + 1);
	for (char *p = copy + 1; ; p++) {
		int end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			return lua_push_error_code(L, "io", "cannot create directory %s: %s", copy,
						   strerror(errno));
		if (end)
			break;
		*p = '/';
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int fs_exists(lua_State *L)
{
	struct stat st;

	lua_pushboolean(L, stat(luaL_checkstring(L, 1), &st) == 0);
	return 1;
}

/* A lock's fd; -1 once released (close is idempotent, __gc doubles as __close). */
static int lock_close(lua_State *L)
{
	int *fd = luaL_checkudata(L, 1, LOCK_TYPE);

	if (*fd >= 0) {
		close(*fd);  /* releases the flock */
		*fd = -1;
	}
	return 0;
}

static int fs_lock(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int *fd;

	/* the userdata first, marked released: a raise cannot leak the fd */
	fd = lua_newuserdatauv(L, sizeof(*fd), 0);
	*fd = -1;
	luaL_setmetatable(L, LOCK_TYPE);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return lua_push_error_code(L, "io", "cannot open the lock %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;

		close(*fd);
		*fd = -1;
		if (saved == EWOULDBLOCK)
			return lua_push_error_code(L, PECCTL_E_RATE_LIMITED,
						   "another pecctl holds %s: wait for it to end", path);
		return lua_push_error_code(L, "io", "cannot lock %s: %s", path, strerror(saved));
	}
	return 1;
}

int lua_open_fs(lua_State *L)
{
	static const luaL_Reg lock_methods[] = {
		{ "close", lock_close },
		{ "__close", lock_close },
		{ "__gc", lock_close },
		{ NULL, NULL },
	};
	static const luaL_Reg functions[] = {
		{ "write_atomic", fs_write_atomic },
		{ "read", fs_read },
		{ "mkdir", fs_mkdir },
		{ "exists", fs_exists },
		{ "lock", fs_lock },
		{ NULL, NULL },
	};

	if (luaL_newmetatable(L, LOCK_TYPE)) {
		luaL_setfuncs(L, lock_methods, 0);
		lua_pushvalue(L, -1);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	luaL_newlib(L, functions);
	return 1;
}
