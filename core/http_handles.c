/*
 * Per-thread spare libcurl easy handles (see http_handles.h). A session
 * gives its handle back when it closes; the next session on the same
 * thread resets it and sets its own options, so nothing but libcurl's
 * internal machinery carries over: curl_easy_reset clears every option
 * and the cookie list is emptied explicitly, as reset keeps it.
 */
#include "http_handles.h"

/* A mailbox of a batch opens one or two sessions at a time. */
#define SPARE_MAX 4

static __thread CURL *spare[SPARE_MAX];
static __thread int n_spare;

CURL *http_handle_take(void)
{
	if (n_spare > 0)
		return spare[--n_spare];
	return curl_easy_init();
}

void http_handle_give_back(CURL *curl)
{
	if (!curl)
		return;
	/* "ALL" empties the cookie store; reset would keep it for the next
	 * account */
	if (n_spare == SPARE_MAX || curl_easy_setopt(curl, CURLOPT_COOKIELIST, "ALL") != CURLE_OK) {
		curl_easy_cleanup(curl);
		return;
	}
	curl_easy_reset(curl);
	spare[n_spare++] = curl;
}

void http_handles_release_thread(void)
{
	while (n_spare > 0)
		curl_easy_cleanup(spare[--n_spare]);
}
