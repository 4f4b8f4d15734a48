/* The command table: every subcommand, in the order `pecctl help` lists them. */
#include <stddef.h>
#include "cli.h"

const struct command *const commands[] = {
	&command_run,
	&command_batch,
	&command_procedures,
	&command_providers,
	&command_script,
	&command_repl,
	&command_vault,
	&command_doctor,
	&command_version,
	&command_help,
	NULL,
};
