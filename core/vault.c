/*
 * The vault's entries and operations, on one process-wide vault: where it
 * is, its passphrase (asked once), the derived key (kept in locked memory
 * so a rotation's several writes cost one Argon2id), and the
 * read-modify-write cycle under the lock file.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "prompt.h"
#include "secret.h"
#include "vault_internal.h"

#define PASSPHRASE_MIN 8
#define TTY_ATTEMPTS 3

static pthread_mutex_t vault_mutex = PTHREAD_MUTEX_INITIALIZER;
static char path_override[PATH_MAX];
static char path_buf[PATH_MAX];
/* Where the vault is configured to be, before links are followed: worked
 * out once (vault_set_path starts over), under the mutex. */
static char configured[PATH_MAX];
static int configured_known;
/* vault_hold_presence: whether the vault exists, as found once (-1:
 * asked of the file system each time), and where it then was */
static int held_presence = -1;
static char held_path[PATH_MAX];
static char passphrase_file[PATH_MAX];
static struct secret *passphrase;     /* cached for the process */
static int passphrase_from_tty;
static struct vault_key *key;         /* sodium_malloc'd, valid when key_valid */
static int key_valid;

void vault_set_path(const char *path)
{
	pthread_mutex_lock(&vault_mutex);
	snprintf(path_override, sizeof(path_override), "%s", path ? path : "");
	configured_known = 0;
	key_valid = 0;
	held_presence = -1;
	pthread_mutex_unlock(&vault_mutex);
}

void vault_set_passphrase_file(const char *path)
{
	pthread_mutex_lock(&vault_mutex);
	snprintf(passphrase_file, sizeof(passphrase_file), "%s", path ? path : "");
	pthread_mutex_unlock(&vault_mutex);
}

static const char *configured_path(void)
{
	const char *env = getenv("PECCTL_VAULT");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (configured_known)
		return configured;
	if (path_override[0])
		snprintf(configured, sizeof(configured), "%s", path_override);
	else if (env && *env)
		snprintf(configured, sizeof(configured), "%s", env);
	else if (xdg && *xdg)
		snprintf(configured, sizeof(configured), "%s/pecctl/vault", xdg);
	else
		snprintf(configured, sizeof(configured), "%s/.local/share/pecctl/vault", home ? home : ".");
	configured_known = 1;
	return configured;
}

/* A symlinked vault is followed, so that the atomic rename replaces the
 * file and not the link. */
static void follow_link(char *path, size_t cap)
{
	char resolved[PATH_MAX];
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, resolved))
		snprintf(path, cap, "%s", resolved);
}

/* Called with the mutex held. */
static const char *current_path(void)
{
	snprintf(path_buf, sizeof(path_buf), "%s", configured_path());
	follow_link(path_buf, sizeof(path_buf));
	return path_buf;
}

const char *vault_path(void)
{
	const char *path;

	pthread_mutex_lock(&vault_mutex);
	path = current_path();
	pthread_mutex_unlock(&vault_mutex);
	return path;
}

int vault_locate(char *out, size_t cap)
{
	int exists;

	/* the lock only for the configured path: the file system is asked
	 * without it, which batch workers would queue for */
	pthread_mutex_lock(&vault_mutex);
	exists = held_presence;
	snprintf(out, cap, "%s", exists >= 0 ? held_path : configured_path());
	pthread_mutex_unlock(&vault_mutex);
	if (exists >= 0)
		return exists;
	exists = access(out, F_OK) == 0;
	if (exists)
		follow_link(out, cap);
	return exists;
}

int vault_hold_presence(void)
{
	char path[PATH_MAX];
	int exists = vault_locate(path, sizeof(path));

	pthread_mutex_lock(&vault_mutex);
	snprintf(held_path, sizeof(held_path), "%s", path);
	held_presence = exists;
	pthread_mutex_unlock(&vault_mutex);
	return exists;
}

int vault_exists(void)
{
	char path[PATH_MAX];

	return vault_locate(path, sizeof(path));
}

