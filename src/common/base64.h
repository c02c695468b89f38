/*
 * base64.h: RFC 4648 base64, the text form of OpenSSH's public key lines,
 * private key files, signatures and fingerprints.
 */
#ifndef PGMESH_BASE64_H
#define PGMESH_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* The characters base64_encode writes for n bytes (padding included). */
#define BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* The most bytes that len characters of base64 decode into. */
#define BASE64_DECODED_MAX(len) ((len) / 4 * 3)

/*
 * Write the base64 of the len bytes at data at out, padded with '=', no
 * NUL; returns the end.  For public bytes only: it looks characters up in
 * a table.
 */
char *base64_encode(char *out, const void *data, size_t len);

/*
 * Decode the len characters at text into out, which has room for cap
 * bytes; *outlen is what was written.  Line breaks are skipped (armored
 * text decodes as it is), anything else outside the alphabet is refused,
 * and so are padding that does not end the text or complete its last
 * group, and padding bits that are not zero: a blob has exactly one text
 * form, so that a key cannot be written two ways.  Safe for secrets: the
 * digits are decoded without branches or look-ups on their values.
 */
bool base64_decode(const char *text, size_t len, unsigned char *out,
    size_t cap, size_t *outlen);

#endif
