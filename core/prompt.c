/*
 * Prompts on /dev/tty and answers from commands (--otp-command, cmd:).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>
#include "prompt.h"
#include "options.h"

int prompt_has_tty(void)
{
	const char *no_tty = getenv("PECCTL_NO_TTY");
	int fd;

	if (no_tty && strcmp(no_tty, "1") == 0)
		return 0;
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static pthread_mutex_t tty_lock;
static pthread_once_t tty_lock_once = PTHREAD_ONCE_INIT;
static int humans_allowed = 1;
static int humans_waiting;  /* under tty_count_lock */
static pthread_mutex_t tty_count_lock = PTHREAD_MUTEX_INITIALIZER;

static void tty_lock_init(void)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&tty_lock, &attr);
	pthread_mutexattr_destroy(&attr);
}

static void human_enter(void)
{
	pthread_once(&tty_lock_once, tty_lock_init);
	pthread_mutex_lock(&tty_count_lock);
	humans_waiting++;
	pthread_mutex_unlock(&tty_count_lock);
	pthread_mutex_lock(&tty_lock);
}

static void human_leave(void)
{
	pthread_mutex_unlock(&tty_lock);
	pthread_mutex_lock(&tty_count_lock);
	humans_waiting--;
	pthread_mutex_unlock(&tty_count_lock);
}

void prompt_set_humans(int allowed)
{
	humans_allowed = allowed;
}

int prompt_human_begin(const char *what, struct pecctl_error *err)
{
	if (!humans_allowed) {
		snprintf(err->message, sizeof(err->message),
			 "%s needs a person, and this batch runs without a terminal: run it "
			 "from a terminal, or handle this mailbox on its own with 'pecctl run'", what);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_NEEDS_HUMAN);
		return -1;
	}
	human_enter();
	return 0;
}

void prompt_human_end(void)
{
	human_leave();
}

int prompt_humans_waiting(void)
{
	int n;

	pthread_mutex_lock(&tty_count_lock);
	n = humans_waiting;
	pthread_mutex_unlock(&tty_count_lock);
	return n;
}

int prompt_tty_trylock(void)
{
	pthread_once(&tty_lock_once, tty_lock_init);
	return pthread_mutex_trylock(&tty_lock) == 0 ? 0 : -1;
}

void prompt_tty_unlock(void)
{
	pthread_mutex_unlock(&tty_lock);
}

static int no_tty_error(struct pecctl_error *err, const char *question)
{
	snprintf(err->message, sizeof(err->message),
		 "no terminal to ask \"%s\": run interactively, or give the answer another way "
		 "(a secret reference such as env:VAR, or --otp-command for codes)", question);
	snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_NEEDS_HUMAN);
	return -1;
}

int prompt_ask(const char *question, int echo, char *buf, size_t cap, struct pecctl_error *err)
{
	struct termios saved, quiet;
	int fd, restored = 1;
	size_t n = 0;
	char c;

	if (!prompt_has_tty())
		return no_tty_error(err, question);
	human_enter();
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0) {
		human_leave();
		return no_tty_error(err, question);
	}
	if (!echo && tcgetattr(fd, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restored = tcsetattr(fd, TCSAFLUSH, &quiet) != 0;
	}
	if (write(fd, question, strlen(question)) < 0 || write(fd, " ", 1) < 0) {
		/* the prompt text is cosmetic; reading the answer still works */
	}
	while (read(fd, &c, 1) == 1 && c != '\n') {
		if (n + 1 < cap)
			buf[n++] = c;
	}
	buf[n] = '\0';
	if (!echo && !restored)
		tcsetattr(fd, TCSAFLUSH, &saved);
	close(fd);
	human_leave();
	return 0;
}

int prompt_confirm(const char *question, struct pecctl_error *err)
{
	char answer[16];

	if (prompt_ask(question, 1, answer, sizeof(answer), err) != 0)
		return -1;
	return answer[0] == 'y' || answer[0] == 'Y' || answer[0] == 's' || answer[0] == 'S';
}

int prompt_command_output(const char *command, const char *env_label, char *buf, size_t cap,
			  struct pecctl_error *err)
{
	int pipefd[2], status;
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		pecctl_error_set(err, PECCTL_E_INTERNAL, "cannot create a pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		pecctl_error_set(err, PECCTL_E_INTERNAL, "cannot start a command");
		return -1;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		if (env_label)
			setenv("PECCTL_PROMPT", env_label, 1);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while ((got = read(pipefd[0], buf + n, cap - 1 - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		n += (size_t)got;
		if (n == cap - 1) {
			/* drain the rest so the child is not blocked on a full pipe */
			char sink[256];
			while (read(pipefd[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	close(pipefd[0]);
	buf[n] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sodium_memzero(buf, cap);
		/* The command line is not secret, but its output might be: say only
		 * how it ended. */
		snprintf(err->message, sizeof(err->message), "command \"%s\" failed (%s %d)", command,
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_INVALID);
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

void prompt_status(const char *text)
{
	static int shown;
	FILE *tty;

	if (!prompt_has_tty() || !(tty = fopen("/dev/tty", "w")))
		return;
	if (text) {
		fprintf(tty, "\r\033[K%s", text);
		shown = 1;
	} else if (shown) {
		fprintf(tty, "\r\033[K");
		shown = 0;
	}
	fclose(tty);
}

/* Shared by the Lua binding (pecctl.prompt.otp) and host->prompt_code. */
int prompt_code_for(const char *label, char *buf, size_t cap, struct pecctl_error *err)
{
	if (pecctl_opts.otp_command)
		return prompt_command_output(pecctl_opts.otp_command, label, buf, cap, err);
	return prompt_ask(label, 1, buf, cap, err);
}

int prompt_reveal(const char *label, const char *secret, struct pecctl_error *err)
{
	FILE *tty;

	if (!prompt_has_tty() || !(tty = fopen("/dev/tty", "w")))
		return no_tty_error(err, label);
	fprintf(tty, "%s: %s\n", label, secret);
	fclose(tty);
	return 0;
}
