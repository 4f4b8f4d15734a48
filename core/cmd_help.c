/* pecctl help [COMMAND]: the list of commands, global options, exit codes. */
#include <stdio.h>
#include "cli.h"
#include "exitcode.h"

static const char global_options[] =
	"Global options (before or after the command):\n"
	"  --sandbox HOST:PORT   send every provider host to this emulator (real hostnames, TLS)\n"
	"  --cacert FILE         trust this CA bundle (e.g. the emulator's ca.pem)\n"
	"  --timeout SECONDS     per-request timeout (default 30)\n"
	"  --provider NAME       provider of the account, instead of guessing from its domain\n"
	"  --otp-command CMD     command that prints a one-time code (PECCTL_PROMPT says which)\n"
	"  --plugin-path DIRS    colon-separated plugin directories\n"
	"  --script-path DIRS    colon-separated procedure script directories\n"
	"  -v, -vv               more log output (info, debug); -q: errors only\n"
	"  --log-format text|json  log lines as text or as JSON objects (stderr)\n"
	"  --har FILE            write every HTTP exchange to FILE, a HAR 1.2 trace (secrets masked)\n"
	"  --replay FILE.har     answer requests from a HAR trace instead of the network\n"
	"  --vault FILE          the encrypted vault (default $XDG_DATA_HOME/pecctl/vault)\n"
	"  --passphrase-file F   read the vault passphrase from F\n"
	"\n"
	"Exit codes: 0 ok, 1 portal refused, 20 needs a human, 21 denied, 22 expired,\n"
	"23 outcome unknown, 64 usage, 65 bad input or policy, 66 missing file,\n"
	"69 unsupported by provider, 70 internal or script error, 73 cannot create,\n"
	"74 i/o error, 75 network/timeout/rate limited,\n"
	"76 portal changed, 77 authentication failed, 78 configuration, 130 interrupted.\n";

static void print_overview(void)
{
	printf("usage: pecctl [global options] COMMAND [options]\n\n"
	       "pecctl runs account procedures on PEC (certified email) mailboxes.\n\nCommands:\n");
	for (const struct command *const *c = commands; *c; c++)
		printf("  %-12s %s\n", (*c)->name, (*c)->summary);
	printf("\nRun 'pecctl COMMAND -h' for a command's options.\n\n%s", global_options);
}

static int run_help(int argc, char **argv)
{
	const struct command *cmd;

	if (cli_help_requested(&command_help, argc, argv))
		return cli_finish_stdout(0);
	if (argc < 2) {
		print_overview();
		return cli_finish_stdout(0);
	}
	cmd = command_find(argv[1]);
	if (!cmd)
		return cli_usage_error(&command_help, "no such command '%s'", argv[1]);
	fputs(cmd->usage, stdout);
	return cli_finish_stdout(0);
}

const struct command command_help = {
	"help",
	"list the commands, global options and exit codes",
	"usage: pecctl help [COMMAND]\n"
	"\n"
	"Without COMMAND, list every command, the global options and the exit codes.\n",
	run_help,
};

void help_print_overview(void)
{
	print_overview();
}
