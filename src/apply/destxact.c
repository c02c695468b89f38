/*
 * destxact.c: the destination transaction of a group: BEGIN, the COPY
 * statements that carry its rows, and the COMMIT that carries the origin's
 * progress with them.
 *
 * Rows are sent in COPY statements that stay open across consecutive rows
 * of one table, even across source transactions: a stream of one table's
 * rows costs one COPY per group, close to a plain COPY.
 *
 * Exactly once.  The session holds the group's origin; before COMMIT,
 * pg_replication_origin_xact_setup(last LSN, its commit time) makes the
 * commit record carry the origin's new progress, so rows and progress are
 * durable together or not at all.  The same statement writes the group
 * mark (applymark.h), which lets a capture of this database split the
 * transaction back into the source transactions.
 */
#include <string.h>

#include "applymark.h"
#include "copyin.h"
#include "destxact.h"
#include "origin.h"
#include "common/log.h"

void
destxact_init(struct destxact *dx, PGconn *c, struct rejects *rejects,
    destxact_committed_fn *committed, void *ctx)
{
	memset(dx, 0, sizeof(*dx));
	dx->c = c;
	dx->rejects = rejects;
	dx->committed = committed;
	dx->ctx = ctx;
	buf_init(&dx->mark);
}

void
destxact_free(struct destxact *dx)
{
	buf_free(&dx->mark);
}

bool
destxact_run(struct destxact *dx, const char *sql)
{
	return dbconn_exec(dx->c, sql, 0, NULL, &dx->err);
}

bool
destxact_fail(struct destxact *dx, const char *what)
{
	dx->status = applyfail_report(&dx->err, what);
	return false;
}

bool
destxact_stop(struct destxact *dx, const char *msg)
{
	log_error("%s", msg);
	dx->status = APPLY_STOPPED;
	return false;
}

/* Note the transaction block as open; sql opens it unless NULL. */
static bool
block_open(struct destxact *dx, const char *sql)
{
	dx->open = true;
	dx->wrote = false;
	return sql == NULL || destxact_run(dx, sql);
}

bool
destxact_begin(struct destxact *dx)
{
	return dx->open || block_open(dx, "BEGIN");
}

bool
destxact_fresh(const struct destxact *dx)
{
	return !dx->open && dx->sent_seg == 0;
}

bool
destxact_copy_end(struct destxact *dx)
{
	const struct table *t = dx->copying;

	dx->copying = NULL;
	return t == NULL || copyin_end(dx->c, &dx->err);
}

bool
destxact_copy_segment(struct destxact *dx, struct applylog *l,
    const struct applylog_seg *s)
{
	if (dx->copying != s->table) {
		bool begin = !dx->open;

		if (!destxact_copy_end(dx) ||
		    (begin && !block_open(dx, NULL)) ||
		    !copyin_start(dx->c, s->table, NULL, begin, &dx->err))
			return false;
		dx->copying = s->table;
	}
	if (!copyin_put_segment(dx->c, l, s, &dx->err)) {
		dx->copying = NULL;
		return false;
	}
	dx->wrote = true;
	return true;
}

/*
 * Nothing of a source transaction is sent before its commit record is
 * read, so a transaction cut short by damaged input never reaches the
 * destination, and one outside its grant is rejected before any row goes.
 */
bool
destxact_send_pending(struct destxact *dx, struct applylog *l)
{
	size_t n = l->nsegs;

	if (l->open)
		n = l->txns[l->ntxns - 1].first_seg;
	for (; dx->sent_seg < n; dx->sent_seg++)
		if (!destxact_copy_segment(dx, l, &l->segs[dx->sent_seg]))
			return false;
	return true;
}

uint64_t
destxact_unsent_bytes(const struct destxact *dx, const struct applylog *l)
{
	if (dx->sent_seg >= l->nsegs)
		return 0;
	return applylog_bytes(l) - l->segs[dx->sent_seg].start;
}

bool
destxact_reject(struct destxact *dx, struct applylog *l,
    struct applylog_txn *lt, const char *msg)
{
	if (dx->rejects == NULL)
		return false;
	if (!rejects_add(dx->rejects, l, lt)) {
		dx->status = APPLY_IO_ERROR;
		return false;
	}
	log_warn("%s; rejected", msg);
	lt->rejected = true;
	dx->pend.rejected++;
	return true;
}

/*
 * Commit the destination transaction as the application of the source
 * transactions up to lt.  A transaction that wrote nothing (every source
 * transaction in it rejected) gets an xid, or PostgreSQL would write no
 * commit record and the origin's progress would not move.
 */
const char *
destxact_mark(struct destxact *dx, const struct applylog *l,
    const struct applylog_txn *lt)
{
	applymark_build(&dx->mark, l, lt, dx->group_prev);
	return dx->mark.data;
}

bool
destxact_commit(struct destxact *dx, const struct applylog *l,
    const struct applylog_txn *lt)
{
	bool ended;

	if (!destxact_begin(dx) ||
	    (!dx->wrote && !destxact_run(dx, "SELECT pg_current_xact_id()")))
		return false;
	/* Rejected transactions are on disk before progress passes them. */
	if (dx->rejects != NULL && !rejects_sync(dx->rejects)) {
		dx->status = APPLY_IO_ERROR;
		return false;
	}
	if (!origin_xact_commit(dx->c, lt->txn.lsn, lt->txn.commit_time,
	    destxact_mark(dx, l, lt), &ended, &dx->err)) {
		if (ended)
			dx->open = false;
		return false;
	}
	destxact_committed(dx, lt);
	return true;
}

/* What was sent and counted went with the block: start afresh. */
static void
forget(struct destxact *dx)
{
	dx->open = false;
	dx->copying = NULL;
	dx->sent_seg = 0;
	memset(&dx->pend, 0, sizeof(dx->pend));
}

void
destxact_committed(struct destxact *dx, const struct applylog_txn *lt)
{
	dx->committed(dx->ctx, &lt->txn, &dx->pend);
	forget(dx);
}

void
destxact_left_open(struct destxact *dx)
{
	dx->open = true;
}

bool
destxact_rollback(struct destxact *dx)
{
	bool open = dx->open;

	forget(dx);
	if (!open || destxact_run(dx, "ROLLBACK"))
		return true;
	return destxact_fail(dx, "ROLLBACK");
}