static void forget_locked(void)
{
	secret_free(passphrase);
	passphrase = NULL;
	passphrase_from_tty = 0;
	if (key)
		sodium_memzero(key, sizeof(*key));
	key_valid = 0;
}

void vault_forget(void)
{
	pthread_mutex_lock(&vault_mutex);
	forget_locked();
	if (key) {
		sodium_free(key);
		key = NULL;
	}
	pthread_mutex_unlock(&vault_mutex);
}

int vault_kdf_named(const char *name, struct vault_kdf *kdf, struct pecctl_error *err)
{
	if (!name || !*name)
		name = getenv("PECCTL_VAULT_KDF");
	if (!name || !*name || strcmp(name, "moderate") == 0) {
		kdf->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
		kdf->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
	} else if (strcmp(name, "interactive") == 0) {
		kdf->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		kdf->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	} else if (strcmp(name, "sensitive") == 0) {
		kdf->opslimit = crypto_pwhash_OPSLIMIT_SENSITIVE;
		kdf->memlimit = crypto_pwhash_MEMLIMIT_SENSITIVE;
	} else {
		vault_errorf(err, "usage",
			     "'%s' is not a key-derivation level: use interactive (fastest, the floor), "
			     "moderate (the default) or sensitive", name);
		return -1;
	}
	return 0;
}

/* The passphrase, from the first source that has one; mutex held. */
static const struct secret *get_passphrase(const char *path, struct pecctl_error *err)
{
	const char *file = passphrase_file[0] ? passphrase_file : getenv("PECCTL_VAULT_PASSPHRASE_FILE");
	const char *env = getenv("PECCTL_VAULT_PASSPHRASE");

	if (passphrase)
		return passphrase;
	if (file && *file) {
		char ref[PATH_MAX + 8];

		if (access(file, F_OK) != 0) {
			vault_errorf(err, "noinput", "cannot read the passphrase file %s: %s", file, strerror(errno));
			return NULL;
		}
		snprintf(ref, sizeof(ref), "file:%s", file);
		passphrase = secret_resolve(ref, NULL, err);
	} else if (env) {
		passphrase = secret_new(env, strlen(env));
	} else if (prompt_has_tty()) {
		char *buf = sodium_malloc(1024);
		char question[PATH_MAX + 64];

		if (!buf)
			abort();
		snprintf(question, sizeof(question), "passphrase for the vault %s:", path);
		if (prompt_ask(question, 0, buf, 1024, err) == 0) {
			passphrase = secret_new(buf, strlen(buf));
			passphrase_from_tty = 1;
		}
		sodium_free(buf);
	} else {
		vault_errorf(err, PECCTL_E_NEEDS_HUMAN,
			     "the vault %s needs its passphrase and there is no terminal to ask: "
			     "set PECCTL_VAULT_PASSPHRASE or PECCTL_VAULT_PASSPHRASE_FILE, or give --passphrase-file",
			     path);
	}
	return passphrase;
}

/* The key lives until vault_forget or, at the latest, exit: zeroed then
 * rather than left for whoever reads the process's memory. */
static void forget_at_exit(void)
{
	vault_forget();
}

static void make_key(void)
{
	static int registered;

	if (key)
		return;
	if (!(key = sodium_malloc(sizeof(*key))))
		abort();
	if (!registered++)
		atexit(forget_at_exit);
}

static int same_params(const struct vault_key *k, const struct vault_header *h)
{
	return k->opslimit == h->opslimit && k->memlimit == h->memlimit &&
	       sodium_memcmp(k->salt, h->salt, sizeof(h->salt)) == 0;
}

/* Reads and decrypts the vault into doc (mutex held). A wrong passphrase
 * typed at the terminal is asked again, as sudo does. */
