/*
 * applylog.h: the transactions of apply's current group, kept as the COPY
 * text that goes to the destination.
 *
 * apply sends a group's rows as they come and commits them in one
 * destination transaction.  When that fails, the group is rolled back and
 * sent again one transaction at a time, so the rows must still be at hand:
 * this log holds them until the group commits, escaped once (the same bytes
 * serve the first attempt and the retry).  It holds them in memory up to
 * the txn-memory limit (limits.h), and in a temporary file past it
 * (spill.h): a transaction of any size is held whole, at flat memory.  Rows are cut into segments, each
 * a run of one table's rows within one transaction, which is the unit of a
 * COPY on retry and lets a COPY error's line number name its row.
 */
#ifndef PGMESH_APPLYLOG_H
#define PGMESH_APPLYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/change.h"
#include "common/spill.h"

struct applylog_seg {
	const struct table *table;
	uint64_t start;		/* its COPY text lines: data[start..end) */
	uint64_t end;
	uint64_t nrows;
};

struct applylog_txn {
	struct txn txn;
	size_t first_seg;
	size_t nsegs;
	uint64_t nrows;
	uint64_t dups;		/* of nrows, already there (staging path) */
	const struct table *denied;	/* first table outside the grant */
	bool rejected;		/* written to the rejects file, rows dropped */
};

struct applylog {
	struct spill data;
	struct applylog_seg *segs;
	size_t nsegs;
	size_t segcap;
	struct applylog_txn *txns;
	size_t ntxns;		/* including an open one */
	size_t txncap;
	bool open;		/* txns[ntxns - 1] has had no commit yet */
};

void applylog_init(struct applylog *l);
void applylog_free(struct applylog *l);
/* Forget everything (the group committed). */
void applylog_reset(struct applylog *l);

struct applylog_txn *applylog_begin(struct applylog *l, const struct txn *txn);
/* False after log_error: the temporary file could not take the row. */
bool applylog_row(struct applylog *l, const struct table *t,
    const struct value *vals);
void applylog_commit(struct applylog *l);
/* Forget the rows of the last transaction (aborted: the transaction too). */
void applylog_drop_rows(struct applylog *l);
void applylog_drop_open(struct applylog *l);

/* Bytes of COPY text the log holds. */
uint64_t applylog_bytes(const struct applylog *l);
/* Transactions committed into the log, and the last of them. */
size_t applylog_committed(const struct applylog *l);
const struct applylog_txn *applylog_last(const struct applylog *l);

/* Room to decode rows of the log into; each row reuses it. */
struct applylog_vals {
	struct value *vals;	/* pointing into text, each followed by a NUL */
	int room;
	struct buf text;
};

void applylog_vals_init(struct applylog_vals *v);
void applylog_vals_free(struct applylog_vals *v);

/*
 * Decode the row at data[*pos] of segment s (start with *pos = s->start)
 * into v->vals (s->table->ncols of them), and move *pos to the next row:
 * 1.  Past the segment's end 0, and -1 after log_error (the temporary
 * file could not be read).
 */
int applylog_next_row(struct applylog *l, const struct applylog_seg *s,
    uint64_t *pos, struct applylog_vals *v);

#endif
