/*
 * escape.h: text from elsewhere made safe to print in a message.
 *
 * Values, table names and PostgreSQL's errors quote what a sender sent: a
 * control character in them could rewrite the operator's terminal or
 * forge a line of the log, and a byte that is not UTF-8 garbles it.
 */
#ifndef PGMESH_ESCAPE_H
#define PGMESH_ESCAPE_H

#include <stddef.h>

/*
 * Copy the string in into out (size > 0 bytes, always NUL-terminated,
 * cut short if it does not fit) with every byte that would not print as
 * itself written as an escape: tab, newline and carriage return as \t, \n
 * and \r, other control characters (C0, DEL and C1) and bytes that are not
 * part of well-formed UTF-8 as \xNN.  Printable UTF-8 is kept as it is.
 */
void escape_printable(const char *in, char *out, size_t size);

#endif
