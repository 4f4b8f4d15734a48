#ifndef PECCTL_EXITCODE_H
#define PECCTL_EXITCODE_H

/* Exit codes: sysexits(3) where one fits, pecctl's own for outcomes that
 * sysexits has no word for. Documented in README.md; keep them in step. */
enum pecctl_exit {
	EXIT_OK_ = 0,
	EXIT_PORTAL_REFUSED = 1,  /* the portal said no, with a message */
	EXIT_NEEDS_HUMAN = 20,    /* an approval or code is needed and nobody can give it */
	EXIT_DENIED = 21,         /* the approval was denied */
	EXIT_EXPIRED = 22,        /* the approval or code expired */
	EXIT_UNKNOWN_OUTCOME = 23,/* sent, outcome unknown; run `pecctl vault reconcile` */
	EXIT_USAGE = 64,          /* EX_USAGE: bad command line */
	EXIT_DATAERR = 65,        /* EX_DATAERR: input the policy or a parser rejects */
	EXIT_NOINPUT = 66,        /* EX_NOINPUT: a named file is missing */
	EXIT_UNSUPPORTED = 69,    /* EX_UNAVAILABLE: provider lacks the operation */
	EXIT_SOFTWARE = 70,       /* EX_SOFTWARE: a bug, or a script error */
	EXIT_OSERR = 71,          /* EX_OSERR */
	EXIT_CANTCREAT = 73,      /* EX_CANTCREAT */
	EXIT_IOERR = 74,          /* EX_IOERR */
	EXIT_TEMPFAIL = 75,       /* EX_TEMPFAIL: network, timeout, rate limited */
	EXIT_PROTOCOL = 76,       /* EX_PROTOCOL: the portal changed */
	EXIT_NOPERM = 77,         /* EX_NOPERM: authentication failed */
	EXIT_CONFIG = 78,         /* EX_CONFIG: bad configuration, plugin refused */
	EXIT_INTERRUPTED = 130    /* Ctrl-C */
};

/* The exit code for a PECCTL_E_* error code (unknown codes give 70). */
int exitcode_for_error(const char *code);

#endif
