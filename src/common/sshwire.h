/*
 * sshwire.h: the SSH wire encoding (RFC 4251, section 5) that OpenSSH's
 * keys and signatures are made of: uint32, big-endian, and string, a
 * uint32 length followed by that many bytes.
 *
 * The reader trusts no length: every field is checked against what
 * remains of its buffer before it is taken, so a damaged or hostile length
 * can make a read fail but never reach past the end.  What it returns
 * points into the buffer; nothing is copied.
 */
#ifndef PGMESH_SSHWIRE_H
#define PGMESH_SSHWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sshwire {
	const unsigned char *p;	/* the next unread byte */
	size_t left;		/* bytes from p to the end of the buffer */
};

void sshwire_init(struct sshwire *r, const void *data, size_t len);
bool sshwire_get_u32(struct sshwire *r, uint32_t *v);
/* The next n bytes as they are (no length before them). */
bool sshwire_get_raw(struct sshwire *r, size_t n, const unsigned char **p);
bool sshwire_get_string(struct sshwire *r, const unsigned char **p,
    size_t *len);
/* A string of exactly n bytes, for fields of fixed size. */
bool sshwire_get_fixed(struct sshwire *r, size_t n, const unsigned char **p);

/* Are the len bytes at p the text s, no more and no less?  (For names:
 * not constant-time.) */
bool sshwire_equal(const unsigned char *p, size_t len, const char *s);

void sshwire_put_u32(struct buf *b, uint32_t v);
void sshwire_put_string(struct buf *b, const void *data, size_t len);
void sshwire_put_cstring(struct buf *b, const char *s);

#endif
