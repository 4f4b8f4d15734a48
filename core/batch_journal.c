/*
 * The batch journal: JSON lines, one "start" before a mailbox is touched
 * and one "end" after, so that after a crash or a kill -9 --resume knows
 * which mailboxes finished, which failed, and which were cut off in the
 * middle. Lines are written at once (a killed process loses nothing it
 * wrote); a "start" is fdatasync'd before the mailbox's first request that
 * may change something (batch_journal_sync_to, from the worker; a login's
 * requests change nothing and do not wait for it), and the "run" line and
 * every "end" ride on the next sync, or the journal's close. Until then only
 * a power cut can lose a line: a lost "run" or "start" means nothing of it
 * had changed yet (the journal reads as if the run never began), and a
 * mailbox whose "end" is lost is reconciled on --resume like any
 * interrupted one, never assumed.
 *
 *   {"event":"run","procedure":"verify-login","resume":false,"limit":"*@pec.it",...,"time":"..."}
 *   {"event":"start","account":"a@pec.it","line":2,"attempt":1,"time":"..."}
 *   {"event":"end","account":"a@pec.it","status":"ok","code":"","message":"...",
 *    "duration_s":0.210,"requests":3,"time":"..."}
 *
 * The file only grows. A run that is not a resume starts afresh for the
 * accounts it selects (all, or those its --limit matches): reading forgets
 * what came before its "run" line for them. A torn last line (the process
 * died while writing it) is ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "batch.h"
#include "json_line.h"
#include "log.h"

#define JOURNAL_MAX_LINE ((size_t)64 << 10)
#define JOURNAL_MAX_FILE ((size_t)512 << 20)

/* The last thing the journal says about one account. */
struct journal_entry {
	char *account;
	long seq;
	int ended;            /* 0: a start without an end */
	char status[16];
	char code[32];
	char message[256];
};

struct batch_journal {
	int fd;
	char path[4096];
	pthread_mutex_t lock;
	pthread_cond_t synced_cond;
	long written, synced;             /* lines written, lines known on disk */
	int syncing;                      /* a thread is in fdatasync */
	struct journal_entry *entries;   /* sorted by account after reading */
	size_t n_entries;
	int failed_write;                /* reported once; nothing is written after */
};

int batch_journal_default_path(const char *procedure, const char *inventory, char *out, size_t cap)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	const char *base = strrchr(inventory, '/');
	char name[256];
	char *dot;
	int n;

	base = base ? base + 1 : inventory;
	snprintf(name, sizeof(name), "%s", base);
	dot = strrchr(name, '.');
	if (dot && dot != name)
		*dot = '\0';
	if (state && state[0] == '/')
		n = snprintf(out, cap, "%s/pecctl/batch/%s-%s.jsonl", state, procedure, name);
	else if (home && home[0])
		n = snprintf(out, cap, "%s/.local/state/pecctl/batch/%s-%s.jsonl", home, procedure, name);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* mkdir -p of the directories above path, private to the user. */
