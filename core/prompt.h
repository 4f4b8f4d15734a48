#ifndef PECCTL_PROMPT_H
#define PECCTL_PROMPT_H
#include <stddef.h>
#include "pecctl/plugin.h"

/* Talking to the person at the terminal, and to commands that answer for
 * them. The TTY is /dev/tty, never stdin, so prompts work while stdin and
 * stdout are redirected. */

/* 1 when a terminal is there to ask. PECCTL_NO_TTY=1 says "pretend not". */
int prompt_has_tty(void);
/* Ask a question; echo 0 hides the answer. The answer lands NUL-terminated
 * in buf without the newline. 0, or -1 and err (needs_human without a TTY). */
int prompt_ask(const char *question, int echo, char *buf, size_t cap, struct pecctl_error *err);
/* Yes/no question; 1 yes, 0 no, -1 and err without a TTY. */
int prompt_confirm(const char *question, struct pecctl_error *err);
/* Run `sh -c command` and read its stdout (capped at cap-1 bytes, one
 * trailing newline dropped). env_label, when set, is exported as
 * PECCTL_PROMPT so one command can answer several questions. 0, or -1
 * and err naming the command's failure. */
int prompt_command_output(const char *command, const char *env_label, char *buf, size_t cap,
			  struct pecctl_error *err);
/* A one-time code: from --otp-command when given, else asked on the TTY. */
int prompt_code_for(const char *label, char *buf, size_t cap, struct pecctl_error *err);
/* Show a secret once on the TTY (never stdout, never the log), when the
 * user asked to see it. -1 and err without a TTY. */
int prompt_reveal(const char *label, const char *secret, struct pecctl_error *err);
/* One person, one terminal, many mailboxes (pecctl batch): a question or
 * a wait for an app approval holds the terminal until it ends, so they
 * come one at a time; a thread may nest them. */
/* 0: nobody may be asked (a batch without a terminal): approval waits
 * fail at once with needs_human instead of blocking. Default 1. */
void prompt_set_humans(int allowed);
/* Call before waiting for a person (a push approval): 0 once the terminal
 * is this thread's, or -1 and err (needs_human). Pair with prompt_human_end. */
int prompt_human_begin(const char *what, struct pecctl_error *err);
void prompt_human_end(void);
/* Threads asking a person, or queued to ask, right now. */
int prompt_humans_waiting(void);
/* The terminal for other output (a progress line): 0 when taken, -1 while
 * a question or a wait holds it. */
int prompt_tty_trylock(void);
void prompt_tty_unlock(void);

/* A one-line status on the TTY (e.g. a countdown), rewritten in place;
 * NULL clears it. Nothing happens without a TTY. */
void prompt_status(const char *text);

#endif
