/* Process-wide hooks for every HTTP session: see sessions.h. */
#include "sessions.h"

#include <string.h>
#include "har.h"

static struct sessions_watcher watcher;

void sessions_watch(const struct sessions_watcher *w)
{
	if (w)
		watcher = *w;
	else
		memset(&watcher, 0, sizeof(watcher));
}

static void observe(void *userdata, const struct http_exchange *x)
{
	(void)userdata;
	if (har_recording())
		har_record(x);
	if (watcher.observe)
		watcher.observe(watcher.userdata, x);
}

static int gate(void *userdata, const char *method, const char *url, struct pecctl_error *err)
{
	(void)userdata;
	return watcher.gate ? watcher.gate(watcher.userdata, method, url, err) : 0;
}

static int interrupted(void *userdata)
{
	(void)userdata;
	return watcher.interrupted ? watcher.interrupted(watcher.userdata) : 0;
}

void sessions_attach(struct http_session *s)
{
	struct http_hooks hooks;

	if (!s)
		return;
	memset(&hooks, 0, sizeof(hooks));
	/* beside the session's own observer (a batch worker's); it costs a
	 * verbose transfer, so only when someone looks */
	if (har_recording() || watcher.observe)
		hooks.observe = observe;
	if (har_replaying())
		hooks.transport = har_replay_answer;
	if (watcher.gate)
		hooks.gate = gate;
	if (watcher.interrupted)
		hooks.interrupted = interrupted;
	http_session_set_hooks(s, &hooks);
}
