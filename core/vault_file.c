/*
 * The vault file: format, key derivation, encryption, atomic replacement
 * and the lock.
 *
 *   offset  size  field
 *        0     8  magic "PECCTLV1"
 *        8     4  format version, big-endian (1)
 *       12     8  Argon2id opslimit, big-endian
 *       20     8  Argon2id memlimit in bytes, big-endian
 *       28    16  salt
 *       44    24  XChaCha20-Poly1305 nonce (new for every write)
 *       68    16  key check: tells a wrong passphrase from a damaged file
 *       84    16  BLAKE2b-128 of bytes 0..83: tells a damaged header
 *      100     -  ciphertext of the padded JSON plaintext, then the 16-byte tag
 *
 * The whole header is the AEAD's additional data, so changing any byte of
 * it (parameters included) makes the file fail authentication.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "vault_internal.h"

#define MAGIC "PECCTLV1"
#define FORMAT_VERSION 1
#define OFF_VERSION 8
#define OFF_OPS 12
#define OFF_MEM 20
#define OFF_SALT 28
#define OFF_NONCE 44
#define OFF_CHECK 68
#define OFF_HASH 84
#define HEADER_LEN 100
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define PAD_BLOCK 256             /* hides how many entries there are, roughly */
#define FILE_MAX (64u << 20)      /* far beyond any real vault */

/* The floor is libsodium's "interactive" level; the ceiling only stops a
 * forged header from making pecctl hash for hours or exhaust memory. */
#define OPS_FLOOR crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEM_FLOOR crypto_pwhash_MEMLIMIT_INTERACTIVE
#define OPS_CEILING 16ULL
#define MEM_CEILING ((size_t)2 << 30)

static const char kdf_context[crypto_kdf_CONTEXTBYTES] = { 'p', 'e', 'c', 'c', 't', 'l', 'v', '1' };

void vault_errorf(struct pecctl_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

void vault_now(char *buf)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = (v << 8) | p[i];
	return v;
}

void vault_blob_release(struct vault_blob *blob)
{
	free(blob->data);
	blob->data = NULL;
	blob->len = 0;
}

int vault_file_load(const char *path, struct vault_blob *blob, struct pecctl_error *err)
{
	struct stat st;
	size_t n = 0;
	int fd;

	blob->data = NULL;
	blob->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			vault_errorf(err, "noinput",
				     "no vault at %s: create one with 'pecctl vault init' "
				     "(or point PECCTL_VAULT or --vault at yours)", path);
		else
			vault_errorf(err, "io", "cannot open the vault %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		vault_errorf(err, PECCTL_E_INVALID, "the vault %s is not a regular file", path);
		goto fail;
	}
	if (st.st_mode & 077) {
		vault_errorf(err, "config",
			     "the vault %s is open to other users (mode %04o): refusing to use it; "
			     "run 'chmod 600 %s' and consider changing its passphrase",
			     path, (unsigned)(st.st_mode & 07777), path);
		goto fail;
	}
	if ((uintmax_t)st.st_size > FILE_MAX) {
		vault_errorf(err, PECCTL_E_INVALID, "the vault %s is %jd bytes, more than any vault: is it the right file?",
			     path, (intmax_t)st.st_size);
		goto fail;
	}
	blob->data = malloc((size_t)st.st_size + 1);
	if (!blob->data)
		abort();
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, blob->data + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			vault_errorf(err, "io", "cannot read the vault %s: %s", path, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	blob->len = n;
	close(fd);
	return 0;
fail:
	close(fd);
	vault_blob_release(blob);
	return -1;
}

int vault_file_header(const char *path, const struct vault_blob *blob, struct vault_header *hdr,
		      struct pecctl_error *err)
{
	const unsigned char *d = blob->data;
	unsigned char hash[16];
	uint64_t ops, mem;

	if (blob->len >= 8 && memcmp(d, MAGIC, 8) != 0) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "%s is not a pecctl vault (it does not start with " MAGIC "): "
			     "check PECCTL_VAULT or --vault", path);
		return -1;
	}
	if (blob->len < HEADER_LEN + TAG_LEN) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the vault %s is truncated (%zu bytes; a vault has at least %d): "
			     "restore it from a backup", path, blob->len, HEADER_LEN + TAG_LEN);
		return -1;
	}
	hdr->version = (uint32_t)get_be(d + OFF_VERSION, 4);
	if (hdr->version != FORMAT_VERSION) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the vault %s has format version %u, which this pecctl (version %d) cannot read: "
			     "use the pecctl that wrote it, or a newer one", path, hdr->version, FORMAT_VERSION);
		return -1;
	}
	crypto_generichash(hash, sizeof(hash), d, OFF_HASH, NULL, 0);
	if (sodium_memcmp(hash, d + OFF_HASH, sizeof(hash)) != 0) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the vault %s has a damaged header (its checksum does not match): "
			     "restore it from a backup", path);
		return -1;
	}
	ops = get_be(d + OFF_OPS, 8);
	mem = get_be(d + OFF_MEM, 8);
	if (ops < OPS_FLOOR || mem < MEM_FLOOR) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the vault %s asks for key derivation weaker than pecctl accepts "
			     "(opslimit %llu, memlimit %llu KiB; the floor is %llu and %llu KiB): refusing it. "
			     "pecctl never writes such a file, so it has been tampered with: restore it from a backup",
			     path, (unsigned long long)ops, (unsigned long long)(mem >> 10),
			     (unsigned long long)OPS_FLOOR, (unsigned long long)(MEM_FLOOR >> 10));
		return -1;
	}
	if (ops > OPS_CEILING || mem > MEM_CEILING) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the vault %s asks for key derivation costlier than pecctl allows "
			     "(opslimit %llu, memlimit %llu MiB; at most %llu and %llu MiB): refusing it; "
			     "restore it from a backup", path, (unsigned long long)ops,
			     (unsigned long long)(mem >> 20), OPS_CEILING, (unsigned long long)(MEM_CEILING >> 20));
		return -1;
	}
	hdr->opslimit = ops;
	hdr->memlimit = (size_t)mem;
	memcpy(hdr->salt, d + OFF_SALT, sizeof(hdr->salt));
	return 0;
}

