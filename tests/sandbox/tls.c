/* The sandbox's own CA and a server certificate naming every portal host,
 * made with the openssl CLI the first time a TLS directory is used. */
#include "pecsim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char san_config[] =
	"basicConstraints=CA:FALSE\n"
	"keyUsage=critical,digitalSignature\n"
	"extendedKeyUsage=serverAuth\n"
	"subjectAltName=DNS:gestionemail.pec.it,DNS:account.aruba.it,DNS:webmail.pec.it,"
	"DNS:areaclienti.pec.it,DNS:webmail.infocert.it,DNS:localhost,IP:127.0.0.1\n";

/* dir/name, allocated: paths have no fixed size limit here. */
static char *path_in(const char *dir, const char *name)
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	return path;
}

static int file_exists(const char *dir, const char *name)
{
	char *path = path_in(dir, name);
	int ok = access(path, R_OK) == 0;
	free(path);
	return ok;
}

/* Runs openssl in dir with its chatter sent to /dev/null. */
static int run_openssl(const char *dir, const char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (chdir(dir) == 0)
			execvp("openssl", (char *const *)argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char *path = path_in(dir, name);
	FILE *f = fopen(path, "w");
	free(path);
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static char *read_file(const char *dir, const char *name)
{
	char *path = path_in(dir, name);
	FILE *f = fopen(path, "rb");
	free(path);
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, 1u << 20);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (b.overflow || !b.data) {
		buf_release(&b);
		return NULL;
	}
	return b.data;
}

/* Everything is made in a private directory and renamed into place, so
 * two emulators sharing a TLS directory never see half a certificate. */
static int make_in(const char *dir, const char *work, char *err, size_t errsize);

static int generate(const char *dir, char *err, size_t errsize)
{
	char tmpname[64];
	snprintf(tmpname, sizeof(tmpname), ".pecsim-tls-%ld", (long)getpid());
	char *work = path_in(dir, tmpname);
	int rc = make_in(dir, work, err, errsize);
	free(work);
	return rc;
}

static int make_in(const char *dir, const char *work, char *err, size_t errsize)
{
	if (mkdir(work, 0700) && errno != EEXIST) {
		snprintf(err, errsize, "cannot create %s: %s", work, strerror(errno));
		return -1;
	}
	char serial[33];
	random_hex(serial, 8);
	char serial_arg[40];
	snprintf(serial_arg, sizeof(serial_arg), "0x%s", serial);

	const char *ca_key[] = { "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca-key.pem", NULL };
	const char *ca_cert[] = { "openssl", "req", "-x509", "-new", "-key", "ca-key.pem", "-sha256", "-days", "3650",
			    "-subj", "/O=pecsim/CN=pecsim sandbox CA",
			    "-addext", "basicConstraints=critical,CA:TRUE",
			    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
			    "-out", "ca.pem", NULL };
	const char *srv_key[] = { "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server-key.pem", NULL };
	const char *srv_csr[] = { "openssl", "req", "-new", "-key", "server-key.pem", "-subj", "/O=pecsim/CN=pecsim",
			    "-out", "server.csr", NULL };
	const char *srv_cert[] = { "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
			     "-set_serial", serial_arg, "-days", "825", "-sha256", "-extfile", "san.cnf",
			     "-out", "server.pem", NULL };
	const char *const *steps[] = { ca_key, ca_cert, srv_key, srv_csr, srv_cert };

	if (write_file(work, "san.cnf", san_config)) {
		snprintf(err, errsize, "cannot write in %s: %s", work, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (run_openssl(work, steps[i])) {
			snprintf(err, errsize, "openssl %s failed while making the sandbox certificates in %s",
				 steps[i][1], work);
			return -1;
		}
	}
	static const char *const keep[] = { "ca-key.pem", "ca.pem", "server-key.pem", "server.pem" };
	for (size_t i = 0; i < 4; i++) {
		char *from = path_in(work, keep[i]), *to = path_in(dir, keep[i]);
		int failed = rename(from, to);
		if (failed)
			snprintf(err, errsize, "cannot move %s into place: %s", from, strerror(errno));
		free(from);
		free(to);
		if (failed)
			return -1;
	}
	static const char *const scratch[] = { "san.cnf", "server.csr" };
	for (size_t i = 0; i < 2; i++) {
		char *path = path_in(work, scratch[i]);
		unlink(path);
		free(path);
	}
	rmdir(work);
	return 0;
}

int tls_prepare(const char *dir, char **cert_pem, char **key_pem, char *err, size_t errsize)
{
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errsize, "cannot create TLS directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!(file_exists(dir, "ca.pem") && file_exists(dir, "server.pem") &&
	      file_exists(dir, "server-key.pem")) &&
	    generate(dir, err, errsize))
		return -1;
	*cert_pem = read_file(dir, "server.pem");
	*key_pem = read_file(dir, "server-key.pem");
	if (!*cert_pem || !*key_pem) {
		free(*cert_pem);
		free(*key_pem);
		*cert_pem = *key_pem = NULL;
		snprintf(err, errsize, "cannot read server.pem and server-key.pem in %s", dir);
		return -1;
	}
	return 0;
}
