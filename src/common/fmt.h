/*
 * fmt.h: numbers into text without printf, for the forms written once or
 * more per transaction (LSNs, commit times, xids), where snprintf's format
 * interpretation was half of capture's time on one-row transactions.
 * Each writes its digits at p, no NUL, and returns the end.
 */
#ifndef PGMESH_FMT_H
#define PGMESH_FMT_H

#include <stdint.h>

/* v in decimal, as many digits as it takes (at most 20). */
char *fmt_decimal(char *p, uint64_t v);
/* The width lowest decimal digits of v, zero-padded. */
char *fmt_fixed(char *p, uint64_t v, int width);
/* v in upper-case hexadecimal, as many digits as it takes (at most 8). */
char *fmt_hex(char *p, uint32_t v);

#endif
