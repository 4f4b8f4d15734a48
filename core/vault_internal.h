#ifndef PECCTL_VAULT_INTERNAL_H
#define PECCTL_VAULT_INTERNAL_H
/* Shared by vault.c (entries and operations), vault_file.c (file format,
 * crypto, locking) and vault_json.c (the plaintext). Nothing else includes
 * this. Every buffer that holds a password is sodium_malloc'd. */
#include <stdint.h>
#include <sodium.h>
#include "vault.h"

struct vault_entry {
	char key[VAULT_KEY_MAX + 1];
	char current[VAULT_PASSWORD_MAX + 1];
	char previous[VAULT_PASSWORD_MAX + 1];
	char pending[VAULT_PASSWORD_MAX + 1];
	char op[VAULT_OP_MAX + 1];
	char pending_time[24];
	char updated[24];
	unsigned char has_current, has_previous, has_pending;
	unsigned failed_logins;  /* logins that failed while this pending password was checked */
};

/* The decrypted vault: entries in one sodium_malloc'd array, found by an
 * open-addressing hash of their keys (slots hold entry index + 1; keys
 * are account names, not secrets, so the index lives on the plain heap). */
struct vault_doc {
	struct vault_entry *entries;
	size_t count, cap;
	uint32_t *slots;
	size_t nslots;  /* a power of two, more than twice count */
};

void vault_doc_init(struct vault_doc *doc);
void vault_doc_release(struct vault_doc *doc);
struct vault_entry *vault_doc_find(struct vault_doc *doc, const char *key);
/* A new zeroed entry for key (not already there); aborts on out-of-memory. */
struct vault_entry *vault_doc_add(struct vault_doc *doc, const char *key);
void vault_doc_delete(struct vault_doc *doc, struct vault_entry *entry);

/* The plaintext JSON: {"entries":{"KEY":{"current":..,"previous":..,
 * "pending":{"password":..,"op":..,"time":..}|null,"updated":..}}}.
 * decode: 0, or -1 with a short reason in why. encode: a sodium_malloc'd
 * buffer (caller sodium_free's) with room for `extra` more bytes. */
int vault_doc_decode(struct vault_doc *doc, const char *text, size_t len, const char **why);
char *vault_doc_encode(const struct vault_doc *doc, size_t extra, size_t *len);

/* The derived key and the header values it belongs to. */
struct vault_key {
	unsigned char enc[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned char check[16];
	unsigned char salt[crypto_pwhash_SALTBYTES];
	unsigned long long opslimit;
	size_t memlimit;
};

/* The header fields a key is derived for. */
struct vault_header {
	uint32_t version;
	unsigned long long opslimit;
	size_t memlimit;
	unsigned char salt[crypto_pwhash_SALTBYTES];
};

/* The raw file. */
struct vault_blob {
	unsigned char *data;
	size_t len;
};

/* Reads path (noinput when missing, config when readable by others,
 * invalid when not a regular file or too large). */
int vault_file_load(const char *path, struct vault_blob *blob, struct pecctl_error *err);
void vault_blob_release(struct vault_blob *blob);
/* Checks length, magic, version, header checksum and KDF bounds. */
int vault_file_header(const char *path, const struct vault_blob *blob, struct vault_header *hdr,
		      struct pecctl_error *err);
/* Argon2id, then the encryption key and the check value from it. */
int vault_key_derive(const char *pass, size_t pass_len, const unsigned char *salt,
		     unsigned long long opslimit, size_t memlimit, struct vault_key *key,
		     struct pecctl_error *err);
/* auth when the key does not match the file; invalid when the contents fail
 * authentication or do not parse. */
int vault_file_decrypt(const char *path, const struct vault_blob *blob, const struct vault_key *key,
		       struct vault_doc *doc, struct pecctl_error *err);
/* Encrypts doc under key with a fresh nonce and replaces path atomically:
 * temp file, fsync, rename, fsync of the directory. */
int vault_file_store(const char *path, const struct vault_key *key, const struct vault_doc *doc,
		     struct pecctl_error *err);
/* The lock file path.lock, flock'ed exclusively; waits up to
 * $PECCTL_VAULT_LOCK_TIMEOUT seconds (10). Returns the fd, or -1 and err. */
int vault_lock_acquire(const char *path, struct pecctl_error *err);
void vault_lock_release(int fd);
/* mkdir -p of path's directory, mode 0700. */
int vault_make_dir(const char *path, struct pecctl_error *err);

void vault_errorf(struct pecctl_error *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* ISO 8601 UTC, as in 2026-11-23T16:52:00Z; buf has 24 bytes. */
void vault_now(char *buf);

#endif
