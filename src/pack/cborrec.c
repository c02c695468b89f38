/*
 * cborrec.c: CBOR items through libcbor, into a buf and back.
 *
 * Encoders are given 9 bytes of room, the most any head takes (major type
 * byte and a 64-bit argument), so they never fail.  The reader keeps no
 * state between heads: cbor_stream_decode decodes exactly one head per call
 * and hands it to one callback, which records it in a cborrec_item.
 */
#include <string.h>

#include <cbor.h>

#include "cborrec.h"

#define HEAD_MAX 9

/* Nesting allowed inside items this reader skips (unknown manifest keys). */
#define SKIP_DEPTH 16

typedef size_t (*head_encoder)(size_t, unsigned char *, size_t);

static void
put_head(struct buf *b, head_encoder enc, uint64_t v)
{
	unsigned char *p = (unsigned char *)buf_reserve(b, HEAD_MAX);

	b->len += enc((size_t)v, p, HEAD_MAX);
}

void
cborrec_put_uint(struct buf *b, uint64_t v)
{
	unsigned char *p = (unsigned char *)buf_reserve(b, HEAD_MAX);

	b->len += cbor_encode_uint(v, p, HEAD_MAX);
}

void
cborrec_put_int(struct buf *b, int64_t v)
{
	unsigned char *p = (unsigned char *)buf_reserve(b, HEAD_MAX);

	/* CBOR's negative integers count down from -1: n is stored as -1 - n. */
	if (v >= 0)
		b->len += cbor_encode_uint((uint64_t)v, p, HEAD_MAX);
	else
		b->len += cbor_encode_negint((uint64_t)(-1 - v), p, HEAD_MAX);
}

/* No byte with the high bit: a loop the compiler turns into vector code. */
static bool
all_ascii(const unsigned char *s, size_t len)
{
	unsigned char any = 0;

	for (size_t i = 0; i < len; i++)
		any |= s[i];
	return any < 0x80;
}

/* Is s valid UTF-8 (RFC 3629: shortest form, no surrogates, <= U+10FFFF)? */
static bool
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	if (all_ascii(s, len))
		return true;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;
		uint64_t word;

		/* ASCII between the multibyte characters: eight bytes at once. */
		if (len - i >= 8) {
			memcpy(&word, s + i, 8);
			if ((word & UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

static void
put_string(struct buf *b, head_encoder enc, const void *s, size_t len)
{
	unsigned char *p = (unsigned char *)buf_reserve(b, HEAD_MAX + len);
	size_t n = enc(len, p, HEAD_MAX);

	memcpy(p + n, s, len);
	b->len += n + len;
}

void
cborrec_put_string(struct buf *b, const char *s, size_t len)
{
	/*
	 * CBOR text strings must be UTF-8; values come in the database's
	 * encoding, which need not be.  Those that are not valid UTF-8 travel
	 * as byte strings, so every decoder in every language accepts them.
	 */
	if (utf8_valid((const unsigned char *)s, len))
		put_string(b, cbor_encode_string_start, s, len);
	else
		put_string(b, cbor_encode_bytestring_start, s, len);
}

void
cborrec_put_bytes(struct buf *b, const void *s, size_t len)
{
	put_string(b, cbor_encode_bytestring_start, s, len);
}

void
cborrec_put_array(struct buf *b, size_t n)
{
	put_head(b, cbor_encode_array_start, n);
}

void
cborrec_put_map(struct buf *b, size_t n)
{
	put_head(b, cbor_encode_map_start, n);
}

void
cborrec_put_null(struct buf *b)
{
	unsigned char *p = (unsigned char *)buf_reserve(b, HEAD_MAX);

	b->len += cbor_encode_null(p, HEAD_MAX);
}

void
cborrec_put_bool(struct buf *b, bool v)
{
	unsigned char *p = (unsigned char *)buf_reserve(b, HEAD_MAX);

	b->len += cbor_encode_bool(v, p, HEAD_MAX);
}

/* The decoder's callbacks: each records the head it was given. */

static void
on_uint8(void *ctx, uint8_t v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_UINT, v, NULL, 0 };
}

static void
on_uint16(void *ctx, uint16_t v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_UINT, v, NULL, 0 };
}

static void
on_uint32(void *ctx, uint32_t v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_UINT, v, NULL, 0 };
}

static void
on_uint64(void *ctx, uint64_t v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_UINT, v, NULL, 0 };
}

static void
on_negint8(void *ctx, uint8_t v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_NEGINT, v, NULL, 0 };
}

