/*
 * escape.c: non-printable bytes as escapes.
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"

/*
 * The length of the well-formed UTF-8 sequence of a printable character
 * (not a C1 control) starting at s, or 0 (RFC 3629's table: no overlong
 * forms, no surrogates, nothing above U+10FFFF).  The NUL that ends the
 * string is never a continuation byte, so no read passes it.
 */
static size_t
utf8_printable_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (s[0] == 0xC2 && s[1] < 0xA0)
		return 0;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

/* The escape for the byte c, which does not print as itself. */
static void
escape_byte(unsigned char c, char esc[5])
{
	switch (c) {
	case '\t': memcpy(esc, "\\t", 3); break;
	case '\n': memcpy(esc, "\\n", 3); break;
	case '\r': memcpy(esc, "\\r", 3); break;
	default: snprintf(esc, 5, "\\x%02X", c); break;
	}
}

void
escape_printable(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t used = 0;

	while (*s != '\0') {
		char esc[5];
		const char *piece = (const char *)s;
		size_t take = *s >= 0x20 && *s < 0x7F ? 1 : utf8_printable_len(s);
		size_t len = take;

		if (take == 0) {
			escape_byte(*s, esc);
			piece = esc;
			take = 1;
			len = strlen(esc);
		}
		if (used + len >= size)
			break;
		memcpy(out + used, piece, len);
		used += len;
		s += take;
	}
	out[used] = '\0';
}
