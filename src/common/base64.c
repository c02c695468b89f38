/*
 * base64.c: RFC 4648 base64.
 *
 * Private key files are base64, so the decoder must not leak the digits
 * it decodes through timing: a table look-up indexed by a secret digit
 * touches a secret-dependent cache line, a branch per character class a
 * secret-dependent path (attacks on PEM decoders have recovered keys from
 * both).  digit_value() computes a digit's value with arithmetic only.
 * Where line breaks and padding are does not depend on the key.
 */
#include <stdint.h>

#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
base64_encode(char *out, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (; len >= 3; p += 3, len -= 3) {
		*out++ = alphabet[p[0] >> 2];
		*out++ = alphabet[(p[0] & 0x03) << 4 | p[1] >> 4];
		*out++ = alphabet[(p[1] & 0x0f) << 2 | p[2] >> 6];
		*out++ = alphabet[p[2] & 0x3f];
	}
	if (len > 0) {
		*out++ = alphabet[p[0] >> 2];
		if (len == 1) {
			*out++ = alphabet[(p[0] & 0x03) << 4];
			*out++ = '=';
		} else {
			*out++ = alphabet[(p[0] & 0x03) << 4 | p[1] >> 4];
			*out++ = alphabet[(p[1] & 0x0f) << 2];
		}
		*out++ = '=';
	}
	return out;
}

/* All bits set when lo <= c <= hi, else 0: both differences are negative
 * only inside the range, and an arithmetic shift spreads the sign. */
static int
in_range(int c, int lo, int hi)
{
	return ((lo - 1 - c) & (c - hi - 1)) >> 8;
}

/* The value of base64 digit c, or -1 for any other character. */
static int
digit_value(unsigned char c)
{
	return -1 +
	    (in_range(c, 'A', 'Z') & (c - 'A' + 1)) +
	    (in_range(c, 'a', 'z') & (c - 'a' + 27)) +
	    (in_range(c, '0', '9') & (c - '0' + 53)) +
	    (in_range(c, '+', '+') & 63) +
	    (in_range(c, '/', '/') & 64);
}

/*
 * The bytes of the last, incomplete group: 2 digits (12 bits) make one
 * byte and 3 digits (18 bits) two; the bits left over must be zero.
 */
static bool
decode_tail(uint32_t acc, size_t digits, unsigned char *out, size_t cap,
    size_t *n)
{
	if (digits == 2) {
		if (cap - *n < 1 || (acc & 0x0f) != 0)
			return false;
		out[(*n)++] = (unsigned char)(acc >> 4);
	} else if (digits == 3) {
		if (cap - *n < 2 || (acc & 0x03) != 0)
			return false;
		out[(*n)++] = (unsigned char)(acc >> 10);
		out[(*n)++] = (unsigned char)(acc >> 2);
	}
	return digits != 1;
}

bool
base64_decode(const char *text, size_t len, unsigned char *out, size_t cap,
    size_t *outlen)
{
	uint32_t acc = 0;
	size_t digits = 0, pads = 0, n = 0;

	for (size_t i = 0; i < len; i++) {
		int v = digit_value((unsigned char)text[i]);

		if (text[i] == '\n' || text[i] == '\r')
			continue;
		if (text[i] == '=') {
			pads++;
			continue;
		}
		if (v < 0 || pads > 0)
			return false;
		acc = acc << 6 | (uint32_t)v;
		if (++digits < 4)
			continue;
		if (cap - n < 3)
			return false;
		out[n++] = (unsigned char)(acc >> 16);
		out[n++] = (unsigned char)(acc >> 8);
		out[n++] = (unsigned char)acc;
		acc = 0;
		digits = 0;
	}
	if (pads != (digits == 0 ? 0 : 4 - digits) ||
	    !decode_tail(acc, digits, out, cap, &n))
		return false;
	*outlen = n;
	return true;
}
