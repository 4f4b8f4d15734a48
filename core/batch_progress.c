/*
 * The progress line of a batch on stderr, rewritten in place:
 *   verify-login 120/1000 · 3 failed · 2 needs-action · 16 running · 14.2/s · ETA 1m02s
 * Only when stderr is a terminal; never while a question or an approval
 * wait holds the terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "batch.h"
#include "options.h"
#include "prompt.h"
#include "redact.h"

struct batch_progress {
	struct batch *b;
	pthread_mutex_t lock;
	int shown;
	size_t done_at_start;
	double started;
};

struct batch_progress *batch_progress_new(struct batch *b)
{
	struct batch_progress *p;

	if (!isatty(STDERR_FILENO) || pecctl_opts.log_json)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->b = b;
	pthread_mutex_init(&p->lock, NULL);
	p->done_at_start = b->n_done;
	p->started = batch_now();
	return p;
}

static void format_eta(char *out, size_t cap, double seconds)
{
	long s = (long)(seconds + 0.5);

	if (s >= 3600)
		snprintf(out, cap, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(out, cap, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(out, cap, "%lds", s);
}

/* Under p->lock. */
static void draw(struct batch_progress *p)
{
	size_t done, failed, needs, running, pending;
	double elapsed = batch_now() - p->started, rate;
	char eta[32] = "";

	batch_counts(p->b, &done, &failed, &needs, &running, &pending);
	rate = elapsed > 0.5 ? (double)(done - p->done_at_start) / elapsed : 0;
	if (rate > 0 && pending + running > 0)
		format_eta(eta, sizeof(eta), (double)(pending + running) / rate);
	fprintf(stderr, "\r\033[K%s %zu/%zu · %zu failed · %zu needs-action · %zu running · %.1f/s%s%s",
		p->b->procedure, done, p->b->n_jobs, failed, needs, running, rate,
		eta[0] ? " · ETA " : "", eta);
	fflush(stderr);
	p->shown = 1;
}

static void clear(struct batch_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
}

void batch_progress_draw(struct batch_progress *p)
{
	if (!p)
		return;
	if (prompt_tty_trylock() != 0)
		return;  /* someone is being asked something */
	pthread_mutex_lock(&p->lock);
	draw(p);
	pthread_mutex_unlock(&p->lock);
	prompt_tty_unlock();
}

void batch_progress_clear(struct batch_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	clear(p);
	pthread_mutex_unlock(&p->lock);
}

void batch_progress_note(struct batch_progress *p, const char *fmt, ...)
{
	char text[1024];
	char *safe;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	safe = redact_copy(text, strlen(text), NULL);
	if (p)
		pthread_mutex_lock(&p->lock);
	if (p)
		clear(p);
	fprintf(stderr, "pecctl batch: %s\n", safe);
	fflush(stderr);
	if (p)
		pthread_mutex_unlock(&p->lock);
	free(safe);
}

void batch_progress_free(struct batch_progress *p)
{
	if (!p)
		return;
	batch_progress_clear(p);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
