/*
 * Which mailbox runs next. Workers ask under one lock; a job may start
 * when its provider is under its concurrency limit, has a login token
 * (logins per minute, a token bucket shared by all workers), is not
 * paused after a 429, and, for providers whose logins may need a person,
 * when fewer than --max-pending-approvals people are being waited for.
 * A job that cannot start yet is passed over, so one slow provider does
 * not hold back the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "batch.h"
#include "config.h"
#include "log.h"
#include "prompt.h"
#include "registry.h"
#include "signals.h"

/* A rate-limited mailbox is tried again this many times in all. */
#define BATCH_MAX_ATTEMPTS 3
/* Pause after a 429 without Retry-After, doubled each time, capped. */
#define BATCH_BACKOFF_FIRST_S 5.0
#define BATCH_BACKOFF_MAX_S 300.0
/* Nothing runs slower than one login a minute after 429s. */
#define BATCH_MIN_RATE (1.0 / 60.0)

double batch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *batch_status_name(enum batch_status s)
{
	switch (s) {
	case BATCH_PENDING: return "pending";
	case BATCH_RUNNING: return "running";
	case BATCH_OK: return "ok";
	case BATCH_FAILED: return "failed";
	case BATCH_NEEDS_ACTION: return "needs-action";
	case BATCH_SKIPPED: return "skipped";
	}
	return "?";
}

/* An override of a provider limit from the configuration file
 * ("aruba.logins_per_minute = 0"): -1 when not set or not a number. */
static long config_limit(const char *provider, const char *key)
{
	char full[160];
	const char *text;
	char *end;
	long v;

	snprintf(full, sizeof(full), "%s.%s", provider, key);
	text = config_get(full);
	if (!text)
		return -1;
	v = strtol(text, &end, 10);
	if (end == text || *end || v < 0 || v > 1000000) {
		log_printf(PECCTL_LOG_WARN, NULL, "configuration %s = %s is not a whole number; ignored",
			   full, text);
		return -1;
	}
	return v;
}

static struct batch_limit *limit_for(struct batch *b, const char *provider)
{
	const struct pecctl_provider *p;
	struct batch_limit *l;
	long lpm, conc;

	for (size_t i = 0; i < b->n_limits; i++)
		if (strcmp(b->limits[i].name, provider) == 0)
			return &b->limits[i];
	l = &b->limits[b->n_limits++];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", provider);
	p = registry_find(provider);
	lpm = p ? p->logins_per_minute : 0;
	conc = p ? p->max_concurrency : 0;
	l->may_need_human = p ? p->may_need_human : 0;
	if (config_limit(provider, "logins_per_minute") >= 0)
		lpm = config_limit(provider, "logins_per_minute");
	if (config_limit(provider, "max_concurrency") >= 0)
		conc = config_limit(provider, "max_concurrency");
	l->rate = lpm > 0 ? (double)lpm / 60.0 : 0.0;
	l->rate_max = l->rate;
	/* A small burst, so a batch starts at once yet stays under the
	 * portal's per-minute window: a tenth of a minute's logins. */
	l->burst = lpm >= 10 ? (double)lpm / 10.0 : 1.0;
	l->burst_max = l->burst;
	l->tokens = l->burst;
	l->refilled_at = batch_now();
	l->max_concurrency = (int)conc;
	return l;
}

int batch_limits_setup(struct batch *b)
{
	b->limits = calloc(b->n_jobs ? b->n_jobs : 1, sizeof(*b->limits));
	if (!b->limits)
		return -1;
	for (size_t i = 0; i < b->n_jobs; i++)
		if (b->jobs[i].provider && b->jobs[i].status == BATCH_PENDING)
			b->jobs[i].limit = limit_for(b, b->jobs[i].provider);
	return 0;
}

static void refill(struct batch_limit *l, double now)
{
	if (l->rate <= 0 || now <= l->refilled_at)
		return;
	l->tokens += (now - l->refilled_at) * l->rate;
	if (l->tokens > l->burst)
		l->tokens = l->burst;
	l->refilled_at = now;
}

/* 0 when job may start now; else the earliest time worth looking again
 * (0 for "when something finishes"). */
static double blocked_until(struct batch *b, struct batch_job *job, double now)
{
	struct batch_limit *l = job->limit;

	if (job->not_before > now)
		return job->not_before;
	if (!l)
		return -1;
	if (l->paused_until > now)
		return l->paused_until;
	if (l->max_concurrency > 0 && l->in_flight >= l->max_concurrency)
		return 0;
	if (l->may_need_human && b->humans && prompt_humans_waiting() >= b->max_pending_approvals)
		return now + 0.2;
	refill(l, now);
	if (l->rate > 0 && l->tokens < 1.0)
		return now + (1.0 - l->tokens) / l->rate;
	return -1;
}

static void wait_until(struct batch *b, double when)
{
	struct timespec ts;
	double now = batch_now(), delay;

	/* short slices: Ctrl-C is a flag, noticed here */
	delay = when > now ? when - now : 0.25;
	if (delay > 0.25)
		delay = 0.25;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)delay;
	ts.tv_nsec += (long)((delay - (double)(time_t)delay) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&b->changed, &b->lock, &ts);
}

struct batch_job *batch_next_job(struct batch *b)
{
	struct batch_job *picked = NULL;

