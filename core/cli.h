#ifndef PECCTL_CLI_H
#define PECCTL_CLI_H
#include <stdio.h>

/* Subcommands: one file each (cmd_<name>.c), listed in commands.c. main has
 * already removed the global options (wherever they stood) from argv, so a
 * command sees argv[0] = its name and its own arguments only. */
struct command {
	const char *name;
	const char *summary;  /* one line for `pecctl help` */
	const char *usage;    /* full text printed by -h / --help */
	int (*run)(int argc, char **argv);  /* returns an exit code (exitcode.h) */
};

extern const struct command *const commands[];  /* ends with NULL */
const struct command *command_find(const char *name);

/* Print the usage on stdout and return 1 when argv asks for help. */
int cli_help_requested(const struct command *cmd, int argc, char **argv);
/* "pecctl CMD: message" on stderr plus "see 'pecctl CMD -h'"; returns EXIT_USAGE. */
int cli_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Flush stdout and report a write error (full disk, closed pipe): git's
 * habit, so that exit 0 means the output really went out. */
int cli_finish_stdout(int code);

/* The list of commands and global options (`pecctl help`). */
void help_print_overview(void);

#define COMMAND_DECLARE(id) extern const struct command command_##id
COMMAND_DECLARE(version);
COMMAND_DECLARE(help);
COMMAND_DECLARE(providers);
COMMAND_DECLARE(procedures);
COMMAND_DECLARE(run);
COMMAND_DECLARE(batch);
COMMAND_DECLARE(script);
COMMAND_DECLARE(repl);
COMMAND_DECLARE(vault);
COMMAND_DECLARE(doctor);

#endif
