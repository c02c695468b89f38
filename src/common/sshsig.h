/*
 * sshsig.h: signatures in OpenSSH's SSHSIG format, the one of
 * ssh-keygen -Y sign, so that a pgmesh signature can be checked with
 * ssh-keygen -Y verify as well, and the other way round.
 */
#ifndef PGMESH_SSHSIG_H
#define PGMESH_SSHSIG_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "sshkey.h"
#include "sshprivkey.h"

/* What pgmesh signs, in SSHSIG's terms: a signature made for another
 * namespace is never taken for a pgmesh one, nor the reverse. */
#define SSHSIG_NAMESPACE "pgmesh"

/*
 * Append to blob the SSHSIG blob of key's signature of the len bytes at
 * msg in namespace ns; false after log_error if libcrypto failed.
 */
bool sshsig_sign(const struct sshprivkey *key, const char *ns,
    const void *msg, size_t len, struct buf *blob);

/*
 * Is the SSHSIG blob of bloblen bytes a good signature of the len bytes at
 * msg, made for namespace ns?  True with the key that made it in *signer
 * (whether that key may sign is the caller's question: signers.h); false
 * with *why set to what is wrong.
 */
bool sshsig_verify(const void *msg, size_t len, const void *blob,
    size_t bloblen, const char *ns, struct sshkey *signer, const char **why);

/*
 * The key that the SSHSIG blob of bloblen bytes says made it, not checked:
 * for messages about a signature that sshsig_verify refused.  False with
 * *why set when the blob does not get that far.
 */
bool sshsig_claimed_key(const void *blob, size_t bloblen, struct sshkey *key,
    const char **why);

/* Append the armored form of a blob to out, as ssh-keygen writes it. */
void sshsig_armor(const void *blob, size_t len, struct buf *out);

/* The blob of an armored signature into blob (empty); false with *why
 * set. */
bool sshsig_dearmor(const char *text, size_t len, struct buf *blob,
    const char **why);

#endif