static int make_parents(const char *path)
{
	char dir[4096];
	size_t len = strlen(path);

	if (len >= sizeof(dir))
		return -1;
	memcpy(dir, path, len + 1);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static int compare_entries(const void *a, const void *b)
{
	const struct journal_entry *x = a, *y = b;
	int c = strcasecmp(x->account, y->account);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void copy_field(const cJSON *line, const char *name, char *dst, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(line, name);

	snprintf(dst, cap, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* A fresh run: what the journal said about the accounts it selects no
 * longer counts. */
static void forget(struct batch_journal *j, const char *limit)
{
	size_t out = 0;

	for (size_t i = 0; i < j->n_entries; i++) {
		if (!limit || fnmatch(limit, j->entries[i].account, FNM_CASEFOLD) == 0) {
			free(j->entries[i].account);
			continue;
		}
		j->entries[out++] = j->entries[i];
	}
	j->n_entries = out;
}

static void read_line(struct batch_journal *j, const char *text, long seq, long lineno)
{
	cJSON *line = cJSON_Parse(text);
	const cJSON *event, *account;
	struct journal_entry *e;

	if (!line) {
		log_printf(PECCTL_LOG_WARN, j->path, "line %ld is not JSON (cut off by a crash?); ignored",
			   lineno);
		return;
	}
	event = cJSON_GetObjectItemCaseSensitive(line, "event");
	account = cJSON_GetObjectItemCaseSensitive(line, "account");
	if (cJSON_IsString(event) && strcmp(event->valuestring, "run") == 0 &&
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line, "resume"))) {
		const cJSON *limit = cJSON_GetObjectItemCaseSensitive(line, "limit");

		forget(j, cJSON_IsString(limit) ? limit->valuestring : NULL);
		cJSON_Delete(line);
		return;
	}
	if (!cJSON_IsString(event) || !cJSON_IsString(account) ||
	    (strcmp(event->valuestring, "start") != 0 && strcmp(event->valuestring, "end") != 0)) {
		cJSON_Delete(line);
		return;
	}
	if (j->n_entries % 256 == 0) {
		struct journal_entry *grown = realloc(j->entries, (j->n_entries + 256) * sizeof(*grown));
		if (!grown)
			abort();
		j->entries = grown;
	}
	e = &j->entries[j->n_entries++];
	memset(e, 0, sizeof(*e));
	e->account = strdup(account->valuestring);
	if (!e->account)
		abort();
	e->seq = seq;
	e->ended = strcmp(event->valuestring, "end") == 0;
	copy_field(line, "status", e->status, sizeof(e->status));
	copy_field(line, "code", e->code, sizeof(e->code));
	copy_field(line, "message", e->message, sizeof(e->message));
	cJSON_Delete(line);
}

/* Keep only the last entry per account. */
static void keep_last(struct batch_journal *j)
{
	size_t out = 0;

	if (j->n_entries < 2)
		return;
	qsort(j->entries, j->n_entries, sizeof(*j->entries), compare_entries);
	for (size_t i = 0; i < j->n_entries; i++) {
		if (i + 1 < j->n_entries && strcasecmp(j->entries[i].account, j->entries[i + 1].account) == 0) {
			free(j->entries[i].account);
			continue;
		}
		j->entries[out++] = j->entries[i];
	}
	j->n_entries = out;
}

static int read_journal(struct batch_journal *j, struct pecctl_error *err)
{
	FILE *f = fopen(j->path, "r");
	char *buf;
	long seq = 0, lineno = 0;
	size_t total = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err->message, sizeof(err->message), "cannot read the journal %.300s: %s", j->path,
			 strerror(errno));
		snprintf(err->code, sizeof(err->code), "io");
		return -1;
	}
	buf = malloc(JOURNAL_MAX_LINE + 2);
	if (!buf) {
		fclose(f);
		return -1;
	}
	while (fgets(buf, (int)JOURNAL_MAX_LINE + 2, f)) {
		size_t len = strlen(buf);

		lineno++;
		total += len;
		if (total > JOURNAL_MAX_FILE) {
			log_printf(PECCTL_LOG_WARN, j->path, "larger than %zu MiB; read up to line %ld",
				   JOURNAL_MAX_FILE >> 20, lineno);
			break;
		}
		if (len && buf[len - 1] != '\n' && !feof(f)) {
			int c;

			/* over the cap: not a line we wrote; skip the rest of it */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		read_line(j, buf, ++seq, lineno);
	}
	free(buf);
	fclose(f);
	keep_last(j);
	return 0;
}

/* Always appended to; locked while this batch runs. */
static int open_for_writing(struct batch_journal *j)
{
	if (j->fd >= 0)
		return 0;
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return j->fd < 0 ? -1 : 0;
}

static const struct journal_entry *find(const struct batch_journal *j, const char *account)
{
	size_t lo = 0, hi = j->n_entries;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcasecmp(account, j->entries[mid].account);

		if (c == 0)
			return &j->entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

struct batch_journal *batch_journal_open(const char *path, int resume, struct pecctl_error *err)
{
	struct batch_journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->fd = -1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->synced_cond, NULL);
	snprintf(j->path, sizeof(j->path), "%s", path);
	(void)resume;
	if (make_parents(path) != 0) {
		snprintf(err->message, sizeof(err->message),
			 "cannot create the directory of the journal %.300s: %s; give another with --journal FILE",
			 path, strerror(errno));
		snprintf(err->code, sizeof(err->code), "io");
		batch_journal_close(j);
		return NULL;
	}
	if (open_for_writing(j) != 0) {
		snprintf(err->message, sizeof(err->message),
			 "cannot open the journal %.300s: %s; give another with --journal FILE", path,
			 strerror(errno));
		snprintf(err->code, sizeof(err->code), "io");
		batch_journal_close(j);
		return NULL;
	}
	/* two batches appending to one journal would make --resume wrong */
	if (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err->message, sizeof(err->message),
			 "another pecctl batch is using the journal %.300s: wait for it to end, or give "
			 "this run its own --journal FILE", path);
		snprintf(err->code, sizeof(err->code), "%s", PECCTL_E_RATE_LIMITED);
		batch_journal_close(j);
		return NULL;
	}
	if (read_journal(j, err) != 0) {
		batch_journal_close(j);
		return NULL;
	}
	return j;
}