static int open_doc(const char *path, struct vault_doc *doc, struct pecctl_error *err)
{
	for (int attempt = 1;; attempt++) {
		struct vault_blob blob;
		struct vault_header hdr;
		const struct secret *pass;
		int rc;

		vault_doc_init(doc);
		if (vault_file_load(path, &blob, err) != 0)
			return -1;
		if (vault_file_header(path, &blob, &hdr, err) != 0) {
			vault_blob_release(&blob);
			return -1;
		}
		make_key();
		if (!key_valid || !same_params(key, &hdr)) {
			size_t len;
			const char *bytes;

			key_valid = 0;
			if (!(pass = get_passphrase(path, err))) {
				vault_blob_release(&blob);
				return -1;
			}
			bytes = secret_bytes(pass, &len);
			if (vault_key_derive(bytes, len, hdr.salt, hdr.opslimit, hdr.memlimit, key, err) != 0) {
				vault_blob_release(&blob);
				return -1;
			}
			key_valid = 1;
		}
		rc = vault_file_decrypt(path, &blob, key, doc, err);
		vault_blob_release(&blob);
		if (rc == 0)
			return 0;
		if (strcmp(err->code, PECCTL_E_AUTH) != 0 || !passphrase_from_tty || attempt >= TTY_ATTEMPTS) {
			if (strcmp(err->code, PECCTL_E_AUTH) == 0)
				forget_locked();
			return -1;
		}
		forget_locked();
		fprintf(stderr, "pecctl: wrong passphrase, try again\n");
	}
}

int vault_unlock(struct pecctl_error *err)
{
	struct vault_doc doc;
	int rc;

	pthread_mutex_lock(&vault_mutex);
	rc = open_doc(current_path(), &doc, err);
	if (rc == 0)
		vault_doc_release(&doc);
	pthread_mutex_unlock(&vault_mutex);
	return rc;
}

typedef int (*change_fn)(struct vault_doc *doc, void *arg, struct pecctl_error *err);

/* One read-modify-write: the key is made ready before the lock is taken
 * (a passphrase typed slowly must not hold other processes up), then the
 * file is read again under the lock, changed and replaced. */
static int transact(change_fn change, void *arg, struct pecctl_error *err)
{
	struct vault_doc doc;
	const char *path;
	int fd, rc = -1;

	pthread_mutex_lock(&vault_mutex);
	path = current_path();
	if (!key_valid) {
		if (open_doc(path, &doc, err) != 0)
			goto out;
		vault_doc_release(&doc);
	}
	if ((fd = vault_lock_acquire(path, err)) < 0)
		goto out;
	if (open_doc(path, &doc, err) == 0) {
		if (change(&doc, arg, err) == 0)
			rc = vault_file_store(path, key, &doc, err);
		vault_doc_release(&doc);
	}
	vault_lock_release(fd);
out:
	pthread_mutex_unlock(&vault_mutex);
	return rc;
}

static int check_passphrase(const struct secret *pass, struct pecctl_error *err)
{
	size_t len;

	secret_bytes(pass, &len);
	if (len < PASSPHRASE_MIN) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "a vault passphrase needs at least %d characters (it guards every password inside)",
			     PASSPHRASE_MIN);
		return -1;
	}
	return 0;
}

int vault_init(const struct secret *pass, const struct vault_kdf *kdf, struct pecctl_error *err)
{
	unsigned char salt[crypto_pwhash_SALTBYTES];
	struct vault_doc doc;
	const char *path;
	const char *bytes;
	size_t len;
	int fd, rc = -1;

	if (check_passphrase(pass, err) != 0)
		return -1;
	pthread_mutex_lock(&vault_mutex);
	path = current_path();
	if (vault_make_dir(path, err) != 0 || (fd = vault_lock_acquire(path, err)) < 0)
		goto out;
	if (access(path, F_OK) == 0) {
		vault_errorf(err, "exists",
			     "a vault already exists at %s: use it, change its passphrase with 'pecctl vault passwd', "
			     "or move it away first", path);
		goto unlock;
	}
	forget_locked();
	make_key();
	randombytes_buf(salt, sizeof(salt));
	bytes = secret_bytes(pass, &len);
	if (vault_key_derive(bytes, len, salt, kdf->opslimit, kdf->memlimit, key, err) != 0)
		goto unlock;
	key_valid = 1;
	vault_doc_init(&doc);
	rc = vault_file_store(path, key, &doc, err);
	if (rc == 0)
		passphrase = secret_new(bytes, len);
	else
		forget_locked();
unlock:
	vault_lock_release(fd);
out:
	pthread_mutex_unlock(&vault_mutex);
	return rc;
}

