/*
 * copytext.h: the escaping of PostgreSQL's COPY text format, as pgmesh uses
 * it in change text and in the rows apply sends through COPY.
 *
 * pgmesh writes exactly four escapes: \\ \t \n \r (backslash, tab, newline,
 * carriage return), and \N alone for NULL.  It reads only those, so that
 * every value has one spelling and change text round-trips byte for byte.
 */
#ifndef PGMESH_COPYTEXT_H
#define PGMESH_COPYTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "change.h"

void copytext_escape(struct buf *out, const char *data, size_t len);
/* The same into p, which has room for 2 * len bytes; returns the end. */
char *copytext_escape_into(char *p, const char *data, size_t len);

/*
 * Append a line: head (may be empty), then the n values escaped, \N for
 * NULL, each after a tab unless it comes first on the line, then a newline.
 */
void copytext_line(struct buf *out, const char *head, size_t head_len,
    const struct value *vals, int n);

/*
 * Unescape s[0..len) in place (it only shrinks) into *outlen bytes.  On an
 * escape other than the four, returns false with *bad_at its offset.
 */
bool copytext_unescape(char *s, size_t len, size_t *outlen, size_t *bad_at);

/*
 * Turn a line PostgreSQL's COPY TO wrote (text format, tab-delimited) into
 * change text's spelling, in place (it only shrinks); returns the new
 * length.  COPY TO also escapes backspace, form feed and vertical tab
 * (\b \f \v), which change text writes as the bytes themselves; every
 * other escape it writes is one of the four.
 */
size_t copytext_from_copy_out(char *s, size_t len);

#endif