int vault_key_derive(const char *pass, size_t pass_len, const unsigned char *salt,
		     unsigned long long opslimit, size_t memlimit, struct vault_key *key,
		     struct pecctl_error *err)
{
	unsigned char *master = sodium_malloc(32);

	if (!master)
		abort();
	if (crypto_pwhash(master, 32, pass, pass_len, salt, opslimit, memlimit,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_free(master);
		vault_errorf(err, "io",
			     "cannot derive the vault key: not enough memory for Argon2id (%zu MiB)",
			     memlimit >> 20);
		return -1;
	}
	crypto_kdf_derive_from_key(key->enc, sizeof(key->enc), 1, kdf_context, master);
	crypto_kdf_derive_from_key(key->check, sizeof(key->check), 2, kdf_context, master);
	sodium_free(master);
	memcpy(key->salt, salt, sizeof(key->salt));
	key->opslimit = opslimit;
	key->memlimit = memlimit;
	return 0;
}

int vault_file_decrypt(const char *path, const struct vault_blob *blob, const struct vault_key *key,
		       struct vault_doc *doc, struct pecctl_error *err)
{
	const unsigned char *d = blob->data;
	size_t clen = blob->len - HEADER_LEN, unpadded;
	unsigned long long mlen;
	unsigned char *plain;
	const char *why;
	int rc = -1;

	if (sodium_memcmp(key->check, d + OFF_CHECK, sizeof(key->check)) != 0) {
		vault_errorf(err, PECCTL_E_AUTH,
			     "wrong passphrase for the vault %s: try again, or check "
			     "PECCTL_VAULT_PASSPHRASE or the --passphrase-file you gave", path);
		return -1;
	}
	plain = sodium_malloc(clen);
	if (!plain)
		abort();
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL, d + HEADER_LEN, clen,
						       d, HEADER_LEN, d + OFF_NONCE, key->enc) != 0) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the vault %s is damaged: the passphrase is right but the contents fail "
			     "authentication (changed or cut short): restore it from a backup", path);
		goto out;
	}
	if (sodium_unpad(&unpadded, plain, (size_t)mlen, PAD_BLOCK) != 0 ||
	    vault_doc_decode(doc, (const char *)plain, unpadded, &why) != 0) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the vault %s decrypts but its contents are not a vault: restore it from a backup",
			     path);
		goto out;
	}
	rc = 0;
out:
	sodium_free(plain);
	return rc;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t put = write(fd, p, len);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		p += put;
		len -= (size_t)put;
	}
	return 0;
}

/* The directory part of path ("." when none). */
static void dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, cap, ".");
	else if (slash == path)
		snprintf(dir, cap, "/");
	else
		snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

int vault_make_dir(const char *path, struct pecctl_error *err)
{
	char dir[PATH_MAX];

	dir_of(path, dir, sizeof(dir));
	for (char *p = dir + 1; ; p++) {
		char saved = *p;
		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			vault_errorf(err, "io", "cannot create the directory %s for the vault: %s",
				     dir, strerror(errno));
			return -1;
		}
		*p = saved;
		if (!saved)
			break;
	}
	return 0;
}

