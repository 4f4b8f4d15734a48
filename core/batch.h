#ifndef PECCTL_BATCH_H
#define PECCTL_BATCH_H
#include <pthread.h>
#include <stdio.h>
#include "inventory.h"
#include "pecctl/plugin.h"

/* pecctl batch: one procedure over many mailboxes. The pieces, one file
 * each: cmd_batch.c (the command), batch_sched.c (which mailbox runs
 * next, per-provider limits), batch_worker.c (threads, each with its own
 * lua_State, and the shared libcurl handle), batch_journal.c (the fsync'd
 * JSON-lines journal), batch_report.c (report file and summary),
 * batch_progress.c (the progress line). */

enum batch_status {
	BATCH_PENDING = 0,   /* not run yet */
	BATCH_RUNNING,
	BATCH_OK,
	BATCH_FAILED,
	BATCH_NEEDS_ACTION,
	BATCH_SKIPPED
};
const char *batch_status_name(enum batch_status s);

/* Per-provider limits, enforced across all workers. */
struct batch_limit {
	char name[64];
	double rate;            /* logins per second; 0 = no limit */
	double rate_max;        /* the provider's own (or configured) rate */
	int rate_slowed;        /* rate is below rate_max after 429s */
	double tokens, burst, burst_max;
	double refilled_at;     /* monotonic seconds */
	int max_concurrency;    /* 0 = no limit */
	int in_flight;
	int may_need_human;
	double paused_until;    /* after a 429: nothing new starts before this */
	int backoffs;           /* 429s seen in a row */
	long throttled;         /* 429s seen in all */
};

struct batch_job {
	size_t row;             /* index in the inventory, or (size_t)-1 for a problem row */
	const char *account;
	const char *provider;   /* provider name, resolved before the run */
	long line;
	struct batch_limit *limit;
	enum batch_status status;   /* under batch.lock while workers run */
	enum batch_status outcome;  /* what the worker found, before batch_job_done */
	char code[32];
	char message[512];      /* redacted */
	double duration_s;
	long requests;
	int attempts;
	double not_before;      /* monotonic: a rate-limited mailbox waits */
	int reconcile;          /* interrupted mid-run earlier: reconcile first */
	int counted_failed;     /* skipped now, but failed in an earlier run */
	long journal_seq;       /* its "start" line, to be durable before a change */
};

struct batch {
	/* what to run */
	const char *procedure;
	char procedure_path[4200];
	int changes_state;
	int rotation;           /* the procedure rotates passwords (vault reconciles) */
	int check;
	int parallel;
	int max_pending_approvals;
	int humans;             /* a terminal is there to ask */
	int vault;              /* a vault exists: the default secret is vault:ACCOUNT */
	struct inventory inv;

	/* the jobs, one per row (problems included, already final) */
	struct batch_job *jobs;
	size_t n_jobs;
	struct batch_limit *limits;
	size_t n_limits;

	/* scheduling state, under lock */
	pthread_mutex_t lock;
	pthread_cond_t changed;       /* a job ended, a pause began: workers look again */
	pthread_cond_t worker_gone;   /* the main thread waits for this, and its clock */
	size_t cursor;          /* jobs before it are all final or running */
	int running;
	int workers_alive;
	int stopping;           /* Ctrl-C: start nothing new */
	size_t n_done, n_ok, n_failed, n_needs_action, n_skipped;
	double started_at;

	/* shared libcurl state (CURLSH*) and its locks; or one per worker */
	void *share;
	int share_per_worker;
	pthread_mutex_t share_locks[8];

	struct batch_journal *journal;
	struct batch_progress *progress;
};

double batch_now(void);  /* monotonic seconds */

/* batch_sched.c */
int batch_limits_setup(struct batch *b);
/* The next job a worker may start now, waiting as long as limits say;
 * NULL when nothing is left to start (or Ctrl-C). */
struct batch_job *batch_next_job(struct batch *b);
/* A job ran (its outcome set): it ends with that status, or goes back in
 * the queue when rate-limited (returns 0 then, 1 when it ended). */
int batch_job_done(struct batch *b, struct batch_job *job);
/* A 429 seen for provider limit: slow it down (Retry-After seconds, or
 * 0 when none was given). Other providers are not touched. */
void batch_throttle(struct batch *b, struct batch_limit *limit, double retry_after_s);
/* Counts for the progress line, under lock. */
void batch_counts(struct batch *b, size_t *done, size_t *failed, size_t *needs, size_t *running,
		  size_t *pending);

/* batch_worker.c */
int batch_share_init(struct batch *b);
void batch_share_release(struct batch *b);
/* Run all jobs with b->parallel workers; returns when all are done or,
 * after Ctrl-C, when in-flight ones have finished. */
int batch_run_workers(struct batch *b);

/* batch_journal.c */
struct batch_journal;
/* The default path: $XDG_STATE_HOME/pecctl/batch/<procedure>-<inventory>.jsonl. */
int batch_journal_default_path(const char *procedure, const char *inventory, char *out, size_t cap);
struct batch_journal *batch_journal_open(const char *path, int resume, struct pecctl_error *err);
/* Apply what the journal says to the jobs (resume): done ones are
 * skipped, failed ones re-run only with retry_failed, interrupted ones
 * marked for reconciliation. */
void batch_journal_apply(struct batch_journal *j, struct batch *b, int retry_failed);
int batch_journal_interrupted_count(struct batch_journal *j, const struct batch *b);
/* Writes the job's "start" line (job->journal_seq); batch_journal_sync_to
 * makes it durable, before the mailbox's first state-changing request. */
int batch_journal_start(struct batch_journal *j, struct batch_job *job);
int batch_journal_sync_to(struct batch_journal *j, long seq);
int batch_journal_end(struct batch_journal *j, const struct batch_job *job);
int batch_journal_run(struct batch_journal *j, const struct batch *b, int resume, const char *limit);
const char *batch_journal_path(const struct batch_journal *j);
void batch_journal_close(struct batch_journal *j);

/* batch_report.c */
int batch_report_write(const struct batch *b, const char *path, struct pecctl_error *err);
void batch_summary_print(const struct batch *b, FILE *out, int interrupted);
int batch_exit_code(const struct batch *b, int interrupted);

/* batch_progress.c */
struct batch_progress *batch_progress_new(struct batch *b);  /* NULL when stderr is no TTY */
void batch_progress_draw(struct batch_progress *p);
void batch_progress_clear(struct batch_progress *p);
/* A line about one mailbox on stderr, around the progress line. */
void batch_progress_note(struct batch_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void batch_progress_free(struct batch_progress *p);

#endif
