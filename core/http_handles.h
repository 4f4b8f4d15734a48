#ifndef PECCTL_HTTP_HANDLES_H
#define PECCTL_HTTP_HANDLES_H
#include <curl/curl.h>

/* libcurl easy handles kept for the next session of the same thread.
 * A handle brings its own transfer machinery (an internal multi handle
 * with a wake-up socket pair, the public suffix list, buffers): creating
 * one per session cost a batch more than the requests themselves. */

/* A handle for a session with this CA file (NULL or "" for the default),
 * or NULL (out of memory). *fresh is set when it is new; a kept one had
 * its cookie engine started, and its CA file set, by its first session:
 * the caller sets every other option. */
CURL *http_handle_take(const char *cacert, int *fresh);
/* Empties the handle's cookies, clears every option that points into the
 * closing session, and keeps it for the thread's next session (or cleans
 * it up when enough are kept). cacert as given to http_handle_take. */
void http_handle_give_back(CURL *curl, const char *cacert);
/* Cleans up the handles this thread keeps. Before the thread ends, and
 * before a share handle they used is cleaned up. */
void http_handles_release_thread(void);

#endif
