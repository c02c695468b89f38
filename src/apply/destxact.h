/*
 * destxact.h: the destination transaction a group is applied in, on
 * apply's one connection to the destination.
 *
 * It sends the rows of the group's log in COPY statements, opening the
 * transaction block with the first, and commits with the origin's
 * progress set to the last source transaction it holds.  Each commit is
 * reported through a callback, to whoever keeps the origins' progress.  A
 * failed statement leaves its error in err, for the caller to retry,
 * reject the transaction, or stop apply (destxact_fail sets status).
 */
#ifndef PGMESH_DESTXACT_H
#define PGMESH_DESTXACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "applyfail.h"
#include "applylog.h"
#include "common/buf.h"
#include "common/lsn.h"
#include "dbconn.h"
#include "rejects.h"

/* Source transactions and rows applied (skipped: the applier's alone). */
struct apply_counts {
	uint64_t txns;
	uint64_t rows;
	uint64_t skipped;
	uint64_t dups;
	uint64_t rejected;
};

/* A commit applied the source transactions up to last, holding counts. */
typedef void destxact_committed_fn(void *ctx, const struct txn *last,
    const struct apply_counts *counts);

struct destxact {
	PGconn *c;
	struct rejects *rejects;	/* NULL: a failed source transaction
					 * stops apply */
	destxact_committed_fn *committed;
	void *ctx;

	bool open;		/* a transaction block is open */
	bool wrote;		/* rows sent: the commit will have an xid */
	const struct table *copying;	/* COPY open into this, or NULL */
	size_t sent_seg;	/* segments of the log before this were sent */
	struct apply_counts pend;	/* what the open transaction holds */
	lsn_t group_prev;	/* the origin's progress before the group, or
				 * CLAIM_NONE: for the group mark */
	struct buf mark;	/* the group mark, built at commit */

	struct dberror err;	/* why the last statement failed */
	enum apply_status status;	/* APPLY_OK until apply must stop */
};

void destxact_init(struct destxact *dx, PGconn *c, struct rejects *rejects,
    destxact_committed_fn *committed, void *ctx);
void destxact_free(struct destxact *dx);

/* Run a statement of apply's own; false with dx->err filled. */
bool destxact_run(struct destxact *dx, const char *sql);
/* Stop apply, saying why from dx->err (what: "COMMIT", ...); false. */
bool destxact_fail(struct destxact *dx, const char *what);
/* Stop apply at the failed source transaction msg names; false. */
bool destxact_stop(struct destxact *dx, const char *msg);

/* Open the transaction block unless it is. */
bool destxact_begin(struct destxact *dx);
/* No block is open and nothing of the group has been sent. */
bool destxact_fresh(const struct destxact *dx);
/* Send segment s of l, in the COPY open for its table or a new one.  A
 * failed COPY is not ended again: the caller rolls back. */
bool destxact_copy_segment(struct destxact *dx, struct applylog *l,
    const struct applylog_seg *s);
bool destxact_copy_end(struct destxact *dx);
/* Send the committed source transactions of l not sent yet. */
bool destxact_send_pending(struct destxact *dx, struct applylog *l);
uint64_t destxact_unsent_bytes(const struct destxact *dx,
    const struct applylog *l);

/* Put lt of l, whose failure msg names, in the rejects file instead of
 * the destination: false when there is none, or when the log could not be
 * read back (dx->status set). */
bool destxact_reject(struct destxact *dx, struct applylog *l,
    struct applylog_txn *lt, const char *msg);

/* The group mark of l's transactions up to lt (applymark.h), in dx. */
const char *destxact_mark(struct destxact *dx, const struct applylog *l,
    const struct applylog_txn *lt);
/* Commit as the application of l's source transactions up to lt. */
bool destxact_commit(struct destxact *dx, const struct applylog *l,
    const struct applylog_txn *lt);
/* Statements of the caller's own (applylone.c's pipeline) committed the
 * transactions up to lt, or left a block open, to be rolled back. */
void destxact_committed(struct destxact *dx, const struct applylog_txn *lt);
void destxact_left_open(struct destxact *dx);
/* Roll back and forget what the transaction held; false after
 * destxact_fail. */
bool destxact_rollback(struct destxact *dx);

#endif