int vault_file_store(const char *path, const struct vault_key *key, const struct vault_doc *doc,
		     struct pecctl_error *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	unsigned char header[HEADER_LEN], *out = NULL;
	size_t len, padded;
	unsigned long long clen;
	char *plain;
	int fd = -1, dfd, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp)) {
		vault_errorf(err, "io", "the vault path %s is too long", path);
		return -1;
	}
	memcpy(header, MAGIC, 8);
	put_be(header + OFF_VERSION, FORMAT_VERSION, 4);
	put_be(header + OFF_OPS, key->opslimit, 8);
	put_be(header + OFF_MEM, key->memlimit, 8);
	memcpy(header + OFF_SALT, key->salt, sizeof(key->salt));
	randombytes_buf(header + OFF_NONCE, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	memcpy(header + OFF_CHECK, key->check, sizeof(key->check));
	crypto_generichash(header + OFF_HASH, 16, header, OFF_HASH, NULL, 0);

	plain = vault_doc_encode(doc, PAD_BLOCK, &len);
	if (sodium_pad(&padded, (unsigned char *)plain, len, PAD_BLOCK, len + PAD_BLOCK) != 0)
		abort();
	out = malloc(HEADER_LEN + padded + TAG_LEN);
	if (!out)
		abort();
	memcpy(out, header, HEADER_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + HEADER_LEN, &clen, (unsigned char *)plain, padded,
						   header, HEADER_LEN, NULL, header + OFF_NONCE, key->enc);
	sodium_free(plain);

	/* mkstemp creates the file 0600 with O_EXCL, next to the vault so that
	 * rename replaces it atomically. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		vault_errorf(err, "io", "cannot create a temporary file next to the vault %s: %s",
			     path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, out, HEADER_LEN + (size_t)clen) != 0 || fsync(fd) != 0) {
		vault_errorf(err, "io", "cannot write the vault %s: %s (the old file is unchanged)",
			     path, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		vault_errorf(err, "io", "cannot write the vault %s: %s (the old file is unchanged)",
			     path, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		vault_errorf(err, "io", "cannot replace the vault %s: %s (the old file is unchanged)",
			     path, strerror(errno));
		goto fail;
	}
	/* The rename is durable only once the directory is on disk too. */
	dir_of(path, dir, sizeof(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		vault_errorf(err, "io", "cannot sync the directory %s of the vault: %s",
			     dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	close(dfd);
	rc = 0;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(out);
	return rc;
}

static double lock_timeout(void)
{
	const char *env = getenv("PECCTL_VAULT_LOCK_TIMEOUT");
	char *end;
	double t;

	if (!env || !*env)
		return 10.0;
	t = strtod(env, &end);
	return (*end || t < 0 || t > 3600) ? 10.0 : t;
}

/* The pid the holder wrote into the lock file, when that process lives. */
static long lock_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (pid <= 0 || (*end && *end != '\n'))
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return 0;
	return pid;
}

/* Temporary files of writers that died mid-write (SIGKILL, power loss):
 * with the lock held no live writer has one, so any left is stale. */
static void remove_stale_temps(const char *path)
{
	char dir[PATH_MAX], prefix[NAME_MAX + 8], stale[PATH_MAX];
	const char *base = strrchr(path, '/');
	struct dirent *de;
	DIR *d;

	dir_of(path, dir, sizeof(dir));
	snprintf(prefix, sizeof(prefix), "%s.tmp-", base ? base + 1 : path);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    snprintf(stale, sizeof(stale), "%s/%s", dir, de->d_name) < (int)sizeof(stale))
			unlink(stale);
	closedir(d);
}

int vault_lock_acquire(const char *path, struct pecctl_error *err)
{
	char lock_path[PATH_MAX], pid[32];
	double timeout = lock_timeout(), waited = 0;
	const struct timespec step = { 0, 50 * 1000 * 1000 };
	int fd, n;

	if (snprintf(lock_path, sizeof(lock_path), "%s.lock", path) >= (int)sizeof(lock_path)) {
		vault_errorf(err, "io", "the vault path %s is too long", path);
		return -1;
	}
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		vault_errorf(err, "io", "cannot open the vault's lock file %s: %s", lock_path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			vault_errorf(err, "io", "cannot lock %s: %s", lock_path, strerror(errno));
			close(fd);
			return -1;
		}
		if (waited >= timeout) {
			long holder = lock_holder(fd);
			char who[48] = "another process";
			if (holder)
				snprintf(who, sizeof(who), "another pecctl (pid %ld)", holder);
			vault_errorf(err, PECCTL_E_TIMEOUT,
				     "the vault %s is locked by %s and was not released within %g s: "
				     "wait for it to finish and try again (lock file %s)",
				     path, who, timeout, lock_path);
			close(fd);
			return -1;
		}
		nanosleep(&step, NULL);
		waited += 0.05;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* the pid only makes the "locked" message friendlier */
	}
	remove_stale_temps(path);
	return fd;
}

void vault_lock_release(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) != 0) {
		/* a stale pid is checked for liveness before it is named */
	}
	close(fd);  /* releases the flock */
}
