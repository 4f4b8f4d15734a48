/* From the error codes of plugin.h to the exit codes of exitcode.h. */
#include <string.h>
#include "exitcode.h"
#include "pecctl/plugin.h"

static const struct {
	const char *code;
	int exit_code;
} error_exits[] = {
	{ PECCTL_E_AUTH, EXIT_NOPERM },
	{ PECCTL_E_POLICY, EXIT_DATAERR },
	{ PECCTL_E_INVALID, EXIT_DATAERR },
	{ PECCTL_E_NEEDS_HUMAN, EXIT_NEEDS_HUMAN },
	{ PECCTL_E_DENIED, EXIT_DENIED },
	{ PECCTL_E_EXPIRED, EXIT_EXPIRED },
	{ PECCTL_E_PORTAL_CHANGED, EXIT_PROTOCOL },
	{ PECCTL_E_PORTAL, EXIT_PORTAL_REFUSED },
	{ PECCTL_E_NETWORK, EXIT_TEMPFAIL },
	{ PECCTL_E_TIMEOUT, EXIT_TEMPFAIL },
	{ PECCTL_E_RATE_LIMITED, EXIT_TEMPFAIL },
	{ PECCTL_E_UNKNOWN_OUTCOME, EXIT_UNKNOWN_OUTCOME },
	{ PECCTL_E_UNSUPPORTED, EXIT_UNSUPPORTED },
	{ PECCTL_E_INTERNAL, EXIT_SOFTWARE },
	{ "interrupted", EXIT_INTERRUPTED },
	{ "config", EXIT_CONFIG },
	{ "io", EXIT_IOERR },
	{ "noinput", EXIT_NOINPUT },
	{ "usage", EXIT_USAGE },
};

int exitcode_for_error(const char *code)
{
	for (size_t i = 0; code && i < sizeof(error_exits) / sizeof(error_exits[0]); i++)
		if (strcmp(error_exits[i].code, code) == 0)
			return error_exits[i].exit_code;
	return EXIT_SOFTWARE;
}
