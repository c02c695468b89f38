/*
 * heads.h: per-origin positions ("heads") of a spool: for each origin,
 * the LSN up to which the spool holds every transaction.  A receiver tells
 * its sender its heads, a sender records what each downstream acknowledged
 * as heads, and pruning compares frames with them.
 *
 * The text form, in acknowledgement records and in the resume protocol
 * (after "have "), is one "ORIGIN LSN" per line.
 */
#ifndef PGMESH_HEADS_H
#define PGMESH_HEADS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/lsn.h"
#include "common/node.h"

struct head {
	char origin[NODE_MAX + 1];
	lsn_t lsn;
};

/* A small set of heads, one per origin (a network has a few dozen). */
struct heads {
	struct head *v;
	size_t n;
};

void heads_init(struct heads *h);
void heads_free(struct heads *h);
/* The head of origin, 0 when none is known. */
lsn_t heads_get(const struct heads *h, const char *origin);
/* Raise origin's head to lsn (never lowers it). */
void heads_raise(struct heads *h, const char *origin, lsn_t lsn);
/* "ORIGIN LSN, ORIGIN LSN" for messages ("nothing" when empty). */
void heads_describe(const struct heads *h, struct buf *out);

/* Append "PREFIX ORIGIN LSN\n" for every head. */
void heads_put_lines(struct buf *out, const struct heads *h,
    const char *prefix);
/* Parse "ORIGIN LSN" (the whole string); false when it is not that. */
bool heads_parse_line(const char *s, struct head *head);

/*
 * A file of "ORIGIN LSN" lines: raise h by the file at path (nothing when
 * there is none), or replace the file by h, atomically and durably
 * (temporary file, fsync, rename).  False after log_error.
 */
bool heads_load(const char *path, struct heads *h);
bool heads_save(const char *path, const struct heads *h);

/*
 * The LSN up to which a frame holds whole transactions: a frame whose
 * last transaction continues in the next frame does not hold that one.
 * A head is the highest such LSN of a spool, so it never claims a split
 * transaction before its last part arrived.  (A sender skips a frame only
 * when its last LSN is at or below the head.)
 */
lsn_t frame_whole_lsn(lsn_t last_lsn, bool continues_next);

#endif
