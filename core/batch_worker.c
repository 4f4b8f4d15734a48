/*
 * Batch workers: threads, each with its own lua_State (runtime_new) that
 * runs one mailbox after another through core/lua/batch.lua, which calls
 * pecctl.runner as `pecctl run` does. Their sessions share libcurl state
 * (DNS cache, TLS sessions, kept-alive connections: see share_mode) through
 * a share handle reached by the lua_http hook (lua_http_hook.h).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "batch.h"
#include "http.h"
#include "http_handles.h"
#include "log.h"
#include "lua_api.h"
#include "lua_http_hook.h"
#include "lua_runtime.h"
#include "procedure.h"
#include "redact.h"
#include "signals.h"

#define BATCH_COLLECT_EVERY 8

struct worker {
	struct batch *b;
	int index;
	pthread_t thread;
	struct lua_http_hook hook;
	void *own_share;         /* CURLSH*, PECCTL_BATCH_SHARE=worker */
	int since_collect;       /* mailboxes since the last full collection */
	struct batch_job *job;   /* the mailbox being run */
	int start_on_disk;       /* its "start" line is: changes may go out */
};

/* --- the share handle --- */

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr)
{
	struct batch *b = userptr;

	(void)handle;
	(void)access;
	pthread_mutex_lock(&b->share_locks[(unsigned)data % 8]);
}

static void share_unlock(CURL *handle, curl_lock_data data, void *userptr)
{
	struct batch *b = userptr;

	(void)handle;
	pthread_mutex_unlock(&b->share_locks[(unsigned)data % 8]);
}

/* How the sessions share libcurl's state, PECCTL_BATCH_SHARE:
 *   worker          (default) one share handle per worker thread: DNS
 *                   cache, TLS sessions and kept-alive connections, so a
 *                   worker's next mailbox starts on the connection its
 *                   last one used (no handshake at all);
 *   global          one share handle for all workers, with lock callbacks:
 *                   DNS cache and TLS sessions (resumed handshakes), one
 *                   connection per mailbox;
 *   global-connect  as global, connections too. libcurl documents sharing
 *                   connections between concurrent threads as unsupported,
 *                   and here it opened more connections than global, not
 *                   fewer: kept for measuring, not as the default. */
static int share_mode(void)
{
	const char *mode = getenv("PECCTL_BATCH_SHARE");

	if (!mode || !*mode || strcmp(mode, "worker") == 0)
		return 0;
	if (strcmp(mode, "global") == 0)
		return 1;
	if (strcmp(mode, "global-connect") == 0)
		return 2;
	log_printf(PECCTL_LOG_WARN, "batch", "PECCTL_BATCH_SHARE=%s is not worker, global or "
		   "global-connect; using worker", mode);
	return 0;
}

/* A share handle; locks only when threads use it at once. */
static CURLSH *share_new(struct batch *b, int threaded, int connections)
{
	CURLSH *sh = curl_share_init();
	int ok = 1;

	if (!sh)
		return NULL;
	if (threaded) {
		ok &= curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock) == CURLSHE_OK;
		ok &= curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock) == CURLSHE_OK;
		ok &= curl_share_setopt(sh, CURLSHOPT_USERDATA, b) == CURLSHE_OK;
	}
	ok &= curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK;
	ok &= curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK;
	if (connections)
		ok &= curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) == CURLSHE_OK;
	if (!ok) {
		curl_share_cleanup(sh);
		return NULL;
	}
	return sh;
}

