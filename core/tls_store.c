/*
 * One certificate store per CA file for the whole process.
 *
 * libcurl 7.88 builds a new OpenSSL SSL_CTX for every connection and reads
 * the CA file into it: a batch's sixteen workers parsed the file sixteen
 * times (a tenth of the instructions of a 100-mailbox batch against the
 * emulator's one-certificate file; the system bundle holds some 140). Here
 * the file is read once per process (libcurl's own cache would keep it a
 * day); libcurl is told to read none (CURLOPT_CAINFO and CURLOPT_CAPATH
 * unset) and each new SSL_CTX gets the shared store from
 * CURLOPT_SSL_CTX_FUNCTION. Verification itself is untouched: peer and
 * host checks stay on, and the store carries the flags libcurl puts on its
 * own (trusted certificates first, partial chains).
 *
 * OpenSSL's X509_STORE is reference-counted and locks its own lookups, so
 * one store serves SSL_CTXs on any thread. Stores live as long as the
 * process.
 */
#include <pthread.h>
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "tls_store.h"

#define MAX_STORES 4   /* --cacert, the default bundle: rarely more than one */

struct kept_store {
	char path[4096];
	X509_STORE *store;
};

static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept_store stores[MAX_STORES];
static int n_stores;

static X509_STORE *load_store(const char *path)
{
	X509_STORE *store = X509_STORE_new();

	if (!store)
		return NULL;
	if (X509_STORE_load_locations(store, path, NULL) != 1 ||
	    X509_STORE_set_flags(store, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN) != 1) {
		X509_STORE_free(store);
		return NULL;
	}
	return store;
}

/* The store for path, read on first use; NULL when it cannot be. */
static X509_STORE *store_for(const char *path)
{
	X509_STORE *store = NULL;

	if (strlen(path) >= sizeof(stores[0].path))
		return NULL;
	pthread_mutex_lock(&stores_lock);
	for (int i = 0; i < n_stores && !store; i++)
		if (strcmp(stores[i].path, path) == 0)
			store = stores[i].store;
	if (!store && n_stores < MAX_STORES && (store = load_store(path)) != NULL) {
		strcpy(stores[n_stores].path, path);
		stores[n_stores++].store = store;
	}
	pthread_mutex_unlock(&stores_lock);
	return store;
}

/* Each new SSL_CTX: the shared store in place of the empty one libcurl
 * made (which SSL_CTX_set_cert_store frees). */
static CURLcode give_store(CURL *curl, void *ssl_ctx, void *store)
{
	(void)curl;
	if (X509_STORE_up_ref(store) != 1)
		return CURLE_OUT_OF_MEMORY;
	SSL_CTX_set_cert_store(ssl_ctx, store);
	return CURLE_OK;
}

int tls_store_use(CURL *curl, const char *cafile)
{
	X509_STORE *store;
	char *bundle = NULL;

	if (!cafile && (curl_easy_getinfo(curl, CURLINFO_CAINFO, &bundle) != CURLE_OK || !bundle))
		return -1;
	if (!(store = store_for(cafile ? cafile : bundle)))
		return -1;
	/* the callback first: a TLS backend without it keeps its own loading */
	if (curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, give_store) != CURLE_OK)
		return -1;
	if (curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, store) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CAINFO, (char *)NULL) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CAPATH, (char *)NULL) != CURLE_OK) {
		curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, (curl_ssl_ctx_callback)NULL);
		return -1;
	}
	return 0;
}
