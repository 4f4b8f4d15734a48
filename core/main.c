/*
 * pecctl: entry point. Takes the global options out of argv wherever they
 * stand (git-style: before or after the subcommand, up to a "--"), applies
 * the configuration file and the environment, then dispatches.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "cli.h"
#include "config.h"
#include "exitcode.h"
#include "har.h"
#include "http.h"
#include "log.h"
#include "options.h"
#include "vault.h"

struct pecctl_options pecctl_opts = {
	.timeout_s = 30,
	.max_body = 8 * 1024 * 1024,
};

/* Default search paths work from the build tree (build/pecctl finds
 * build/plugins and scripts/) and from an installed prefix. */
static char default_plugin_path[3 * PATH_MAX];
static char default_script_path[3 * PATH_MAX];

static void set_default_paths(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0) {
		exe[0] = '.';
		n = 1;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(default_plugin_path, sizeof(default_plugin_path), "%s/plugins:%s",
		 exe, PECCTL_DEFAULT_PLUGIN_DIR);
	snprintf(default_script_path, sizeof(default_script_path), "%s/../scripts:%s",
		 exe, PECCTL_DEFAULT_SCRIPT_DIR);
}

/* Options whose value is the next argument (or after '='). */
static const char *const valued_options[] = {
	"--sandbox", "--cacert", "--timeout", "--log-format", "--plugin-path",
	"--script-path", "--provider", "--otp-command", "--har", "--replay", "--vault",
	"--passphrase-file", NULL,
};

static int apply_option(const char *name, const char *value)
{
	char *end;

	if (strcmp(name, "--sandbox") == 0) {
		if (!strchr(value, ':')) {
			fprintf(stderr, "pecctl: --sandbox wants HOST:PORT, as in 127.0.0.1:8443\n");
			return -1;
		}
		pecctl_opts.sandbox = value;
	} else if (strcmp(name, "--cacert") == 0) {
		if (access(value, R_OK) != 0) {
			fprintf(stderr, "pecctl: --cacert %s: cannot read that file\n", value);
			return -1;
		}
		pecctl_opts.cacert = value;
	} else if (strcmp(name, "--timeout") == 0) {
		long t = strtol(value, &end, 10);
		if (*end || t <= 0 || t > 3600) {
			fprintf(stderr, "pecctl: --timeout wants whole seconds between 1 and 3600, not '%s'\n", value);
			return -1;
		}
		pecctl_opts.timeout_s = t;
	} else if (strcmp(name, "--log-format") == 0) {
		if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0) {
			fprintf(stderr, "pecctl: --log-format is text or json, not '%s'\n", value);
			return -1;
		}
		pecctl_opts.log_json = strcmp(value, "json") == 0;
	} else if (strcmp(name, "--plugin-path") == 0) {
		pecctl_opts.plugin_path = value;
	} else if (strcmp(name, "--script-path") == 0) {
		pecctl_opts.script_path = value;
	} else if (strcmp(name, "--provider") == 0) {
		pecctl_opts.provider = value;
	} else if (strcmp(name, "--vault") == 0) {
		vault_set_path(value);
	} else if (strcmp(name, "--passphrase-file") == 0) {
		vault_set_passphrase_file(value);
	} else if (strcmp(name, "--otp-command") == 0) {
		pecctl_opts.otp_command = value;
	} else if (strcmp(name, "--har") == 0) {
		pecctl_opts.har = value;
	} else if (strcmp(name, "--replay") == 0) {
		pecctl_opts.replay = value;
	}
	return 0;
}

/* A valued option at argv[i] ("--x v" or "--x=v"): returns how many
 * arguments it used (1 or 2), 0 when argv[i] is not one, -1 on error. */
static int take_valued_option(int argc, char **argv, int i)
{
	for (const char *const *o = valued_options; *o; o++) {
		size_t len = strlen(*o);
		if (strncmp(argv[i], *o, len) != 0)
			continue;
		if (argv[i][len] == '=')
			return apply_option(*o, argv[i] + len + 1) == 0 ? 1 : -1;
		if (argv[i][len] != '\0')
			continue;
		if (i + 1 >= argc) {
			fprintf(stderr, "pecctl: %s needs a value\n", *o);
			return -1;
		}
		return apply_option(*o, argv[i + 1]) == 0 ? 2 : -1;
	}
	return 0;
}

/* Removes the global options from argv in place; returns the new argc or -1. */
static int take_global_options(int argc, char **argv)
{
	int out = 1, passthrough = 0;

	for (int i = 1; i < argc;) {
		int used;

		if (passthrough) {
			argv[out++] = argv[i++];
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			passthrough = 1;
			argv[out++] = argv[i++];
			continue;
		}
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
			pecctl_opts.verbosity = -1;
			i++;
			continue;
		}
		if (strcmp(argv[i], "--verbose") == 0 ||
		    (argv[i][0] == '-' && argv[i][1] == 'v' && strspn(argv[i] + 1, "v") == strlen(argv[i] + 1))) {
			pecctl_opts.verbosity += argv[i][1] == '-' ? 1 : (int)strlen(argv[i] + 1);
			i++;
			continue;
		}
		used = take_valued_option(argc, argv, i);
		if (used < 0)
			return -1;
		if (used == 0)
			argv[out++] = argv[i++];
		else
			i += used;
	}
	argv[out] = NULL;
	return out;
}

/* The configuration file and the environment give defaults; the command
 * line, parsed afterwards, overrides them. */
static int apply_config_and_environment(void)
{
	static const struct {
		const char *key;
		const char *option;
	} settings[] = {
		{ "sandbox", "--sandbox" }, { "cacert", "--cacert" }, { "timeout", "--timeout" },
		{ "log_format", "--log-format" }, { "plugin_path", "--plugin-path" },
		{ "script_path", "--script-path" }, { "otp_command", "--otp-command" },
		{ "vault", "--vault" },
	};
	const char *env;

	if (config_load() != 0)
		return -1;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const char *value = config_get(settings[i].key);
		if (value && apply_option(settings[i].option, value) != 0)
			return -1;
	}
	if ((env = getenv("PECCTL_PLUGIN_PATH")) && *env)
		pecctl_opts.plugin_path = env;
	if ((env = getenv("PECCTL_SCRIPT_PATH")) && *env)
		pecctl_opts.script_path = env;
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	int code;

	set_default_paths();
	pecctl_opts.plugin_path = default_plugin_path;
	pecctl_opts.script_path = default_script_path;
	if (apply_config_and_environment() != 0)
		return EXIT_CONFIG;
	argc = take_global_options(argc, argv);
	if (argc < 0)
		return EXIT_USAGE;
	pecctl_opts.color = !getenv("NO_COLOR") && isatty(STDERR_FILENO);
	log_configure(pecctl_opts.verbosity, pecctl_opts.log_json, pecctl_opts.color);

	if (argc < 2) {
		help_print_overview();
		return cli_finish_stdout(EXIT_USAGE);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		help_print_overview();
		return cli_finish_stdout(0);
	}
	if (strcmp(argv[1], "--version") == 0)
		argv[1] = (char *)"version";
	cmd = command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "pecctl: '%s' is not a command; see 'pecctl help'\n", argv[1]);
		return EXIT_USAGE;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "pecctl: libsodium failed to initialise\n");
		return EXIT_OSERR;
	}
	code = har_setup();
	if (code == 0)
		code = cmd->run(argc - 1, argv + 1);
	if (har_finish() != 0 && code == 0)
		code = EXIT_CANTCREAT;
	http_global_release();
	config_release();
	return code;
}
