#ifndef PECCTL_OPTIONS_H
#define PECCTL_OPTIONS_H
#include <stddef.h>

/* Global options: set from the command line (before or after the
 * subcommand, git-style), the environment and $XDG_CONFIG_HOME/pecctl/. */
struct pecctl_options {
	const char *sandbox;      /* HOST:PORT every provider host is mapped to */
	const char *cacert;       /* CA bundle to trust instead of the system's */
	long timeout_s;           /* per request */
	int verbosity;            /* -1 quiet, 0 normal, 1 verbose, 2 debug */
	int log_json;             /* --log-format json */
	int color;                /* 0 when NO_COLOR is set or stderr is not a TTY */
	const char *plugin_path;  /* colon-separated directories */
	const char *script_path;  /* colon-separated directories */
	const char *provider;     /* --provider, overrides the domain lookup */
	const char *otp_command;  /* --otp-command: prints a code on stdout */
	size_t max_body;          /* cap on a response body, bytes */
	const char *har;          /* --har FILE: record every exchange there */
	const char *replay;       /* --replay FILE.har: answer from it, not the network */
};

/* The one instance, filled by main before any subcommand runs. */
extern struct pecctl_options pecctl_opts;

#endif
