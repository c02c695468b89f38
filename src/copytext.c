#include <string.h>

#include "copytext.h"

static char
escape_letter(char c)
{
	switch (c) {
	case '\\': return '\\';
	case '\t': return 't';
	case '\n': return 'n';
	case '\r': return 'r';
	default: return 0;
	}
}

void
copytext_escape(struct buf *out, const char *data, size_t len)
{
	size_t run = 0;

	/* Copy runs of plain bytes in one piece: most values have no escape. */
	for (size_t i = 0; i < len; i++) {
		char letter = escape_letter(data[i]);

		if (letter == 0)
			continue;
		buf_append(out, data + run, i - run);
		buf_putc(out, '\\');
		buf_putc(out, letter);
		run = i + 1;
	}
	buf_append(out, data + run, len - run);
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