int batch_share_init(struct batch *b)
{
	int mode = share_mode();

	/* before any worker thread exists: libcurl's setup is not thread-safe */
	if (http_global_setup() != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		pthread_mutex_init(&b->share_locks[i], NULL);
	b->share_per_worker = mode == 0;
	if (mode == 0)
		return 0;
	b->share = share_new(b, 1, mode == 2);
	return b->share ? 0 : -1;
}

void batch_share_release(struct batch *b)
{
	if (b->share)
		curl_share_cleanup((CURLSH *)b->share);
	b->share = NULL;
	for (int i = 0; i < 8; i++)
		pthread_mutex_destroy(&b->share_locks[i]);
}

/* --- watching sessions for 429s --- */

static void watch_response(void *userdata, const struct http_response *r)
{
	struct worker *w = userdata;
	const char *retry;
	double seconds = 0;

	if (r->status != 429 || !w->job)
		return;
	retry = http_response_header(r, "Retry-After");
	if (retry) {
		char *end;
		double v = strtod(retry, &end);

		if (end != retry && v > 0 && v < 86400)
			seconds = v;
	}
	batch_throttle(w->b, w->job->limit, seconds);
}

/* The mailbox is about to change something: its "start" line must be on
 * disk first (written without waiting, so that one sync serves the workers
 * that started meanwhile). Logins do not come here (account_call holds the
 * gate during operations that change nothing), so the line has had the
 * requests up to the first change to be carried by another worker's sync. */
static void before_change(void *userdata)
{
	struct worker *w = userdata;

	if (!w->job || w->b->check || w->start_on_disk)
		return;
	if (batch_journal_sync_to(w->b->journal, w->job->journal_seq) == 0)
		log_printf(PECCTL_LOG_DEBUG, w->job->account, "journal: start line on disk; changes may follow");
	w->start_on_disk = 1;  /* a failed sync is reported once, not retried per request */
}

static void session_opened(void *userdata, struct http_session *s)
{
	http_session_set_response_watch(s, watch_response, userdata);
	http_session_set_change_gate(s, before_change, userdata);
}

/* --- one mailbox --- */

static void set_text(char *dst, size_t cap, const char *text)
{
	char *safe = redact_copy(text ? text : "", strlen(text ? text : ""), NULL);

	snprintf(dst, cap, "%s", safe);
	free(safe);
}

/* opts for batch.run: account, provider, secret, params, check, reconcile */
static void push_opts(lua_State *L, struct batch *b, const struct batch_job *job)
{
	const struct inventory_row *row = &b->inv.rows[job->row];

	lua_createtable(L, 0, 7);
	lua_pushstring(L, row->account);
	lua_setfield(L, -2, "account");
	lua_pushstring(L, job->provider);
	lua_setfield(L, -2, "provider");
	if (row->secret) {
		lua_pushstring(L, row->secret);
		lua_setfield(L, -2, "secret");
	} else if (b->vault) {
		/* the vault is where a password without a reference lives */
		lua_pushfstring(L, "vault:%s", row->account);
		lua_setfield(L, -2, "secret");
	}
	lua_createtable(L, 0, (int)b->inv.n_params);
	for (size_t i = 0; i < b->inv.n_params; i++) {
		if (!row->params[i])
			continue;
		lua_pushstring(L, row->params[i]);
		lua_setfield(L, -2, b->inv.param_names[i]);
	}
	lua_setfield(L, -2, "params");
	lua_pushboolean(L, b->check);
	lua_setfield(L, -2, "check");
	lua_pushboolean(L, job->reconcile && b->rotation);
	lua_setfield(L, -2, "reconcile");
}

static enum batch_status status_from_name(const char *name)
{
	if (strcmp(name, "ok") == 0)
		return BATCH_OK;
	if (strcmp(name, "needs-action") == 0)
		return BATCH_NEEDS_ACTION;
	if (strcmp(name, "skipped") == 0)
		return BATCH_SKIPPED;
	return BATCH_FAILED;
}

/* Stack: batch.run, proc. Leaves them there. */
static void run_job(struct worker *w, lua_State *L, struct batch_job *job)
{
	struct batch *b = w->b;
	double started = batch_now();
	int top = lua_gettop(L);

	w->job = job;
	w->start_on_disk = 0;
	if (!b->check)
		batch_journal_start(b->journal, job);
	lua_pushvalue(L, top - 1);
	lua_pushvalue(L, top);
	push_opts(L, b, job);
	if (runtime_pcall(L, 2, 4) != LUA_OK) {
		struct pecctl_error err = { 0 };

		lua_to_error(L, -1, &err);
		job->outcome = BATCH_FAILED;
		snprintf(job->code, sizeof(job->code), "%s", PECCTL_E_INTERNAL);
		set_text(job->message, sizeof(job->message), err.message);
		job->requests = 0;
	} else {
		const char *code = lua_tostring(L, -3);

		job->outcome = status_from_name(luaL_optstring(L, -4, "failed"));
		snprintf(job->code, sizeof(job->code), "%s", code ? code : "");
		set_text(job->message, sizeof(job->message), lua_tostring(L, -2));
		job->requests = (long)lua_tointeger(L, -1);
	}
	lua_settop(L, top);
	job->duration_s = batch_now() - started;
	w->job = NULL;
	/* batch.lua has closed this mailbox's sessions; its secrets and pages
	 * go at the latest a few mailboxes later (a full collection after
	 * every mailbox cost a sixth of the batch's CPU) */
	if (++w->since_collect >= BATCH_COLLECT_EVERY) {
		lua_gc(L, LUA_GCCOLLECT);
		w->since_collect = 0;
	}
	if (job->outcome != BATCH_OK)
		batch_progress_note(b->progress, "%s: %s%s%s%s%s%s", job->account,
				    batch_status_name(job->outcome), job->code[0] ? " (" : "", job->code,
				    job->code[0] ? ")" : "", job->message[0] ? ": " : "", job->message);
	/* a mailbox put back in the queue (rate limited) has not ended */
	if (batch_job_done(b, job) && !b->check)
		batch_journal_end(b->journal, job);
}

static void worker_exit(struct batch *b)
{
	pthread_mutex_lock(&b->lock);
	b->workers_alive--;
	pthread_cond_broadcast(&b->worker_gone);
	pthread_mutex_unlock(&b->lock);
}

static void *worker_loop(struct worker *w);

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	worker_loop(w);
	/* the worker's Lua state, and every session in it, is closed by now;
	 * the handles they gave back still use the share handle */
	http_handles_release_thread();
	if (w->own_share)
		curl_share_cleanup((CURLSH *)w->own_share);
	worker_exit(w->b);
	return NULL;
}