	pthread_mutex_lock(&b->lock);
	while (!picked) {
		double now = batch_now(), soonest = 0;
		int any_pending = 0;

		if (signals_interrupted())
			b->stopping = 1;
		if (b->stopping)
			break;
		while (b->cursor < b->n_jobs && b->jobs[b->cursor].status != BATCH_PENDING)
			b->cursor++;
		for (size_t i = b->cursor; i < b->n_jobs && !picked; i++) {
			struct batch_job *job = &b->jobs[i];
			double until;

			if (job->status != BATCH_PENDING)
				continue;
			any_pending = 1;
			until = blocked_until(b, job, now);
			if (until < 0) {
				picked = job;
			} else if (until > 0 && (soonest == 0 || until < soonest)) {
				soonest = until;
			}
		}
		if (picked)
			break;
		if (!any_pending && b->running == 0)
			break;
		if (!any_pending) {
			/* a running job may still be put back (rate limited) */
			wait_until(b, 0);
			continue;
		}
		wait_until(b, soonest);
	}
	if (picked) {
		struct batch_limit *l = picked->limit;

		picked->status = BATCH_RUNNING;
		picked->attempts++;
		if (l) {
			l->in_flight++;
			if (l->rate > 0)
				l->tokens -= 1.0;
		}
		b->running++;
	}
	pthread_mutex_unlock(&b->lock);
	return picked;
}

/* Under b->lock: whether a mailbox is still waiting to start. */
static int any_pending(const struct batch *b)
{
	for (size_t i = b->cursor; i < b->n_jobs; i++)
		if (b->jobs[i].status == BATCH_PENDING)
			return 1;
	return 0;
}

int batch_job_done(struct batch *b, struct batch_job *job)
{
	int ended = 1;

	pthread_mutex_lock(&b->lock);
	job->status = job->outcome;
	b->running--;
	if (job->limit) {
		struct batch_limit *l = job->limit;

		l->in_flight--;
		if (job->status == BATCH_OK && l->rate_slowed) {
			/* the storm is over: back towards the provider's own pace */
			l->rate *= 1.1;
			if (l->rate_max > 0 && l->rate >= l->rate_max) {
				l->rate = l->rate_max;
				l->rate_slowed = 0;
			} else if (l->rate_max == 0 && l->rate >= 10.0) {
				l->rate = 0;
				l->rate_slowed = 0;
			}
			if (!l->rate_slowed) {
				l->burst = l->burst_max;
				if (l->backoffs > 0)
					l->backoffs--;
			}
		}
	}
	if (job->status == BATCH_FAILED && strcmp(job->code, PECCTL_E_RATE_LIMITED) == 0 &&
	    job->attempts < BATCH_MAX_ATTEMPTS && !b->stopping && !signals_interrupted()) {
		/* the portal asked us to slow down: this mailbox goes back in
		 * the queue, behind the provider's pause */
		job->status = BATCH_PENDING;
		ended = 0;
		if (job->limit)
			job->not_before = job->limit->paused_until;
		if (job - b->jobs < (long)b->cursor)
			b->cursor = (size_t)(job - b->jobs);
	} else {
		b->n_done++;
		switch (job->status) {
		case BATCH_OK: b->n_ok++; break;
		case BATCH_FAILED: b->n_failed++; break;
		case BATCH_NEEDS_ACTION: b->n_needs_action++; break;
		default: b->n_skipped++; break;
		}
	}
	/* Workers wait here only for a mailbox to become startable or for
	 * the batch to end. With none pending, a mailbox that ended changes
	 * that only when it was put back or was the last one running: the
	 * idle workers of a batch's tail are not woken for every other. */
	if (!ended || b->running == 0 || any_pending(b))
		pthread_cond_broadcast(&b->changed);
	pthread_mutex_unlock(&b->lock);
	return ended;
}

void batch_throttle(struct batch *b, struct batch_limit *l, double retry_after_s)
{
	double now, pause;

	if (!l)
		return;
	pthread_mutex_lock(&b->lock);
	now = batch_now();
	pause = BATCH_BACKOFF_FIRST_S;
	for (int i = 0; i < l->backoffs && pause < BATCH_BACKOFF_MAX_S; i++)
		pause *= 2;
	if (retry_after_s > pause)
		pause = retry_after_s;
	if (pause > BATCH_BACKOFF_MAX_S)
		pause = BATCH_BACKOFF_MAX_S;
	if (l->paused_until > now) {
		/* another worker's 429 from the same storm: one pause, not one
		 * each, but at least as long as the portal asks */
		if (now + retry_after_s > l->paused_until)
			l->paused_until = now + retry_after_s;
	} else {
		l->paused_until = now + pause;
		l->backoffs++;
		/* and slower afterwards: half the rate it had */
		l->rate = l->rate > 0 ? l->rate / 2 : 1.0;
		if (l->rate < BATCH_MIN_RATE)
			l->rate = BATCH_MIN_RATE;
		l->burst = 1.0;
		l->tokens = 0;
		l->refilled_at = l->paused_until;
		l->rate_slowed = 1;
		log_printf(PECCTL_LOG_INFO, l->name,
			   "the portal asks to slow down: no new %s mailbox for %.0f s, then %.1f logins "
			   "a minute", l->name, pause, l->rate * 60.0);
	}
	l->throttled++;
	pthread_cond_broadcast(&b->changed);
	pthread_mutex_unlock(&b->lock);
}

void batch_counts(struct batch *b, size_t *done, size_t *failed, size_t *needs, size_t *running,
		  size_t *pending)
{
	pthread_mutex_lock(&b->lock);
	*done = b->n_done;
	*failed = b->n_failed;
	*needs = b->n_needs_action;
	*running = (size_t)b->running;
	*pending = b->n_jobs - b->n_done - (size_t)b->running;
	pthread_mutex_unlock(&b->lock);
}
