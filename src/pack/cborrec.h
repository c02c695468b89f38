/*
 * cborrec.h: the CBOR items pack frames are made of.
 *
 * Writing goes through libcbor's low-level encoders (cbor_encode_*) straight
 * into a buf, so a row costs no allocation.  Reading pulls one item head at
 * a time out of an in-memory buffer with libcbor's streaming decoder
 * (cbor_stream_decode): the caller sees "an array of 7", "a text string of
 * 12 bytes at p", and walks the structure it expects, so no item tree is
 * ever built.
 */
#ifndef PGMESH_CBORREC_H
#define PGMESH_CBORREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum cborrec_kind {
	CBORREC_UINT,
	CBORREC_NEGINT,		/* the value is -1 - u */
	CBORREC_TEXT,
	CBORREC_BYTES,
	CBORREC_ARRAY,		/* u items follow */
	CBORREC_MAP,		/* u pairs follow */
	CBORREC_NULL,
	CBORREC_BOOL,		/* u is 0 or 1 */
	CBORREC_OTHER		/* anything pack frames never hold */
};

struct cborrec_item {
	enum cborrec_kind kind;
	uint64_t u;
	const char *str;	/* TEXT and BYTES: len bytes inside the buffer */
	size_t len;
};

struct cborrec_cursor {
	const unsigned char *data;
	size_t len;
	size_t pos;
};

void cborrec_put_uint(struct buf *b, uint64_t v);
void cborrec_put_int(struct buf *b, int64_t v);
/* A text string when s is valid UTF-8, else a byte string (see pgmesh-format(5)). */
void cborrec_put_string(struct buf *b, const char *s, size_t len);
void cborrec_put_bytes(struct buf *b, const void *s, size_t len);
void cborrec_put_array(struct buf *b, size_t n);
void cborrec_put_map(struct buf *b, size_t n);
void cborrec_put_null(struct buf *b);
void cborrec_put_bool(struct buf *b, bool v);

void cborrec_cursor_init(struct cborrec_cursor *c, const void *data, size_t len);
/*
 * The next item head.  Returns 1 with *item filled, 0 at the end of the
 * buffer, -1 when the bytes there are not a well-formed item this reader
 * accepts (indefinite lengths, tags and floats are refused) or the buffer
 * ends inside it.
 */
int cborrec_next(struct cborrec_cursor *c, struct cborrec_item *item);
/* Skip the contents of an item just read (array elements, map pairs). */
bool cborrec_skip(struct cborrec_cursor *c, const struct cborrec_item *item);
/* The next item as a string: text when it is valid UTF-8, bytes when it
 * is not (the one spelling cborrec_put_string writes); false otherwise. */
bool cborrec_next_string(struct cborrec_cursor *c, struct cborrec_item *item);
/* The next item as an unsigned integer. */
bool cborrec_next_uint(struct cborrec_cursor *c, uint64_t *v);

#endif
