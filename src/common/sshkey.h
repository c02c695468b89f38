/*
 * sshkey.h: Ed25519 public keys in OpenSSH's formats, and the signatures
 * they check.
 *
 * A node's key is made with ssh-keygen -t ed25519; what others know of it
 * is its public key line (KEY.pub, a line of a signers file):
 *
 *	ssh-ed25519 BASE64 [comment]
 *
 * where BASE64 is the key's wire form (RFC 8709): string "ssh-ed25519",
 * string key[32].  The key's name in messages is its fingerprint, as
 * ssh-keygen -l prints it.
 */
#ifndef PGMESH_SSHKEY_H
#define PGMESH_SSHKEY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define SSHKEY_TYPE "ssh-ed25519"
#define SSHKEY_LEN 32		/* an Ed25519 public key */
#define SSHKEY_SIG_LEN 64	/* an Ed25519 signature */
/* The wire form: the type and the key, each with its uint32 length. */
#define SSHKEY_BLOB_LEN (4 + sizeof(SSHKEY_TYPE) - 1 + 4 + SSHKEY_LEN)
/* "SHA256:", 43 characters of base64 and a NUL. */
#define SSHKEY_FINGERPRINT_SIZE 51
/* The longest public key file read, comment included. */
#define SSHKEY_LINE_MAX 1024

struct sshkey {
	unsigned char ed25519[SSHKEY_LEN];
};

/* Append k's wire form to b. */
void sshkey_put_blob(struct buf *b, const struct sshkey *k);

/* The key whose wire form is exactly the len bytes at blob; false with
 * *why set if it is not an Ed25519 key's. */
bool sshkey_decode_blob(const unsigned char *blob, size_t len,
    struct sshkey *k, const char **why);

/* The key of a public key line (without its line break); false with *why
 * set if it is not "ssh-ed25519 BASE64 [comment]". */
bool sshkey_parse_line(const char *line, size_t len, struct sshkey *k,
    const char **why);

/* The key of a public key file (KEY.pub); false after log_error. */
bool sshkey_load(const char *path, struct sshkey *k);

/* "SHA256:" and the unpadded base64 of the SHA-256 of k's wire form, as
 * ssh-keygen -l prints it.  False after log_error if libcrypto failed. */
bool sshkey_fingerprint(const struct sshkey *k,
    char out[SSHKEY_FINGERPRINT_SIZE]);

/* Are a and b the same key?  In constant time. */
bool sshkey_equal(const struct sshkey *a, const struct sshkey *b);

/* Is sig k's Ed25519 signature of the len bytes at data? */
bool sshkey_verify(const struct sshkey *k, const void *data, size_t len,
    const unsigned char sig[SSHKEY_SIG_LEN]);

#endif