int batch_journal_interrupted_count(struct batch_journal *j, const struct batch *b)
{
	int n = 0;

	for (size_t i = 0; j && i < b->n_jobs; i++) {
		const struct journal_entry *e = b->jobs[i].status == BATCH_PENDING ?
						find(j, b->jobs[i].account) : NULL;

		n += e && !e->ended;
	}
	return n;
}

void batch_journal_apply(struct batch_journal *j, struct batch *b, int retry_failed)
{
	for (size_t i = 0; i < b->n_jobs; i++) {
		struct batch_job *job = &b->jobs[i];
		const struct journal_entry *e;

		if (job->status != BATCH_PENDING || !(e = find(j, job->account)))
			continue;
		if (!e->ended) {
			/* cut off mid-run: a procedure that changes nothing simply
			 * runs again; a rotation is reconciled through the vault
			 * first; anything else needs a look from a person */
			if (!b->changes_state) {
				continue;
			} else if (b->rotation) {
				job->reconcile = 1;
			} else {
				job->status = BATCH_NEEDS_ACTION;
				snprintf(job->code, sizeof(job->code), "%s", PECCTL_E_UNKNOWN_OUTCOME);
				snprintf(job->message, sizeof(job->message),
					 "interrupted mid-run in an earlier batch: check the mailbox, then run "
					 "again with --resume --retry-failed");
			}
		} else if (strcmp(e->status, "ok") == 0) {
			job->status = BATCH_SKIPPED;
			snprintf(job->message, sizeof(job->message), "done in an earlier run");
		} else if (strcmp(e->status, "skipped") == 0) {
			continue;  /* never finished: runs now */
		} else if (!retry_failed) {
			job->status = BATCH_SKIPPED;
			job->counted_failed = strcmp(e->status, "failed") == 0 ? 1 : 2;
			snprintf(job->code, sizeof(job->code), "%s", e->code);
			snprintf(job->message, sizeof(job->message),
				 "%s in an earlier run (%s); --retry-failed runs it again", e->status,
				 e->message);
		}
	}
}

/* Group commit, under j->lock: returns once line number seq is on disk.
 * One thread syncs, with the lock released, while the others go on
 * writing; their lines are covered by the next sync, so sixteen workers
 * cost a few fdatasyncs at a time, not sixteen in a row. */
