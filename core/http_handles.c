/*
 * Per-thread spare libcurl easy handles (see http_handles.h). A session
 * gives its handle back when it closes; the next session on the same
 * thread with the same CA file takes it and sets every option it uses
 * again, so nothing of the last session carries over: its cookies are
 * emptied here, and every option pointing into its memory is cleared.
 *
 * curl_easy_reset is not used: libcurl 7.88 loses the list behind
 * CURLOPT_COOKIEFILE there (a leak), and the cookie engine that option
 * started stays on without it.
 */
#include <stdlib.h>
#include <string.h>
#include "http_handles.h"

/* A mailbox of a batch opens one or two sessions at a time. */
#define SPARE_MAX 4

struct spare {
	CURL *curl;
	char *cacert;   /* the CA file it was set up with, "" for the default */
};

static __thread struct spare spares[SPARE_MAX];
static __thread int n_spare;

CURL *http_handle_take(const char *cacert, int *fresh)
{
	if (!cacert)
		cacert = "";
	for (int i = n_spare - 1; i >= 0; i--) {
		if (strcmp(spares[i].cacert, cacert) == 0) {
			CURL *curl = spares[i].curl;

			free(spares[i].cacert);
			spares[i] = spares[--n_spare];
			*fresh = 0;
			return curl;
		}
	}
	*fresh = 1;
	return curl_easy_init();
}

void http_handle_give_back(CURL *curl, const char *cacert)
{
	char *kept = strdup(cacert ? cacert : "");
	int ok = kept != NULL && n_spare < SPARE_MAX;

	if (!curl) {
		free(kept);
		return;
	}
	/* no cookie for the next account, and no pointer into the closed
	 * session: libcurl may log or report while it closes connections */
	ok = ok && curl_easy_setopt(curl, CURLOPT_COOKIELIST, "ALL") == CURLE_OK;
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 0L);
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, (curl_debug_callback)NULL);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 1L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, (curl_xferinfo_callback)NULL);
	curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, (curl_prereq_callback)NULL);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, (curl_write_callback)NULL);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, (curl_write_callback)NULL);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, (char *)NULL);
	curl_easy_setopt(curl, CURLOPT_CONNECT_TO, (struct curl_slist *)NULL);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	if (!ok) {
		free(kept);
		curl_easy_cleanup(curl);
		return;
	}
	spares[n_spare].curl = curl;
	spares[n_spare].cacert = kept;
	n_spare++;
}

void http_handles_release_thread(void)
{
	while (n_spare > 0) {
		n_spare--;
		curl_easy_cleanup(spares[n_spare].curl);
		free(spares[n_spare].cacert);
	}
}
