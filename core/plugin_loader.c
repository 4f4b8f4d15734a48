/*
 * Provider plugins: find them, check they are safe to load and built for
 * this ABI, run their init, and keep the providers they register.
 *
 * A plugin runs with the user's rights and sees their passwords, so it is
 * only loaded from a file and directory nobody else can write, optionally
 * pinned by sha256. Once its init has run it is never unloaded: pointers
 * into it (names, operations, policies) live until exit.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "log.h"
#include "policy.h"
#include "registry.h"

#define PROVIDER_NAME_MAX 32
/* The struct as ABI 1.0 defined it: plugins built for 1.0 pass this much,
 * whatever later minors append. */
#define PROVIDER_SIZE_1_0 (offsetof(struct pecctl_provider, n_operations) + sizeof(size_t))

struct registry_entry {
	struct pecctl_provider provider;          /* host-sized copy, zero-filled */
	struct pecctl_password_policy policy;     /* copy; provider.policy points here */
	char *file;
};

/* Handed to one plugin's init; registration is only open while it runs. */
struct pecctl_registry {
	const char *file;
	int open;
};

static struct registry_entry **entries;
static size_t n_entries, cap_entries;

/* Every plugin file and directory already looked at (real paths), so that
 * loading the same path twice is harmless and reports nothing twice. */
struct seen {
	char *path;
	int loaded;
};
static struct seen *seen;
static size_t n_seen, cap_seen;

struct allow_entry {
	char digest[65];
	char *name;  /* basename */
};
static struct allow_entry *allow;
static size_t n_allow;
static int allow_state;  /* 0 not read yet, 1 none, 2 read, -1 unusable */
static char allow_path[PATH_MAX];
static char allow_problem[2 * PATH_MAX + 128];