static void
on_negint16(void *ctx, uint16_t v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_NEGINT, v, NULL, 0 };
}

static void
on_negint32(void *ctx, uint32_t v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_NEGINT, v, NULL, 0 };
}

static void
on_negint64(void *ctx, uint64_t v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_NEGINT, v, NULL, 0 };
}

static void
on_text(void *ctx, cbor_data s, size_t len)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){
		CBORREC_TEXT, 0, (const char *)s, len };
}

static void
on_bytes(void *ctx, cbor_data s, size_t len)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){
		CBORREC_BYTES, 0, (const char *)s, len };
}

static void
on_array(void *ctx, size_t n)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_ARRAY, n, NULL, 0 };
}

static void
on_map(void *ctx, size_t n)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_MAP, n, NULL, 0 };
}

static void
on_null(void *ctx)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_NULL, 0, NULL, 0 };
}

static void
on_bool(void *ctx, bool v)
{
	*(struct cborrec_item *)ctx = (struct cborrec_item){ CBORREC_BOOL, v, NULL, 0 };
}

/* Everything else (indefinite lengths, tags, floats, undefined, break)
 * keeps the empty callbacks, and so stays CBORREC_OTHER. */
static const struct cbor_callbacks *
callbacks(void)
{
	static struct cbor_callbacks cb;
	static bool ready;

	if (!ready) {
		cb = cbor_empty_callbacks;
		cb.uint8 = on_uint8;
		cb.uint16 = on_uint16;
		cb.uint32 = on_uint32;
		cb.uint64 = on_uint64;
		cb.negint8 = on_negint8;
		cb.negint16 = on_negint16;
		cb.negint32 = on_negint32;
		cb.negint64 = on_negint64;
		/* libcbor's names: "string" and "byte_string" are the definite
		 * forms, the "_start" ones the indefinite. */
		cb.string = on_text;
		cb.byte_string = on_bytes;
		cb.array_start = on_array;
		cb.map_start = on_map;
		cb.null = on_null;
		cb.boolean = on_bool;
		ready = true;
	}
	return &cb;
}

void
cborrec_cursor_init(struct cborrec_cursor *c, const void *data, size_t len)
{
	c->data = data;
	c->len = len;
	c->pos = 0;
}

int
cborrec_next(struct cborrec_cursor *c, struct cborrec_item *item)
{
	struct cbor_decoder_result r;

	if (c->pos == c->len)
		return 0;
	item->kind = CBORREC_OTHER;
	r = cbor_stream_decode(c->data + c->pos, c->len - c->pos, callbacks(), item);
	/*
	 * The whole frame is in memory, so NEDATA (an item running past the
	 * end) is not "refill and retry" here but a truncated frame.
	 */
	if (r.status != CBOR_DECODER_FINISHED || r.read == 0 ||
	    item->kind == CBORREC_OTHER)
		return -1;
	c->pos += r.read;
	return 1;
}

static bool
skip_depth(struct cborrec_cursor *c, const struct cborrec_item *item, int depth)
{
	struct cborrec_item sub;
	uint64_t n;

	if (item->kind != CBORREC_ARRAY && item->kind != CBORREC_MAP)
		return true;
	if (depth == SKIP_DEPTH)
		return false;
	n = item->kind == CBORREC_MAP ? item->u * 2 : item->u;
	if (item->kind == CBORREC_MAP && n / 2 != item->u)
		return false;
	for (uint64_t i = 0; i < n; i++)
		if (cborrec_next(c, &sub) != 1 || !skip_depth(c, &sub, depth + 1))
			return false;
	return true;
}

bool
cborrec_skip(struct cborrec_cursor *c, const struct cborrec_item *item)
{
	return skip_depth(c, item, 0);
}

bool
cborrec_next_string(struct cborrec_cursor *c, struct cborrec_item *item)
{
	/* One spelling per string, as cborrec_put_string writes it: the
	 * manifest has no checksum of its own, so a flipped major type must
	 * not pass as the same name. */
	return cborrec_next(c, item) == 1 &&
	    (item->kind == CBORREC_TEXT || item->kind == CBORREC_BYTES) &&
	    (item->kind == CBORREC_TEXT) ==
	    utf8_valid((const unsigned char *)item->str, item->len);
}

bool
cborrec_next_uint(struct cborrec_cursor *c, uint64_t *v)
{
	struct cborrec_item item;

	if (cborrec_next(c, &item) != 1 || item.kind != CBORREC_UINT)
		return false;
	*v = item.u;
	return true;
}
