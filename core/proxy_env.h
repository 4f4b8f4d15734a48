/* The proxy settings libcurl would take from the environment, read once
 * for the process (proxy_env.c). */
#ifndef PECCTL_PROXY_ENV_H
#define PECCTL_PROXY_ENV_H

/* The proxy for a URL of that scheme ("http" or "https"): https_proxy or
 * HTTPS_PROXY (http_proxy only in lower case), else all_proxy or ALL_PROXY;
 * "" when none. */
const char *proxy_env_for_scheme(const char *scheme);

/* no_proxy, else NO_PROXY: the hosts reached without the proxy; "" when none. */
const char *proxy_env_no_proxy(void);

#endif