static void *xrealloc_array(void *p, size_t n, size_t size)
{
	void *q;

	if (n && size > SIZE_MAX / n)
		abort();
	q = realloc(p, n * size);
	if (!q && n)
		abort();
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static void set_err(struct pecctl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct pecctl_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static struct seen *seen_find(const char *path)
{
	size_t i;

	for (i = 0; i < n_seen; i++)
		if (strcmp(seen[i].path, path) == 0)
			return &seen[i];
	return NULL;
}

static struct seen *seen_add(const char *path, int loaded)
{
	if (n_seen == cap_seen) {
		cap_seen = cap_seen ? 2 * cap_seen : 16;
		seen = xrealloc_array(seen, cap_seen, sizeof(*seen));
	}
	seen[n_seen].path = xstrdup(path);
	seen[n_seen].loaded = loaded;
	return &seen[n_seen++];
}

/* --- trust: ownership and permissions --- */

/* 0 when st (of path, a "plugin" or "plugin directory") is owned by us or
 * root and writable by nobody else; -1 and err saying what to run. */
static int check_trusted(const char *what, const char *path, const struct stat *st,
			 struct pecctl_error *err)
{
	uid_t me = geteuid();

	if (st->st_uid != me && st->st_uid != 0) {
		set_err(err, "%s %s is owned by uid %lu, not by you (uid %lu) or root; refusing to "
			"load plugins someone else controls; run 'chown %lu %s' or move the plugin "
			"to a directory of your own", what, path, (unsigned long)st->st_uid,
			(unsigned long)me, (unsigned long)me, path);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		set_err(err, "%s %s is writable by %s, so it could be swapped for other code; "
			"run 'chmod go-w %s'", what, path,
			(st->st_mode & S_IWOTH) ? "everyone" : "its group", path);
		return -1;
	}
	return 0;
}

static int check_directory(const char *dir, struct pecctl_error *err)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		set_err(err, "cannot read plugin directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, "plugin directory %s is not a directory; check --plugin-path", dir);
		return -1;
	}
	return check_trusted("plugin directory", dir, &st, err);
}

/* --- the sha256 allow-list --- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int is_hex64(const char *s)
{
	int i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

/* Lines as sha256sum prints them: "<hex>  <file>" (or " *<file>"); blank
 * lines and # comments are skipped. Reads the list once. */
static void allow_list_load(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char line[PATH_MAX + 128];
	struct stat st;
	FILE *f;
	int fd, lineno = 0;

	if (allow_state != 0)
		return;
	allow_state = 1;
	if (xdg && *xdg)
		snprintf(allow_path, sizeof(allow_path), "%s/pecctl/plugins.allow", xdg);
	else if (home && *home)
		snprintf(allow_path, sizeof(allow_path), "%s/.config/pecctl/plugins.allow", home);
	else
		return;
	fd = open(allow_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			allow_state = -1;
			snprintf(allow_problem, sizeof(allow_problem), "cannot read %s: %s",
				 allow_path, strerror(errno));
		}
		return;
	}
	/* An allow-list others can edit pins nothing: refuse every plugin. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		allow_state = -1;
		snprintf(allow_problem, sizeof(allow_problem),
			 "the allow-list %s is not a file only you can write; run 'chmod go-w %s'",
			 allow_path, allow_path);
		close(fd);
		return;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		allow_state = -1;
		snprintf(allow_problem, sizeof(allow_problem), "cannot read %s: %s", allow_path,
			 strerror(errno));
		return;
	}
	allow_state = 2;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *name, *end;
		size_t i;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\n' || *p == '#')
			continue;
		end = p + strlen(p);
		while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
				   end[-1] == '\t'))
			*--end = '\0';
		if (strlen(p) < 66 || !is_hex64(p) || (p[64] != ' ' && p[64] != '\t')) {
			log_printf(PECCTL_LOG_WARN, NULL, "%s:%d: expected '<sha256 hex>  <file name>' "
				   "as sha256sum prints it; line ignored", allow_path, lineno);
			continue;
		}
		name = p + 64;
		while (*name == ' ' || *name == '\t')
			name++;
		if (*name == '*')
			name++;
		if (*name == '\0')
			continue;
		allow = xrealloc_array(allow, n_allow + 1, sizeof(*allow));
		for (i = 0; i < 64; i++)
			allow[n_allow].digest[i] = (char)(p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 'a' : p[i]);
		allow[n_allow].digest[64] = '\0';
		allow[n_allow].name = xstrdup(base_name(name));
		n_allow++;
	}
	fclose(f);
}

static int sha256_fd(int fd, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], out[crypto_hash_sha256_BYTES];
	ssize_t n;

	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
	}
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
	return 0;
}

/* 0 when there is no allow-list or it lists this file's digest. */
static int check_allowed(const char *path, const char *listed_as, int fd, struct pecctl_error *err)
{
	char hex[65];
	size_t i;

	allow_list_load();
	if (allow_state == 1)
		return 0;
	if (allow_state < 0) {
		set_err(err, "plugin %s refused: %s", path, allow_problem);
		return -1;
	}
	if (sha256_fd(fd, hex) < 0) {
		set_err(err, "cannot read plugin %s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n_allow; i++)
		if (strcmp(allow[i].digest, hex) == 0 &&
		    (strcmp(allow[i].name, base_name(path)) == 0 ||
		     strcmp(allow[i].name, base_name(listed_as)) == 0))
			return 0;
	set_err(err, "plugin %s (sha256 %s) is not in the allow-list %s; if you trust it, add "
		"the line '%s  %s' (sha256sum prints it)", path, hex, allow_path, hex,
		base_name(listed_as));
	return -1;
}

/* --- the registry --- */

static int valid_identifier(const char *s, size_t max)
{
	size_t i;

	if (!s || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= max || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
				  s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int refuse_provider(const struct pecctl_registry *reg, const char *name,
			   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse_provider(const struct pecctl_registry *reg, const char *name,
			   const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_printf(PECCTL_LOG_WARN, NULL, "plugin %s: provider '%s' refused: %s",
		   reg && reg->file ? reg->file : "(unknown)", name ? name : "(no name)", why);
	return -1;
}

static int validate_provider(const struct pecctl_registry *reg, const struct pecctl_provider *p)
{
	const char *name = p->name;
	struct pecctl_error err;
	size_t i, j;

	if (p->size < PROVIDER_SIZE_1_0)
		return refuse_provider(reg, NULL, "struct size is %zu, this pecctl expects at least "
				       "%zu; set size = sizeof(struct pecctl_provider)", p->size,
				       PROVIDER_SIZE_1_0);
	if (!valid_identifier(name, PROVIDER_NAME_MAX))
		return refuse_provider(reg, NULL, "name %s%s%s is not a lower-case identifier of at "
				       "most %d characters (a-z, 0-9, _ and -)", name ? "'" : "",
				       name ? name : "NULL", name ? "'" : "", PROVIDER_NAME_MAX);
	if (!p->domains || !p->domains[0])
		return refuse_provider(reg, name, "it lists no mailbox domains (domains must be a "
				       "NULL-terminated array with at least one entry)");
	for (i = 0; p->domains[i]; i++)
		if (!*p->domains[i] || strchr(p->domains[i], '@') || strchr(p->domains[i], ' '))
			return refuse_provider(reg, name, "domain %zu '%s' is not a domain name", i,
					       p->domains[i]);
	for (i = 0; p->hosts && p->hosts[i]; i++)
		if (!*p->hosts[i] || strchr(p->hosts[i], '/') || strchr(p->hosts[i], ' '))
			return refuse_provider(reg, name, "host %zu '%s' is not a host name", i,
					       p->hosts[i]);
	if (p->policy && policy_validate(p->policy, &err) < 0)
		return refuse_provider(reg, name, "%s", err.message);
	if (p->logins_per_minute < 0 || p->max_concurrency < 0)
		return refuse_provider(reg, name, "negative rate limit (logins_per_minute %d, "
				       "max_concurrency %d)", p->logins_per_minute, p->max_concurrency);
	if (p->n_operations == 0 || !p->operations)
		return refuse_provider(reg, name, "it declares no operations");
	for (i = 0; i < p->n_operations; i++) {
		const struct pecctl_operation *op = &p->operations[i];
		if (!valid_identifier(op->name, 64))
			return refuse_provider(reg, name, "operation %zu has no valid name "
					       "(lower case, a-z, 0-9, _ and -)", i);
		if (!op->run)
			return refuse_provider(reg, name, "operation '%s' has no run function", op->name);
		for (j = 0; j < i; j++)
			if (strcmp(p->operations[j].name, op->name) == 0)
				return refuse_provider(reg, name, "operation '%s' is declared twice",
						       op->name);
	}
	for (i = 0; i < n_entries; i++)
		if (strcasecmp(entries[i]->provider.name, name) == 0)
			return refuse_provider(reg, name, "a provider with this name is already loaded "
					       "from %s; remove one of the two plugins from the plugin path",
					       entries[i]->file);
	return 0;
}

int registry_register_provider(struct pecctl_registry *reg, const struct pecctl_provider *p)
{
	struct registry_entry *e;

	if (!reg || !reg->open) {
		log_printf(PECCTL_LOG_WARN, NULL, "plugin %s: register_provider called outside "
			   "pecctl_plugin_init; ignored", reg && reg->file ? reg->file : "(unknown)");
		return -1;
	}
	if (!p)
		return refuse_provider(reg, NULL, "register_provider was given NULL");
	if (validate_provider(reg, p) < 0)
		return -1;

	e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	/* A plugin built for an older minor passes a shorter struct; the
	 * fields it does not know stay zero. */
	memcpy(&e->provider, p, p->size < sizeof(e->provider) ? p->size : sizeof(e->provider));
	e->provider.size = sizeof(e->provider);
	if (!e->provider.title)
		e->provider.title = e->provider.name;
	if (p->policy) {
		memcpy(&e->policy, p->policy,
		       p->policy->size < sizeof(e->policy) ? p->policy->size : sizeof(e->policy));
		e->policy.size = sizeof(e->policy);
		e->provider.policy = &e->policy;
	}
	e->file = xstrdup(reg->file);
	if (n_entries == cap_entries) {
		cap_entries = cap_entries ? 2 * cap_entries : 8;
		entries = xrealloc_array(entries, cap_entries, sizeof(*entries));
	}
	entries[n_entries++] = e;
	log_printf(PECCTL_LOG_DEBUG, NULL, "provider %s registered by %s", e->provider.name, e->file);
	return 0;
}

/* Forget the providers a failed init registered before failing. */
static void registry_truncate(size_t n)
{
	while (n_entries > n) {
		struct registry_entry *e = entries[--n_entries];
		free(e->file);
		free(e);
	}
}

size_t registry_count(void)
{
	return n_entries;
}

const struct pecctl_provider *registry_get(size_t i)
{
	return i < n_entries ? &entries[i]->provider : NULL;
}

const char *registry_plugin_file(size_t i)
{
	return i < n_entries ? entries[i]->file : NULL;
}

const struct pecctl_provider *registry_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < n_entries; i++)
		if (strcasecmp(entries[i]->provider.name, name) == 0)
			return &entries[i]->provider;
	return NULL;
}

const struct pecctl_provider *registry_for_account(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	size_t i, j;

	if (!at || !at[1])
		return NULL;
	/* Exact domains only: "PEC su dominio" mailboxes name their provider
	 * with --provider or the inventory, which the caller looks up first. */
	for (i = 0; i < n_entries; i++) {
		const char *const *d = entries[i]->provider.domains;
		for (j = 0; d[j]; j++)
			if (strcasecmp(d[j], at + 1) == 0)
				return &entries[i]->provider;
	}
	return NULL;
}

const struct pecctl_operation *provider_operation(const struct pecctl_provider *p, const char *name)
{
	size_t i;

	if (!p || !name)
		return NULL;
	for (i = 0; i < p->n_operations; i++)
		if (strcmp(p->operations[i].name, name) == 0)
			return &p->operations[i];
	return NULL;
}

/* --- loading --- */

/* Opened and checked, not yet initialised: safe to dlclose on refusal. */
static int open_checked(const char *real, const char *listed_as, struct pecctl_error *err)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", real);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	if (check_directory(dir, err) < 0)
		return -1;

	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		set_err(err, "cannot open plugin %s: %s", real, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		set_err(err, "plugin %s is not a regular file; remove it from the plugin directory", real);
		close(fd);
		return -1;
	}
	if (check_trusted("plugin", real, &st, err) < 0 ||
	    check_allowed(real, listed_as, fd, err) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int plugin_load_file(const char *path, struct pecctl_error *err)
{
	char real[PATH_MAX];
	const uint32_t *version;
	pecctl_plugin_init_fn init;
	/* Static, not on the stack: a plugin that keeps the pointer and calls
	 * register_provider after init is refused rather than reading a
	 * dead frame. */
	static struct pecctl_registry reg;
	struct seen *s;
	size_t before;
	uint32_t major, minor;
	void *handle;
	int rc;

	if (!realpath(path, real)) {
		set_err(err, "cannot open plugin %s: %s", path, strerror(errno));
		return -1;
	}
	s = seen_find(real);
	if (s) {
		if (s->loaded)
			return 0;
		set_err(err, "plugin %s was refused earlier; see the message above", real);
		return -1;
	}
	if (open_checked(real, path, err) < 0) {
		seen_add(real, 0);
		return -1;
	}

	dlerror();
	handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();
		size_t n = strlen(real);
		/* dlerror starts with the path, already in our message. */
		if (why && strncmp(why, real, n) == 0 && strncmp(why + n, ": ", 2) == 0)
			why += n + 2;
		set_err(err, "cannot load plugin %s: %s; fix its build or remove it from the plugin path", real,
			why ? why : "unknown dlopen error");
		seen_add(real, 0);
		return -1;
	}
	version = dlsym(handle, "pecctl_plugin_abi_version");
	if (!version) {
		set_err(err, "plugin %s does not export pecctl_plugin_abi_version, so its ABI is "
			"unknown; rebuild it with PECCTL_PLUGIN_DECLARE() from pecctl/plugin.h", real);
		goto refuse;
	}
	major = *version >> 16;
	minor = *version & 0xffff;
	if (major != PECCTL_ABI_MAJOR || minor > PECCTL_ABI_MINOR) {
		set_err(err, "plugin %s was built for ABI %u.%u, this pecctl provides %u.%u; %s", real,
			(unsigned)major, (unsigned)minor, (unsigned)PECCTL_ABI_MAJOR,
			(unsigned)PECCTL_ABI_MINOR,
			major == PECCTL_ABI_MAJOR ? "upgrade pecctl or rebuild the plugin against this "
						    "pecctl's pecctl/plugin.h"
						  : "rebuild the plugin against this pecctl's pecctl/plugin.h");
		goto refuse;
	}
	init = (pecctl_plugin_init_fn)dlsym(handle, "pecctl_plugin_init");
	if (!init) {
		set_err(err, "plugin %s does not export pecctl_plugin_init; define it (see "
			"pecctl/plugin.h) and build without hiding it", real);
		goto refuse;
	}

	reg.file = real;
	reg.open = 1;
	before = n_entries;
	rc = init(&pecctl_host_table, &reg);
	reg.open = 0;
	reg.file = NULL;
	/* From here on the plugin's code may be referenced (atexit, threads):
	 * it stays mapped whatever happens. */
	if (rc != 0) {
		registry_truncate(before);
		set_err(err, "plugin %s: pecctl_plugin_init failed (returned %d); its providers are "
			"not available; see the messages above", real, rc);
		seen_add(real, 0);
		return -1;
	}
	if (n_entries == before)
		log_printf(PECCTL_LOG_WARN, NULL, "plugin %s registered no provider", real);
	seen_add(real, 1);
	return 0;

refuse:
	dlclose(handle);
	seen_add(real, 0);
	return -1;
}

static int is_plugin_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

static int load_directory(const char *dir)
{
	char real[PATH_MAX], file[PATH_MAX + 256];
	struct dirent **names = NULL;
	struct pecctl_error err;
	int n, i, refused = 0;

	if (!realpath(dir, real)) {
		/* The default path names directories that often do not exist
		 * (the build tree, the install prefix): say so only with -v. */
		log_printf(errno == ENOENT ? PECCTL_LOG_INFO : PECCTL_LOG_WARN, NULL,
			   "plugin directory %s: %s", dir, strerror(errno));
		return 0;
	}
	if (seen_find(real))
		return 0;
	seen_add(real, 1);
	if (check_directory(real, &err) < 0) {
		log_printf(PECCTL_LOG_WARN, NULL, "%s; no plugin loaded from it", err.message);
		return 1;
	}
	n = scandir(real, &names, is_plugin_name, alphasort);
	if (n < 0) {
		log_printf(PECCTL_LOG_WARN, NULL, "cannot list plugin directory %s: %s", real,
			   strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", real, names[i]->d_name);
		free(names[i]);
		if (plugin_load_file(file, &err) < 0) {
			log_printf(PECCTL_LOG_WARN, NULL, "%s", err.message);
			refused++;
		}
	}
	free(names);
	return refused;
}

int plugins_load_path(const char *path_list)
{
	const char *p, *end;
	char dir[PATH_MAX];
	int refused = 0;

	if (!path_list)
		path_list = getenv("PECCTL_PLUGIN_PATH");
#ifdef PECCTL_DEFAULT_PLUGIN_DIR
	if (!path_list)
		path_list = PECCTL_DEFAULT_PLUGIN_DIR;
#endif
	if (!path_list)
		return 0;
	if (sodium_init() < 0) {
		log_printf(PECCTL_LOG_ERROR, NULL, "cannot initialise libsodium; no plugin loaded");
		return 1;
	}
	for (p = path_list; *p; p = *end ? end + 1 : end) {
		size_t len;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0)
			continue;
		if (len >= sizeof(dir)) {
			log_printf(PECCTL_LOG_WARN, NULL, "plugin directory name too long in the "
				   "plugin path; skipped");
			continue;
		}
		memcpy(dir, p, len);
		dir[len] = '\0';
		refused += load_directory(dir);
	}
	return refused;
}
