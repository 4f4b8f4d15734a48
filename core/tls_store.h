#ifndef PECCTL_TLS_STORE_H
#define PECCTL_TLS_STORE_H
#include <curl/curl.h>

/* Gives a fresh libcurl handle the process's one certificate store for
 * cafile (NULL: libcurl's default CA bundle), read once and shared by
 * every connection, instead of libcurl reading the file again for each.
 * 0 when it did; -1 when the handle is left to load the file itself (a TLS
 * backend other than OpenSSL, no default bundle, a file that cannot be
 * read: libcurl then reports it as it always has). */
int tls_store_use(CURL *curl, const char *cafile);

#endif
