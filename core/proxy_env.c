/*
 * The proxy environment variables, read once for the process.
 *
 * Left to itself, libcurl reads no_proxy, NO_PROXY, https_proxy,
 * HTTPS_PROXY, all_proxy and ALL_PROXY on every transfer: six walks of the
 * whole environment, a few thousand instructions a request, in a batch of
 * six requests a mailbox. pecctl does not change those variables while it
 * runs, so the same lookups are made once, by libcurl's rules, and every
 * transfer is handed the result as CURLOPT_PROXY and CURLOPT_NOPROXY (""
 * for none, which also tells libcurl not to look for itself):
 *
 *   - a variable set to "" counts as not set;
 *   - the scheme's own variable first, in lower case, then in upper case,
 *     except HTTP_PROXY, never read (a CGI program gets it from a request's
 *     "Proxy:" header);
 *   - then all_proxy, then ALL_PROXY;
 *   - no_proxy, then NO_PROXY: the hosts (or "*") that bypass the proxy.
 */
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include "proxy_env.h"

static struct {
	const char *http;
	const char *https;
	const char *no_proxy;
} proxy;
static pthread_once_t proxy_once = PTHREAD_ONCE_INIT;

/* The first of the names that is set and not empty, or NULL. */
static const char *first_set(const char *const *names)
{
	for (; *names; names++) {
		const char *value = getenv(*names);

		if (value && *value)
			return value;
	}
	return NULL;
}

static void read_proxy_env(void)
{
	static const char *const http[] = { "http_proxy", NULL };
	static const char *const https[] = { "https_proxy", "HTTPS_PROXY", NULL };
	static const char *const all[] = { "all_proxy", "ALL_PROXY", NULL };
	static const char *const no_proxy[] = { "no_proxy", "NO_PROXY", NULL };
	const char *fallback = first_set(all);

	/* the environment's own strings: pecctl never sets these variables,
	 * so they stay as they are for the life of the process */
	proxy.http = first_set(http);
	proxy.https = first_set(https);
	if (!proxy.http)
		proxy.http = fallback ? fallback : "";
	if (!proxy.https)
		proxy.https = fallback ? fallback : "";
	proxy.no_proxy = first_set(no_proxy);
	if (!proxy.no_proxy)
		proxy.no_proxy = "";
}

const char *proxy_env_for_url(const char *url)
{
	pthread_once(&proxy_once, read_proxy_env);
	return strncasecmp(url, "http:", 5) == 0 ? proxy.http : proxy.https;
}

const char *proxy_env_no_proxy(void)
{
	pthread_once(&proxy_once, read_proxy_env);
	return proxy.no_proxy;
}
