/*
 * spill.h: a transaction's bytes, in memory up to a bound, then in an
 * unlinked temporary file.
 *
 * A transaction is held whole before any of it goes on (capture writes it
 * at its commit, apply sends it only once its commit is read and may send
 * it again one row at a time), and a transaction can be as large as its
 * sender likes.  So past the bound the bytes move to a private file in
 * $TMPDIR that no name points to, as PostgreSQL's reorder buffer spills:
 * memory stays flat whatever the transaction's size, and a process killed
 * mid-transaction leaves nothing behind.
 *
 * The bytes are one sequence: the writer appends to mem, then calls
 * spill_settle; readers look at any part of it with spill_view.
 */
#ifndef PGMESH_SPILL_H
#define PGMESH_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct spill {
	struct buf mem;		/* the bytes from `spilled` on */
	uint64_t bound;		/* mem's size that sends it to the file */
	int fd;			/* -1 until the bytes outgrow the bound */
	uint64_t spilled;	/* bytes [0, spilled) are in fd */
	struct buf window;	/* bytes of fd read back, from window_at */
	uint64_t window_at;
};

void spill_init(struct spill *s, uint64_t bound);
void spill_free(struct spill *s);

/* How many bytes s holds. */
uint64_t spill_len(const struct spill *s);

/* After an append to s->mem: past the bound, move mem to the file.
 * False after log_error (the file could not be made or written). */
bool spill_settle(struct spill *s);

/* Keep the first len bytes only (0: empty it, keeping the file). */
void spill_truncate(struct spill *s, uint64_t len);

/*
 * The bytes from off on, at most *len of them (off + *len within s): a
 * pointer to the first, valid until the next call on s, with *len cut to
 * as many as follow it there (at least one).  NULL after log_error (a
 * read of the file failed).
 */
const char *spill_view(struct spill *s, uint64_t off, size_t *len);

#endif
