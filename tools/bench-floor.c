/*
 * The floor for tools/bench-batch: the Aruba password change done by the
 * plainest C program on libcurl that can do it. The same six requests as
 * pecctl (GET /, POST /login -> /titolare, GET /cambio-password, POST
 * /cambio-password -> /cambio-password), a form token found with strstr,
 * no HTML parser, no scripting, one kept-alive connection per thread.
 *
 *   bench-floor CONNECT_TO CAFILE ACCOUNTS_FILE PASSWORD NEW_PASSWORD THREADS
 *
 * CONNECT_TO is HOST:PORT of the emulator; ACCOUNTS_FILE one address a
 * line. Prints "ok N failed M". Built by tools/bench-batch.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#define MAX_BODY ((size_t)1 << 20)
#define MAX_ACCOUNTS 100000

struct body {
	char *data;
	size_t len;
};

static char **accounts;
static size_t n_accounts, next_account;
static long n_ok, n_failed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *cafile, *password, *new_password;

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	struct body *b = userdata;
	size_t len = size * n;
	char *grown;

	if (b->len + len > MAX_BODY)
		return 0;
	grown = realloc(b->data, b->len + len + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

static int fetch(CURL *c, struct body *b, const char *url, const char *post)
{
	long status = 0;

	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	else
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (curl_easy_perform(c) != CURLE_OK)
		return -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status == 200 ? 0 : -1;
}

/* The value of the hidden _token input, into out. */
static int token(const struct body *b, char *out, size_t cap)
{
	static const char mark[] = "name=\"_token\" value=\"";
	const char *p = b->data ? strstr(b->data, mark) : NULL;
	const char *end;

	if (!p)
		return -1;
	p += sizeof(mark) - 1;
	end = strchr(p, '"');
	if (!end || (size_t)(end - p) >= cap)
		return -1;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return 0;
}

static int change_one(CURL *c, struct body *b, const char *account)
{
	char tok[128], form[1024];
	char *acct = curl_easy_escape(c, account, 0), *pw = curl_easy_escape(c, password, 0),
	     *npw = curl_easy_escape(c, new_password, 0);
	int rc = -1;

	curl_easy_setopt(c, CURLOPT_COOKIELIST, "ALL");
	if (fetch(c, b, "https://gestionemail.pec.it/", NULL) || token(b, tok, sizeof(tok)))
		goto out;
	snprintf(form, sizeof(form), "_token=%s&casella=%s&password=%s", tok, acct, pw);
	if (fetch(c, b, "https://gestionemail.pec.it/login", form) ||
	    fetch(c, b, "https://gestionemail.pec.it/cambio-password", NULL) || token(b, tok, sizeof(tok)))
		goto out;
	snprintf(form, sizeof(form), "_token=%s&password_attuale=%s&nuova_password=%s&ripeti_password=%s",
		 tok, pw, npw, npw);
	if (fetch(c, b, "https://gestionemail.pec.it/cambio-password", form))
		goto out;
	rc = strstr(b->data, "modificata correttamente") ? 0 : -1;
out:
	curl_free(acct);
	curl_free(pw);
	curl_free(npw);
	return rc;
}

static void *worker(void *arg)
{
	struct curl_slist *to = curl_slist_append(NULL, arg);
	struct body b = { NULL, 0 };
	CURL *c = curl_easy_init();

	curl_easy_setopt(c, CURLOPT_CONNECT_TO, to);
	curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	for (;;) {
		size_t i;
		int rc;

		pthread_mutex_lock(&lock);
		i = next_account++;
		pthread_mutex_unlock(&lock);
		if (i >= n_accounts)
			break;
		rc = change_one(c, &b, accounts[i]);
		pthread_mutex_lock(&lock);
		if (rc == 0)
			n_ok++;
		else
			n_failed++;
		pthread_mutex_unlock(&lock);
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(to);
	free(b.data);
	return NULL;
}

int main(int argc, char **argv)
{
	char line[512], spec[300];
	pthread_t threads[256];
	long n_threads;
	FILE *f;

	if (argc != 7) {
		fprintf(stderr, "usage: bench-floor CONNECT_TO CAFILE ACCOUNTS_FILE PASSWORD NEW_PASSWORD THREADS\n");
		return 64;
	}
	cafile = argv[2];
	password = argv[4];
	new_password = argv[5];
	n_threads = strtol(argv[6], NULL, 10);
	if (n_threads < 1 || n_threads > 256)
		return 64;
	f = fopen(argv[3], "r");
	if (!f) {
		perror(argv[3]);
		return 66;
	}
	accounts = calloc(MAX_ACCOUNTS, sizeof(*accounts));
	while (accounts && n_accounts < MAX_ACCOUNTS && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && strchr(line, '@'))
			accounts[n_accounts++] = strdup(line);
	}
	fclose(f);
	snprintf(spec, sizeof(spec), "::%s", argv[1]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (long i = 0; i < n_threads; i++)
		pthread_create(&threads[i], NULL, worker, spec);
	for (long i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	printf("ok %ld failed %ld\n", n_ok, n_failed);
	for (size_t i = 0; i < n_accounts; i++)
		free(accounts[i]);
	free(accounts);
	curl_global_cleanup();
	return n_failed ? 1 : 0;
}
