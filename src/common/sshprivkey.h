/*
 * sshprivkey.h: a node's Ed25519 private key, read from the file that
 * ssh-keygen -t ed25519 -N '' writes, and the signatures it makes.
 */
#ifndef PGMESH_SSHPRIVKEY_H
#define PGMESH_SSHPRIVKEY_H

#include <stdbool.h>
#include <stddef.h>

#include "sshkey.h"

/* The longest private key file read (ssh-keygen's are about 400 bytes). */
#define SSHPRIVKEY_FILE_MAX 16384

/* The key, held by libcrypto; its bytes are nowhere else in memory. */
struct sshprivkey;

/*
 * The key in the len bytes of text, an unencrypted OpenSSH private key
 * file holding one Ed25519 key; name is the file's, for messages.  False
 * after log_error if it is anything else.  The caller wipes text.
 */
bool sshprivkey_parse(const char *text, size_t len, const char *name,
    struct sshprivkey **key);

/* The key in the file at path, which only its owner may access; false
 * after log_error.  What was read of the file is wiped. */
bool sshprivkey_load(const char *path, struct sshprivkey **key);

void sshprivkey_free(struct sshprivkey *key);

const struct sshkey *sshprivkey_public(const struct sshprivkey *key);

/* key's Ed25519 signature of the len bytes at data into sig; false after
 * log_error if libcrypto failed. */
bool sshprivkey_sign(const struct sshprivkey *key, const void *data,
    size_t len, unsigned char sig[SSHKEY_SIG_LEN]);

#endif
