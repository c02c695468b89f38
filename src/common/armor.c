/*
 * armor.c: OpenSSH's armored text.
 *
 * Reading is strict about the frame (the marker lines must be exactly
 * there, with the label asked for) and bounded by the text: the body is
 * what lies between the markers, and base64_decode checks every
 * character of it.  Line breaks may be "\n" or "\r\n".
 */
#include <stdlib.h>
#include <string.h>

#include "armor.h"
#include "base64.h"
#include "xalloc.h"

#define DASHES "-----"

void
armor_encode(const char *label, const void *data, size_t len,
    struct buf *out)
{
	char *text = xmalloc(BASE64_LEN(len) + 1);
	size_t n = (size_t)(base64_encode(text, data, len) - text);

	buf_puts(out, DASHES "BEGIN ");
	buf_puts(out, label);
	buf_puts(out, DASHES "\n");
	for (size_t at = 0; at < n; at += ARMOR_WIDTH) {
		buf_append(out, text + at, n - at < ARMOR_WIDTH ?
		    n - at : ARMOR_WIDTH);
		buf_putc(out, '\n');
	}
	buf_puts(out, DASHES "END ");
	buf_puts(out, label);
	buf_puts(out, DASHES "\n");
	free(text);
}

/* p past s if the text at p starts with s, else NULL. */
static const char *
skip(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if (p == NULL || (size_t)(end - p) < n || memcmp(p, s, n) != 0)
		return NULL;
	return p + n;
}

/* p past a line break, else NULL. */
static const char *
skip_line_break(const char *p, const char *end)
{
	const char *after = skip(p, end, "\r\n");

	return after ? after : skip(p, end, "\n");
}

/* p past the marker line "-----WHAT LABEL-----", else NULL. */
static const char *
skip_marker(const char *p, const char *end, const char *what,
    const char *label)
{
	p = skip(p, end, DASHES);
	p = skip(p, end, what);
	p = skip(p, end, " ");
	p = skip(p, end, label);
	return skip(p, end, DASHES);
}

bool
armor_decode(const char *label, const char *text, size_t len,
    struct buf *out, const char **why)
{
	const char *end = text + len, *body, *body_end, *after;
	size_t n;

	body = skip_marker(text, end, "BEGIN", label);
	if (body == NULL || (body = skip_line_break(body, end)) == NULL) {
		*why = "does not start with its BEGIN line";
		return false;
	}
	/* The body ends where the END line starts: '-' is no base64. */
	body_end = memchr(body, '-', (size_t)(end - body));
	after = body_end ? skip_marker(body_end, end, "END", label) : NULL;
	if (after == NULL || body_end[-1] != '\n') {
		*why = "no END line";
		return false;
	}
	if (after != end && skip_line_break(after, end) != end) {
		*why = "text after the END line";
		return false;
	}
	if (body_end == body) {
		*why = "nothing between the BEGIN and END lines";
		return false;
	}
	/* One byte more than can be decoded: a body too short to decode
	 * into anything would reserve none, and have no memory to point to. */
	n = BASE64_DECODED_MAX((size_t)(body_end - body)) + 1;
	if (!base64_decode(body, (size_t)(body_end - body), (unsigned char *)
	    buf_reserve(out, n), n, &n)) {
		*why = "bad base64";
		return false;
	}
	out->len += n;
	return true;
}