static void *worker_loop(struct worker *w)
{
	struct batch *b = w->b;
	struct pecctl_error err = { 0 };
	struct batch_job *job;
	lua_State *L = runtime_new();

	if (!L) {
		log_write(PECCTL_LOG_ERROR, "batch", "a worker could not start its Lua state (out of memory)");
		return NULL;
	}
	w->hook.share = b->share;
	if (b->share_per_worker) {
		w->own_share = share_new(b, 0, 1);
		w->hook.share = w->own_share;  /* NULL (out of memory): sessions on their own */
	}
	w->hook.opened = session_opened;
	w->hook.userdata = w;
	lua_pushlightuserdata(L, &w->hook);
	lua_setfield(L, LUA_REGISTRYINDEX, LUA_HTTP_HOOK_KEY);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "pecctl.batch");
	if (runtime_pcall(L, 1, 1) != LUA_OK) {
		runtime_report_error(L, -1, "batch");
		runtime_close(L);
		return NULL;
	}
	lua_getfield(L, -1, "run");
	lua_remove(L, -2);
	if (procedure_load(L, b->procedure_path, &err) != 0) {
		log_printf(PECCTL_LOG_ERROR, "batch", "%s", err.message);
		runtime_close(L);
		return NULL;
	}
	while ((job = batch_next_job(b)) != NULL)
		run_job(w, L, job);
	runtime_close(L);
	return NULL;
}

int batch_run_workers(struct batch *b)
{
	struct worker *workers = calloc((size_t)b->parallel, sizeof(*workers));
	sigset_t block, old;
	int started = 0;

	if (!workers)
		return -1;
	/* Ctrl-C goes to the main thread, which stops the scheduling. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < b->parallel; i++) {
		workers[i].b = b;
		workers[i].index = i;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
			break;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0) {
		free(workers);
		return -1;
	}
	/* the main thread draws progress while the workers run, and turns
	 * Ctrl-C into "start nothing new": woken by its clock, not by every
	 * mailbox that ends */
	pthread_mutex_lock(&b->lock);
	b->workers_alive += started;
	while (b->workers_alive > 0) {
		struct timespec ts;

		if (signals_interrupted())
			b->stopping = 1;
		pthread_mutex_unlock(&b->lock);
		batch_progress_draw(b->progress);
		pthread_mutex_lock(&b->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (b->workers_alive > 0)
			pthread_cond_timedwait(&b->worker_gone, &b->lock, &ts);
	}
	pthread_mutex_unlock(&b->lock);
	batch_progress_clear(b->progress);
	for (int i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	free(workers);
	return 0;
}
