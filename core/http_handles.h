#ifndef PECCTL_HTTP_HANDLES_H
#define PECCTL_HTTP_HANDLES_H
#include <curl/curl.h>

/* libcurl easy handles kept for the next session of the same thread.
 * A handle brings its own transfer machinery (an internal multi handle
 * with a wake-up socket pair, the public suffix list, buffers): creating
 * one per session cost a batch more than the requests themselves. */

/* A handle with no options set and no cookies, or NULL (out of memory). */
CURL *http_handle_take(void);
/* Forgets the handle's cookies and options and keeps it for the thread's
 * next session, or cleans it up when enough are kept. */
void http_handle_give_back(CURL *curl);
/* Cleans up the handles this thread keeps. Before the thread ends, and
 * before a share handle they used is cleaned up. */
void http_handles_release_thread(void);

#endif
