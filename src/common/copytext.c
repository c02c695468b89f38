#include <stdint.h>
#include <string.h>

#include "copytext.h"

/* The escape letter of each byte that needs one, 0 for the others. */
static const char escape_letters[256] = {
	['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'
};

/*
 * Might any of the eight bytes in x need an escape?  True for a backslash
 * or any byte below 0x0E (tab, newline and carriage return among them):
 * the classic "has a zero byte" and "has a byte less than n" word tricks.
 * False positives only cost the byte-by-byte loop.
 */
static bool
word_may_need_escape(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t highs = UINT64_C(0x8080808080808080);
	uint64_t backslashes = x ^ (ones * '\\');

	return ((((backslashes - ones) & ~backslashes) |
	    ((x - ones * 0x0E) & ~x)) & highs) != 0;
}

char *
copytext_escape_into(char *p, const char *data, size_t len)
{
	size_t i = 0;
	uint64_t x;

	/* Most values have nothing to escape: copy them a word at a time. */
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, data + i, 8);
		if (word_may_need_escape(x))
			break;
		memcpy(p, &x, 8);
		p += 8;
	}
	for (; i < len; i++) {
		char letter = escape_letters[(unsigned char)data[i]];

		if (letter != 0) {
			*p++ = '\\';
			*p++ = letter;
		} else {
			*p++ = data[i];
		}
	}
	return p;
}

void
copytext_escape(struct buf *out, const char *data, size_t len)
{
	char *start = buf_reserve(out, 2 * len);

	out->len += (size_t)(copytext_escape_into(start, data, len) - start);
}

void
copytext_line(struct buf *out, const char *head, size_t head_len,
    const struct value *vals, int n)
{
	size_t need = head_len + 1;
	char *start, *p;

	/* Room for the worst case up front: one reservation per line. */
	for (int i = 0; i < n; i++)
		need += 3 + 2 * vals[i].len;
	start = p = buf_reserve(out, need);
	if (head_len > 0)
		memcpy(p, head, head_len);
	p += head_len;
	for (int i = 0; i < n; i++) {
		if (i > 0 || head_len > 0)
			*p++ = '\t';
		if (vals[i].data == NULL) {
			*p++ = '\\';
			*p++ = 'N';
		} else {
			p = copytext_escape_into(p, vals[i].data, vals[i].len);
		}
	}
	*p++ = '\n';
	out->len += (size_t)(p - start);
}

static char
unescape_letter(char c)
{
	switch (c) {
	case '\\': return '\\';
	case 't': return '\t';
	case 'n': return '\n';
	case 'r': return '\r';
	default: return 0;
	}
}

bool
copytext_unescape(char *s, size_t len, size_t *outlen, size_t *bad_at)
{
	char *backslash = memchr(s, '\\', len);
	size_t in, out;

	if (backslash == NULL) {
		*outlen = len;
		return true;
	}
	for (in = out = (size_t)(backslash - s); in < len; in++) {
		char c;

		if (s[in] != '\\') {
			s[out++] = s[in];
			continue;
		}
		if (in + 1 == len || (c = unescape_letter(s[in + 1])) == 0) {
			*bad_at = in;
			return false;
		}
		s[out++] = c;
		in++;
	}
	*outlen = out;
	return true;
}

size_t
copytext_from_copy_out(char *s, size_t len)
{
	char *in = memchr(s, '\\', len), *end = s + len, *out;

	if (in == NULL)
		return len;	/* the usual line: nothing to look at */
	for (out = in; in < end; in++) {
		if (*in != '\\' || in + 1 == end) {
			*out++ = *in;
			continue;
		}
		switch (*++in) {
		case 'b': *out++ = '\b'; break;
		case 'f': *out++ = '\f'; break;
		case 'v': *out++ = '\v'; break;
		default: *out++ = '\\'; *out++ = *in; break;
		}
	}
	return (size_t)(out - s);
}
