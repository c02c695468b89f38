/*
 * armor.h: OpenSSH's armored text, the form of its private key files
 * (label "OPENSSH PRIVATE KEY") and of its signatures ("SSH SIGNATURE"):
 *
 *	-----BEGIN LABEL-----
 *	base64 of a blob, in lines of 70 characters
 *	-----END LABEL-----
 */
#ifndef PGMESH_ARMOR_H
#define PGMESH_ARMOR_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define ARMOR_WIDTH 70

/* Append the armored form of the len bytes at data to out. */
void armor_encode(const char *label, const void *data, size_t len,
    struct buf *out);

/*
 * Decode the armored text into out, which must be empty: the BEGIN line
 * first, the END line last (with at most a line break after it), and
 * between them nothing but base64 and line breaks.  out is allocated once,
 * before anything is decoded into it, so that a secret leaves no copy
 * behind in memory given back by a realloc: the caller wipes out->cap
 * bytes.  False with *why set when the text is not that.
 */
bool armor_decode(const char *label, const char *text, size_t len,
    struct buf *out, const char **why);

#endif
