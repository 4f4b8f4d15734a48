/* pecsim's command line: arguments, start-up, and a clean stop on
 * SIGINT/SIGTERM (everything freed, so leak checkers stay quiet). */
#include "pecsim.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: pecsim --listen 127.0.0.1:PORT --state FILE.json --tls-dir DIR [--port-file FILE]\n"
	"\n"
	"  --listen ADDR:PORT  where to accept HTTPS; PORT 0 picks a free port\n"
	"  --state FILE        the portals' accounts and settings (see README.md)\n"
	"  --tls-dir DIR       ca.pem, server.pem, server-key.pem; created when absent\n"
	"  --port-file FILE    once listening, write the port number here\n";

struct options {
	const char *listen, *state, *tls_dir, *port_file;
};

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			exit(fflush(stdout) || ferror(stdout) ? 1 : 0);
		} else if (strcmp(argv[i], "--listen") == 0) {
			slot = &o->listen;
		} else if (strcmp(argv[i], "--state") == 0) {
			slot = &o->state;
		} else if (strcmp(argv[i], "--tls-dir") == 0) {
			slot = &o->tls_dir;
		} else if (strcmp(argv[i], "--port-file") == 0) {
			slot = &o->port_file;
		} else {
			fprintf(stderr, "pecsim: unknown option '%s'\n%s", argv[i], usage);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "pecsim: option '%s' needs a value\n", argv[i]);
			return -1;
		}
		*slot = argv[++i];
	}
	if (!o->listen || !o->state || !o->tls_dir) {
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

/* ADDR:PORT into its parts; the address buffer is caller's. */
static int split_listen(const char *spec, char *host, size_t hostsize, unsigned *port)
{
	const char *colon = strrchr(spec, ':');
	long p;
	if (!colon || (size_t)(colon - spec) >= hostsize || parse_long(colon + 1, &p) || p < 0 || p > 65535)
		return -1;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	*port = (unsigned)p;
	return 0;
}

static void free_everything(void)
{
	sessions_clear();
	auth_clear();
	codes_clear();
	faults_clear();
	variants_clear();
	reqlog_clear();
	state_free();
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	char err[512], host[256];
	unsigned port;
	if (parse_args(argc, argv, &o))
		return 2;
	if (split_listen(o.listen, host, sizeof(host), &port)) {
		fprintf(stderr, "pecsim: --listen wants ADDR:PORT, got '%s'\n", o.listen);
		return 2;
	}
	if (state_load(o.state, err, sizeof(err))) {
		fprintf(stderr, "pecsim: %s\n", err);
		return 1;
	}
	char *cert = NULL, *key = NULL;
	if (tls_prepare(o.tls_dir, &cert, &key, err, sizeof(err))) {
		fprintf(stderr, "pecsim: %s\n", err);
		state_free();
		return 1;
	}

	/* Blocked before any thread exists, so only sigwait() below sees them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct server_config cfg = { host, port, cert, key, o.port_file };
	struct server *srv = server_start(&cfg, err, sizeof(err));
	if (!srv) {
		fprintf(stderr, "pecsim: %s\n", err);
		free(cert);
		free(key);
		free_everything();
		return 1;
	}
	int sig = 0;
	while (sigwait(&stop, &sig) == EINTR)
		;
	fprintf(stderr, "pecsim: stopping (signal %d)\n", sig);
	server_stop(srv);
	free(cert);
	free(key);
	free_everything();
	return 0;
}
