/*
 * sha256.h: the SHA-256 that a pack manifest carries of its data frame.
 */
#ifndef PGMESH_SHA256_H
#define PGMESH_SHA256_H

#include <stdbool.h>
#include <stddef.h>

#define SHA256_LEN 32

/* The digest of len bytes at data into out; false if OpenSSL fails. */
bool sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);

#endif