int vault_passwd(const struct secret *new_pass, const struct vault_kdf *kdf, struct pecctl_error *err)
{
	struct vault_key *new_key;
	unsigned char salt[crypto_pwhash_SALTBYTES];
	struct vault_doc doc;
	const char *path, *bytes;
	size_t len;
	int fd, rc = -1;

	if (check_passphrase(new_pass, err) != 0)
		return -1;
	if (!(new_key = sodium_malloc(sizeof(*new_key))))
		abort();
	pthread_mutex_lock(&vault_mutex);
	path = current_path();
	if (open_doc(path, &doc, err) != 0)
		goto out;
	vault_doc_release(&doc);
	randombytes_buf(salt, sizeof(salt));
	bytes = secret_bytes(new_pass, &len);
	if (vault_key_derive(bytes, len, salt, kdf->opslimit, kdf->memlimit, new_key, err) != 0)
		goto out;
	if ((fd = vault_lock_acquire(path, err)) < 0)
		goto out;
	if (open_doc(path, &doc, err) == 0) {
		rc = vault_file_store(path, new_key, &doc, err);
		vault_doc_release(&doc);
	}
	vault_lock_release(fd);
	if (rc == 0) {
		forget_locked();
		memcpy(key, new_key, sizeof(*key));
		key_valid = 1;
		passphrase = secret_new(bytes, len);
	}
out:
	sodium_free(new_key);
	pthread_mutex_unlock(&vault_mutex);
	return rc;
}

static int info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vault_info *)a)->key, ((const struct vault_info *)b)->key);
}

int vault_list(struct vault_info **out, size_t *count, struct pecctl_error *err)
{
	struct vault_doc doc;
	int rc = -1;

	*out = NULL;
	*count = 0;
	pthread_mutex_lock(&vault_mutex);
	if (open_doc(current_path(), &doc, err) == 0) {
		struct vault_info *info = calloc(doc.count ? doc.count : 1, sizeof(*info));

		if (!info)
			abort();
		for (size_t i = 0; i < doc.count; i++) {
			const struct vault_entry *e = &doc.entries[i];
			snprintf(info[i].key, sizeof(info[i].key), "%s", e->key);
			info[i].has_current = e->has_current;
			info[i].has_previous = e->has_previous;
			info[i].has_pending = e->has_pending;
			snprintf(info[i].op, sizeof(info[i].op), "%s", e->has_pending ? e->op : "");
			snprintf(info[i].pending_time, sizeof(info[i].pending_time), "%s",
				 e->has_pending ? e->pending_time : "");
			info[i].failed_logins = e->has_pending ? (int)e->failed_logins : 0;
			snprintf(info[i].updated, sizeof(info[i].updated), "%s", e->updated);
		}
		qsort(info, doc.count, sizeof(*info), info_cmp);
		*out = info;
		*count = doc.count;
		vault_doc_release(&doc);
		rc = 0;
	}
	pthread_mutex_unlock(&vault_mutex);
	return rc;
}

static int check_key(const char *k, struct pecctl_error *err)
{
	size_t len = strlen(k);

	if (len == 0) {
		vault_errorf(err, "usage", "a vault key cannot be empty (use the account, as in mario.rossi@pec.it)");
		return -1;
	}
	if (len > VAULT_KEY_MAX) {
		vault_errorf(err, "usage", "a vault key is at most %d bytes long", VAULT_KEY_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)k[i] < 0x20 || k[i] == 0x7f) {
			vault_errorf(err, "usage", "a vault key cannot contain control characters");
			return -1;
		}
	}
	return 0;
}

