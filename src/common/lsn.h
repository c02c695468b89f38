/*
 * lsn.h: PostgreSQL log sequence numbers, printed and parsed the way
 * PostgreSQL does ("0/16B3F08": two hexadecimal halves of 32 bits).
 */
#ifndef PGMESH_LSN_H
#define PGMESH_LSN_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t lsn_t;

#define LSN_BUFSIZE 18		/* "FFFFFFFF/FFFFFFFF" and its NUL */

/* Parse "X/X" (hex, either case) of exactly len bytes. */
bool lsn_parse(const char *s, size_t len, lsn_t *lsn);
/* Format with upper-case digits, PostgreSQL's spelling; returns buf. */
char *lsn_format(lsn_t lsn, char buf[LSN_BUFSIZE]);

/*
 * The fixed-width spelling of file names, whose order is LSN order: 16
 * upper-case hexadecimal digits.
 */
#define LSN_FIXED_LEN 16
bool lsn_parse_fixed(const char *s, lsn_t *lsn);

#endif
