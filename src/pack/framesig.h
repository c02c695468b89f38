/*
 * framesig.h: a frame signed by its origin's key, and the signature
 * checked against a signers file (DESIGN.md §10, pgmesh-format(5)).
 *
 * The signature is an SSHSIG blob (common/sshsig.h, namespace pgmesh) of
 * the manifest without its sig entry.  The manifest carries the data
 * frame's length and SHA-256, so the one signature covers the frame, and
 * survives every hop that forwards the frame unchanged.
 */
#ifndef PGMESH_FRAMESIG_H
#define PGMESH_FRAMESIG_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"
#include "common/signers.h"
#include "common/sshprivkey.h"

/* Set m->sig to key's signature of m (freed by manifest_free); false
 * after log_error if libcrypto failed. */
bool framesig_sign(const struct sshprivkey *key, struct manifest *m);

/*
 * Is the frame whose manifest m was decoded from the CBOR map at map
 * signed by a key that signers lists for its origin?  False with why (of
 * whylen bytes) saying what is wrong, naming the key by its fingerprint
 * where the signature names one (the caller names the frame).
 */
bool framesig_check(const struct signers *signers, const struct manifest *m,
    const unsigned char *map, char *why, size_t whylen);

#endif
