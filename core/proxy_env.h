/* The proxy settings libcurl would take from the environment, read once
 * for the process (proxy_env.c). */
#ifndef PECCTL_PROXY_ENV_H
#define PECCTL_PROXY_ENV_H

/* The proxy for that URL, by its scheme: https_proxy or HTTPS_PROXY for
 * https:// (http_proxy, only in lower case, for http://), else all_proxy or
 * ALL_PROXY; "" when none. */
const char *proxy_env_for_url(const char *url);

/* no_proxy, else NO_PROXY: the hosts reached without the proxy; "" when none. */
const char *proxy_env_no_proxy(void);

#endif
