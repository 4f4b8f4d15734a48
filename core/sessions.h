#ifndef PECCTL_SESSIONS_H
#define PECCTL_SESSIONS_H
#include "http.h"

/* What every HTTP session of the process gets when it opens: the HAR
 * recorder (--har), the replay transport (--replay) and the watcher the
 * REPL installs (last(), trace(), stepping, Ctrl-C). */

/* Called for each new session (lua_http.c). */
void sessions_attach(struct http_session *s);

/* One watcher per process (the REPL's); all members optional. observe is
 * called after every hop, gate before every hop, interrupted from inside
 * libcurl (it must only read a flag). */
struct sessions_watcher {
	void (*observe)(void *userdata, const struct http_exchange *x);
	int (*gate)(void *userdata, const char *method, const char *url, struct pecctl_error *err);
	int (*interrupted)(void *userdata);
	void *userdata;
};
/* Install (or, with NULL, remove) the watcher for sessions opened from now on. */
void sessions_watch(const struct sessions_watcher *w);

#endif