static int wait_durable(struct batch_journal *j, long seq)
{
	while (j->synced < seq) {
		long target;
		int rc;

		if (j->syncing) {
			pthread_cond_wait(&j->synced_cond, &j->lock);
			continue;
		}
		j->syncing = 1;
		target = j->written;
		pthread_mutex_unlock(&j->lock);
		rc = fdatasync(j->fd);
		pthread_mutex_lock(&j->lock);
		j->syncing = 0;
		j->synced = target;  /* even on failure: reported once, not retried forever */
		pthread_cond_broadcast(&j->synced_cond);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Under j->lock, with errno set: said once, the batch goes on. */
static void report_failure(struct batch_journal *j)
{
	if (j->failed_write)
		return;
	__atomic_store_n(&j->failed_write, 1, __ATOMIC_RELAXED);
	log_printf(PECCTL_LOG_ERROR, j->path,
		   "cannot write the journal: %s; --resume will not know about this run", strerror(errno));
}

/* Write one line, stamped with the time; with durable, make it durable
 * before returning. Its sequence number goes to *seq when asked. */
static int append(struct batch_journal *j, struct json_line *line, int durable, long *seq)
{
	struct timespec now;
	char *text;
	size_t len;
	ssize_t n;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	json_line_time(line, "time", &now);
	if (!(text = json_line_end(line, &len)))
		return -1;
	/* One write, outside the lock: an O_APPEND write lands whole after
	 * the others, and workers do not queue behind each other's system
	 * call. A short write (a full disk) would let another line in before
	 * its rest, so it ends the journal instead. */
	if (__atomic_load_n(&j->failed_write, __ATOMIC_RELAXED))
		n = -1;
	else
		while ((n = write(j->fd, text, len)) < 0 && errno == EINTR)
			;
	pthread_mutex_lock(&j->lock);
	if (n == (ssize_t)len) {
		j->written++;
	} else {
		if (n >= 0)
			errno = ENOSPC;  /* a short write to a file: the disk or quota is full */
		rc = -1;
	}
	if (seq)
		*seq = j->written;
	if (rc == 0 && durable)
		rc = wait_durable(j, j->written);
	if (rc != 0)
		report_failure(j);
	pthread_mutex_unlock(&j->lock);
	free(text);
	return rc;
}

int batch_journal_run(struct batch_journal *j, const struct batch *b, int resume, const char *limit)
{
	struct json_line line;

	if (!j)
		return 0;
	if (open_for_writing(j) != 0) {
		log_printf(PECCTL_LOG_ERROR, j->path, "cannot open the journal for writing: %s; "
			   "give another with --journal FILE", strerror(errno));
		return -1;
	}
	json_line_begin(&line);
	json_line_string(&line, "event", "run");
	json_line_string(&line, "procedure", b->procedure);
	json_line_bool(&line, "resume", resume);
	if (limit)
		json_line_string(&line, "limit", limit);
	json_line_integer(&line, "mailboxes", (long)b->n_jobs);
	json_line_integer(&line, "pid", (long)getpid());
	/* not synced on its own: the first change waits for a sync that
	 * covers it (a small batch saves one fdatasync of its few) */
	return append(j, &line, 0, NULL);
}

int batch_journal_start(struct batch_journal *j, struct batch_job *job)
{
	struct json_line line;

	if (!j || j->fd < 0)
		return 0;
	json_line_begin(&line);
	json_line_string(&line, "event", "start");
	json_line_string(&line, "account", job->account);
	json_line_integer(&line, "line", job->line);
	json_line_integer(&line, "attempt", job->attempts);
	return append(j, &line, 0, &job->journal_seq);
}

int batch_journal_end(struct batch_journal *j, const struct batch_job *job)
{
	struct json_line line;

	if (!j || j->fd < 0)
		return 0;
	json_line_begin(&line);
	json_line_string(&line, "event", "end");
	json_line_string(&line, "account", job->account);
	json_line_string(&line, "status", batch_status_name(job->status == BATCH_RUNNING ||
							    job->status == BATCH_PENDING ?
							    job->outcome : job->status));
	json_line_string(&line, "code", job->code);
	json_line_string(&line, "message", job->message);
	json_line_seconds(&line, "duration_s", job->duration_s);
	json_line_integer(&line, "requests", job->requests);
	return append(j, &line, 0, NULL);
}

int batch_journal_sync_to(struct batch_journal *j, long seq)
{
	int rc;

	if (!j || j->fd < 0)
		return 0;
	pthread_mutex_lock(&j->lock);
	rc = wait_durable(j, seq);
	if (rc != 0)
		report_failure(j);
	pthread_mutex_unlock(&j->lock);
	return rc;
}

const char *batch_journal_path(const struct batch_journal *j)
{
	return j ? j->path : "";
}

void batch_journal_close(struct batch_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0) {
		pthread_mutex_lock(&j->lock);
		if (wait_durable(j, j->written) != 0)
			log_printf(PECCTL_LOG_ERROR, j->path, "cannot sync the journal: %s", strerror(errno));
		pthread_mutex_unlock(&j->lock);
		close(j->fd);
	}
	for (size_t i = 0; i < j->n_entries; i++)
		free(j->entries[i].account);
	free(j->entries);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->synced_cond);
	free(j);
}