static int check_password(const char *k, const char *pw, size_t len, struct pecctl_error *err)
{
	if (len == 0) {
		vault_errorf(err, PECCTL_E_INVALID, "the password for %s is empty: nothing stored", k);
		return -1;
	}
	if (len > VAULT_PASSWORD_MAX) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the password for %s is longer than %d bytes: is it the right value?", k,
			     VAULT_PASSWORD_MAX);
		return -1;
	}
	if (memchr(pw, '\0', len) || memchr(pw, '\n', len) || memchr(pw, '\r', len)) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the password for %s contains a NUL or line break: nothing stored", k);
		return -1;
	}
	return 0;
}

static int check_op(const char *op, struct pecctl_error *err)
{
	size_t len = strlen(op);

	if (len == 0 || len > VAULT_OP_MAX) {
		vault_errorf(err, "usage", "an operation id has 1 to %d characters", VAULT_OP_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)op[i] <= 0x20 || op[i] == 0x7f || op[i] == '"' || op[i] == '\\') {
			vault_errorf(err, "usage", "an operation id is printable text without spaces or quotes");
			return -1;
		}
	}
	return 0;
}

struct vault_secret_value {
	const char *key, *password, *op;
	size_t len;
	int force;
	int count;
};

static void copy_password(char *dst, const char *src, size_t len)
{
	sodium_memzero(dst, VAULT_PASSWORD_MAX + 1);
	memcpy(dst, src, len);
}

static void set_current(struct vault_entry *e, const char *pw, size_t len)
{
	if (e->has_current && (strlen(e->current) != len || memcmp(e->current, pw, len) != 0)) {
		memcpy(e->previous, e->current, sizeof(e->previous));
		e->has_previous = 1;
	}
	copy_password(e->current, pw, len);
	e->has_current = 1;
	vault_now(e->updated);
}

static int change_set(struct vault_doc *doc, void *arg, struct pecctl_error *err)
{
	const struct vault_secret_value *v = arg;
	struct vault_entry *e = vault_doc_find(doc, v->key);

	(void)err;
	if (!e)
		e = vault_doc_add(doc, v->key);
	set_current(e, v->password, v->len);
	return 0;
}

int vault_set(const char *k, const char *password, size_t len, struct pecctl_error *err)
{
	struct vault_secret_value v = { .key = k, .password = password, .op = NULL, .len = len, .force = 0 };

	if (check_key(k, err) != 0 || check_password(k, password, len, err) != 0)
		return -1;
	return transact(change_set, &v, err);
}

struct many {
	const struct vault_pair *pairs;
	size_t count, replaced;
};

static int change_many(struct vault_doc *doc, void *arg, struct pecctl_error *err)
{
	struct many *m = arg;

	(void)err;
	m->replaced = 0;
	for (size_t i = 0; i < m->count; i++) {
		struct vault_entry *e = vault_doc_find(doc, m->pairs[i].key);
		if (e)
			m->replaced++;
		else
			e = vault_doc_add(doc, m->pairs[i].key);
		set_current(e, m->pairs[i].password, m->pairs[i].len);
	}
	return 0;
}

int vault_set_many(const struct vault_pair *pairs, size_t count, size_t *replaced, struct pecctl_error *err)
{
	struct many m = { pairs, count, 0 };

	for (size_t i = 0; i < count; i++)
		if (check_key(pairs[i].key, err) != 0 ||
		    check_password(pairs[i].key, pairs[i].password, pairs[i].len, err) != 0)
			return -1;
	if (transact(change_many, &m, err) != 0)
		return -1;
	if (replaced)
		*replaced = m.replaced;
	return 0;
}

static int change_remove(struct vault_doc *doc, void *arg, struct pecctl_error *err)
{
	const struct vault_secret_value *v = arg;
	struct vault_entry *e = vault_doc_find(doc, v->key);

	if (!e) {
		vault_errorf(err, "noinput", "the vault has no entry %s ('pecctl vault list' shows them)", v->key);
		return -1;
	}
	if (e->has_pending && !v->force) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "%s has a pending password from operation %s (%s) that the portal may hold: "
			     "run 'pecctl vault reconcile %s' first, or remove it anyway with --force",
			     v->key, e->op, e->pending_time, v->key);
		return -1;
	}
	vault_doc_delete(doc, e);
	return 0;
}

