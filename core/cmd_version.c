/* pecctl version: the version and the ABI it offers plugins. */
#include <stdio.h>
#include "cli.h"
#include "pecctl/plugin.h"

static int run_version(int argc, char **argv)
{
	if (cli_help_requested(&command_version, argc, argv))
		return cli_finish_stdout(0);
	if (argc > 1)
		return cli_usage_error(&command_version, "unexpected argument '%s'", argv[1]);
	printf("pecctl %s (plugin ABI %d.%d)\n", PECCTL_VERSION, PECCTL_ABI_MAJOR, PECCTL_ABI_MINOR);
	return cli_finish_stdout(0);
}

const struct command command_version = {
	"version",
	"print the version of pecctl and of its plugin ABI",
	"usage: pecctl version\n"
	"\n"
	"Print pecctl's version and the plugin ABI version it provides.\n",
	run_version,
};
