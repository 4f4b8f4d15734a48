#ifndef PECCTL_VAULT_H
#define PECCTL_VAULT_H
#include <stddef.h>
#include "pecctl/plugin.h"

/*
 * The vault: one encrypted file of account passwords (XChaCha20-Poly1305,
 * key from Argon2id), replaced atomically and locked while it is changed,
 * so concurrent pecctl processes never lose each other's writes.
 *
 * Each entry, keyed by account, holds the current password, the previous
 * one, and a pending slot for a rotation in flight: the new password with
 * the id of the operation that staged it. The vault is process-wide: the
 * passphrase is asked once (file, environment or terminal) and the derived
 * key is kept in locked memory until vault_forget. Every function is safe
 * to call from several threads.
 *
 * Errors come back as pecctl_error codes: auth (wrong passphrase),
 * invalid (damaged file, bad argument), noinput (no vault, no such key),
 * config (file readable by others), timeout (lock held too long), io.
 */

#define VAULT_KEY_MAX 255       /* longest key (an e-mail address is at most 254) */
#define VAULT_PASSWORD_MAX 256  /* longest password an entry holds (policies allow 256) */
#define VAULT_OP_MAX 320        /* longest operation id (room for "ACCOUNT@TIME-RANDOM") */
#define VAULT_PASSWORD_MAX_TEXT "256"

struct secret;

/* Key-derivation cost, stored in the file header. */
struct vault_kdf {
	unsigned long long opslimit;
	size_t memlimit;
};

/* Where the vault is: vault_set_path (--vault), else $PECCTL_VAULT, else
 * $XDG_DATA_HOME/pecctl/vault (~/.local/share/pecctl/vault). */
void vault_set_path(const char *path);
const char *vault_path(void);
/* Read the passphrase from this file (--passphrase-file); else
 * $PECCTL_VAULT_PASSPHRASE_FILE, $PECCTL_VAULT_PASSPHRASE, the terminal. */
void vault_set_passphrase_file(const char *path);
/* 1 when the vault file exists. */
int vault_exists(void);
/* The vault's path into out (as vault_path, but the caller's copy: safe
 * from any thread); whether the file exists. */
int vault_locate(char *out, size_t cap);
/* For a batch: whether the vault exists is found now, and vault_exists
 * and vault_locate answer the same until vault_set_path. Every mailbox
 * is then treated alike (a vault made half-way through does not change
 * how the rest are run), and none costs a path lookup in the file
 * system (a thousand of them were a visible part of a batch's CPU). */
int vault_hold_presence(void);
/* Ask for the passphrase now (if not yet) and check it against the file,
 * e.g. before a batch starts or before asking for anything else. */
int vault_unlock(struct pecctl_error *err);
/* Drop the cached passphrase and key (zeroed). */
void vault_forget(void);

/* interactive | moderate | sensitive; NULL or "" is $PECCTL_VAULT_KDF or
 * the default (moderate). 0, or -1 and err for an unknown name. */
int vault_kdf_named(const char *name, struct vault_kdf *kdf, struct pecctl_error *err);

/* A new, empty vault protected by passphrase; refuses (code "exists") when
 * one is there already. */
int vault_init(const struct secret *passphrase, const struct vault_kdf *kdf, struct pecctl_error *err);
/* Re-encrypt under a new passphrase (and cost), with a new salt. */
int vault_passwd(const struct secret *new_passphrase, const struct vault_kdf *kdf,
		 struct pecctl_error *err);

/* What list shows: never a password. */
struct vault_info {
	char key[VAULT_KEY_MAX + 1];
	int has_current, has_previous, has_pending;
	char op[VAULT_OP_MAX + 1];   /* of the pending password */
	char pending_time[24];       /* ISO 8601 UTC */
	int failed_logins;           /* spent checking the pending password (reconcile) */
	char updated[24];
};
/* Every entry, sorted by key; *out is freed with free(). */
int vault_list(struct vault_info **out, size_t *count, struct pecctl_error *err);

enum vault_slot { VAULT_CURRENT, VAULT_PREVIOUS, VAULT_PENDING };
/* A password of key as a new secret (caller frees with secret_free); for
 * VAULT_PENDING, op (when not NULL, VAULT_OP_MAX + 1 bytes) receives the
 * operation id. NULL and err: noinput when the key or slot is empty. */
struct secret *vault_get(const char *key, enum vault_slot slot, char *op, struct pecctl_error *err);
/* The failed logins noted against key's pending password (0 when none). */
int vault_failed_logins(const char *key);

/* Calls fn for every entry with a current password, in key order (export).
 * The password bytes live in locked memory only for the call. A non-zero
 * return from fn stops the walk and is returned. */
int vault_each_current(int (*fn)(const char *key, const char *password, size_t len, void *arg),
		       void *arg, struct pecctl_error *err);

/* current := password (previous := the old current), in one locked write. */
int vault_set(const char *key, const char *password, size_t len, struct pecctl_error *err);
/* Remove key; refuses while it has a pending password unless force. */
int vault_remove(const char *key, int force, struct pecctl_error *err);

/* Several keys set in one locked write (import): all or nothing. */
struct vault_pair {
	const char *key;
	const char *password;
	size_t len;
};
int vault_set_many(const struct vault_pair *pairs, size_t count, size_t *replaced,
		   struct pecctl_error *err);

/* Rotation. stage_pending stores the new password as pending, durably
 * (fsync'd file and directory) before it returns: call it before the
 * change is submitted. It refuses when another operation's password is
 * pending (reconcile that first); the same op_id may stage again. */
int vault_stage_pending(const char *key, const char *password, size_t len, const char *op_id,
			struct pecctl_error *err);
/* Count logins that failed while finding out which password the portal
 * holds (op must be the pending one's): each brings the mailbox nearer
 * its lockout, so reconcile stops trying once a few have been spent. */
int vault_note_failed_logins(const char *key, const char *op_id, int count, struct pecctl_error *err);
/* On a clear success: previous := current, current := pending. */
int vault_promote_pending(const char *key, const char *op_id, struct pecctl_error *err);
/* When the portal kept the old password: pending is dropped. */
int vault_discard_pending(const char *key, const char *op_id, struct pecctl_error *err);

#endif