int vault_remove(const char *k, int force, struct pecctl_error *err)
{
	struct vault_secret_value v = { .key = k, .password = NULL, .op = NULL, .len = 0, .force = force };

	if (check_key(k, err) != 0)
		return -1;
	return transact(change_remove, &v, err);
}

struct secret *vault_get(const char *k, enum vault_slot slot, char *op, struct pecctl_error *err)
{
	static const char *const slot_names[] = { "current", "previous", "pending" };
	struct secret *s = NULL;
	struct vault_doc doc;
	struct vault_entry *e;

	if (check_key(k, err) != 0)
		return NULL;
	pthread_mutex_lock(&vault_mutex);
	if (open_doc(current_path(), &doc, err) != 0)
		goto out;
	e = vault_doc_find(&doc, k);
	if (!e) {
		vault_errorf(err, "noinput",
			     "the vault has no entry %s: add it with 'pecctl vault set %s' ('pecctl vault list' shows them)",
			     k, k);
	} else if (slot == VAULT_CURRENT && e->has_current) {
		s = secret_new(e->current, strlen(e->current));
	} else if (slot == VAULT_PREVIOUS && e->has_previous) {
		s = secret_new(e->previous, strlen(e->previous));
	} else if (slot == VAULT_PENDING && e->has_pending) {
		s = secret_new(e->pending, strlen(e->pending));
		if (op)
			snprintf(op, VAULT_OP_MAX + 1, "%s", e->op);
	} else {
		vault_errorf(err, "noinput", "the vault entry %s has no %s password%s", k, slot_names[slot],
			     slot == VAULT_CURRENT && e->has_pending
				     ? ", only a pending one: run 'pecctl vault reconcile' for it" : "");
	}
	vault_doc_release(&doc);
out:
	pthread_mutex_unlock(&vault_mutex);
	return s;
}

/* Pointers are sorted, not entries: qsort may copy its elements to the
 * ordinary heap, where passwords must never go. */
static int entry_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct vault_entry *const *)a)->key, (*(const struct vault_entry *const *)b)->key);
}

int vault_each_current(int (*fn)(const char *key, const char *password, size_t len, void *arg),
		       void *arg, struct pecctl_error *err)
{
	struct vault_doc doc;
	int rc = -1;

	pthread_mutex_lock(&vault_mutex);
	if (open_doc(current_path(), &doc, err) == 0) {
		const struct vault_entry **order = calloc(doc.count ? doc.count : 1, sizeof(*order));

		if (!order)
			abort();
		for (size_t i = 0; i < doc.count; i++)
			order[i] = &doc.entries[i];
		qsort(order, doc.count, sizeof(*order), entry_cmp);
		rc = 0;
		for (size_t i = 0; i < doc.count && rc == 0; i++)
			if (order[i]->has_current)
				rc = fn(order[i]->key, order[i]->current, strlen(order[i]->current), arg);
		free(order);
		vault_doc_release(&doc);
	}
	pthread_mutex_unlock(&vault_mutex);
	return rc;
}

static int change_stage(struct vault_doc *doc, void *arg, struct pecctl_error *err)
{
	const struct vault_secret_value *v = arg;
	struct vault_entry *e = vault_doc_find(doc, v->key);

	if (!e)
		e = vault_doc_add(doc, v->key);
	if (e->has_pending && strcmp(e->op, v->op) != 0) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "%s already has a pending password from operation %s (%s): "
			     "run 'pecctl vault reconcile %s' before changing its password again",
			     v->key, e->op, e->pending_time, v->key);
		return -1;
	}
	if (!e->has_pending || strlen(e->pending) != v->len || memcmp(e->pending, v->password, v->len) != 0)
		e->failed_logins = 0;  /* a new password has had no failed login yet */
	copy_password(e->pending, v->password, v->len);
	snprintf(e->op, sizeof(e->op), "%s", v->op);
	vault_now(e->pending_time);
	e->has_pending = 1;
	return 0;
}

int vault_stage_pending(const char *k, const char *password, size_t len, const char *op_id,
			struct pecctl_error *err)
{
	struct vault_secret_value v = { .key = k, .password = password, .op = op_id, .len = len, .force = 0 };

