/* The user's configuration file (see config.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#define CONFIG_MAX_ENTRIES 256

struct entry {
	char *key;
	char *value;
};

static struct entry entries[CONFIG_MAX_ENTRIES];
static size_t n_entries;

const char *config_dir(void)
{
	static char dir[4096];
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/pecctl", xdg);
	else
		snprintf(dir, sizeof(dir), "%s/.config/pecctl", home ? home : ".");
	return dir;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int config_load(void)
{
	char path[4200], line[1024];
	unsigned lineno = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/config", config_dir());
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : (fprintf(stderr, "pecctl: cannot read %s: %s\n", path,
						      strerror(errno)), -1);
	while (fgets(line, sizeof(line), f)) {
		char *key, *value, *eq;

		lineno++;
		key = trim(line);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			fprintf(stderr, "pecctl: %s:%u: expected \"key = value\"\n", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (n_entries == CONFIG_MAX_ENTRIES) {
			fprintf(stderr, "pecctl: %s:%u: more than %d settings\n", path, lineno,
				CONFIG_MAX_ENTRIES);
			fclose(f);
			return -1;
		}
		entries[n_entries].key = strdup(key);
		entries[n_entries].value = strdup(value);
		n_entries++;
	}
	fclose(f);
	return 0;
}

const char *config_get(const char *key)
{
	/* Last one wins, as when a line is added at the end to override. */
	for (size_t i = n_entries; i-- > 0;)
		if (strcmp(entries[i].key, key) == 0)
			return entries[i].value;
	return NULL;
}

void config_release(void)
{
	for (size_t i = 0; i < n_entries; i++) {
		free(entries[i].key);
		free(entries[i].value);
	}
	n_entries = 0;
}