	if (check_key(k, err) != 0 || check_password(k, password, len, err) != 0 || check_op(op_id, err) != 0)
		return -1;
	return transact(change_stage, &v, err);
}

/* The entry whose pending password belongs to op, or NULL and err. */
static struct vault_entry *pending_of(struct vault_doc *doc, const char *k, const char *op,
				      struct pecctl_error *err)
{
	struct vault_entry *e = vault_doc_find(doc, k);

	if (!e || !e->has_pending) {
		vault_errorf(err, PECCTL_E_INVALID, "%s has no pending password (operation %s)", k, op);
		return NULL;
	}
	if (strcmp(e->op, op) != 0) {
		vault_errorf(err, PECCTL_E_INVALID,
			     "the pending password of %s belongs to operation %s, not %s", k, e->op, op);
		return NULL;
	}
	return e;
}

static void clear_pending(struct vault_entry *e)
{
	sodium_memzero(e->pending, sizeof(e->pending));
	e->op[0] = e->pending_time[0] = '\0';
	e->has_pending = 0;
	e->failed_logins = 0;
}

static int change_promote(struct vault_doc *doc, void *arg, struct pecctl_error *err)
{
	const struct vault_secret_value *v = arg;
	struct vault_entry *e = pending_of(doc, v->key, v->op, err);

	if (!e)
		return -1;
	if (e->has_current) {
		memcpy(e->previous, e->current, sizeof(e->previous));
		e->has_previous = 1;
	}
	memcpy(e->current, e->pending, sizeof(e->current));
	e->has_current = 1;
	clear_pending(e);
	vault_now(e->updated);
	return 0;
}

int vault_promote_pending(const char *k, const char *op_id, struct pecctl_error *err)
{
	struct vault_secret_value v = { .key = k, .password = NULL, .op = op_id, .len = 0, .force = 0 };

	if (check_key(k, err) != 0 || check_op(op_id, err) != 0)
		return -1;
	return transact(change_promote, &v, err);
}

static int change_note_failed(struct vault_doc *doc, void *arg, struct pecctl_error *err)
{
	const struct vault_secret_value *v = arg;
	struct vault_entry *e = pending_of(doc, v->key, v->op, err);

	if (!e)
		return -1;
	e->failed_logins += (unsigned)v->count;
	return 0;
}

int vault_note_failed_logins(const char *k, const char *op_id, int count, struct pecctl_error *err)
{
	struct vault_secret_value v = { .key = k, .op = op_id, .count = count };

	if (check_key(k, err) != 0 || check_op(op_id, err) != 0)
		return -1;
	if (count < 1 || count > 100) {
		vault_errorf(err, "usage", "a count of failed logins is between 1 and 100");
		return -1;
	}
	return transact(change_note_failed, &v, err);
}

int vault_failed_logins(const char *k)
{
	struct pecctl_error err = { 0 };
	struct vault_doc doc;
	struct vault_entry *e;
	int n = 0;

	pthread_mutex_lock(&vault_mutex);
	if (open_doc(current_path(), &doc, &err) == 0) {
		if ((e = vault_doc_find(&doc, k)) && e->has_pending)
			n = (int)e->failed_logins;
		vault_doc_release(&doc);
	}
	pthread_mutex_unlock(&vault_mutex);
	return n;
}

static int change_discard(struct vault_doc *doc, void *arg, struct pecctl_error *err)
{
	const struct vault_secret_value *v = arg;
	struct vault_entry *e = pending_of(doc, v->key, v->op, err);

	if (!e)
		return -1;
	clear_pending(e);
	if (!e->has_current && !e->has_previous)
		vault_doc_delete(doc, e);
	return 0;
}

int vault_discard_pending(const char *k, const char *op_id, struct pecctl_error *err)
{
	struct vault_secret_value v = { .key = k, .password = NULL, .op = op_id, .len = 0, .force = 0 };

	if (check_key(k, err) != 0 || check_op(op_id, err) != 0)
		return -1;
	return transact(change_discard, &v, err);
}
