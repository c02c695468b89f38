/*
 * applyretry.c: a failed group, applied again one source transaction at a
 * time, to apply everything before a failing transaction and name it.
 *
 * The destination transaction is rolled back and the group's transactions
 * are applied again from the log, each in a savepoint (constraints made
 * immediate, so a deferred one fails inside its own transaction too).  A
 * unique violation sends the transaction through the staging path
 * (stage.c): identical rows are duplicates, others a conflict.  A
 * transaction that still fails is either rejected (--rejects) or stops
 * apply, after the ones before it commit.
 */
#include "applyretry.h"
#include "rowkey.h"
#include "stage.h"

/* A source transaction applied again: in, rejected, failed (named in the
 * retry's failure), or apply must stop (dx->status says why). */
enum txn_outcome { TXN_APPLIED, TXN_REJECTED, TXN_FAILED, TXN_FATAL };

struct retry {
	struct destxact *dx;
	struct applylog *log;
	struct buf failure;	/* the message naming a failed transaction */
};

/* The key of row number line (from 1) of segment s, or nothing. */
static void
failure_row(struct retry *r, const struct applylog_seg *s, long line)
{
	struct rowkey key;
	struct dberror err;
	struct applylog_vals row;
	uint64_t pos = s->start;

	if (line <= 0 || !rowkey_lookup(r->dx->c, s->table, &key, &err))
		return;
	applylog_vals_init(&row);
	while (applylog_next_row(r->log, s, &pos, &row) > 0)
		if (--line == 0) {
			buf_puts(&r->failure, " (");
			rowkey_describe(&r->failure, s->table, &key, row.vals);
			buf_putc(&r->failure, ')');
			break;
		}
	applylog_vals_free(&row);
	rowkey_free(&key);
}

/* Name the transaction lt failed in segment s with dx->err. */
static enum txn_outcome
txn_failed(struct retry *r, const struct applylog_txn *lt,
    const struct applylog_seg *s)
{
	applyfail_name_txn(&r->failure, lt, s->table);
	buf_puts(&r->failure, r->dx->err.message);
	failure_row(r, s, r->dx->err.copy_line);
	buf_putc(&r->failure, '\0');
	return TXN_FAILED;
}

/* lt met an existing key with different values (key: "id=42"). */
static enum txn_outcome
txn_conflict(struct retry *r, const struct applylog_txn *lt,
    const struct applylog_seg *s, const struct buf *key)
{
	applyfail_name_txn(&r->failure, lt, s->table);
	buf_puts(&r->failure, "duplicate key with different values (");
	buf_append(&r->failure, key->data, key->len);
	buf_puts(&r->failure, ")");
	buf_putc(&r->failure, '\0');
	return TXN_FAILED;
}

/* Undo lt's part of the retry; false is fatal (status set). */
static bool
txn_undo(struct destxact *dx)
{
	return destxact_run(dx, "ROLLBACK TO SAVEPOINT pgmesh_txn") ||
	    destxact_fail(dx, "ROLLBACK TO SAVEPOINT");
}

/* Segment s of lt went wrong in the staging path (r). */
static enum txn_outcome
stage_failed(struct retry *r, const struct applylog_txn *lt,
    const struct applylog_seg *s, enum stage_result sr,
    const struct buf *key)
{
	if (dbconn_temporary(&r->dx->err)) {
		destxact_fail(r->dx, "apply");
		return TXN_FATAL;
	}
	if (!txn_undo(r->dx))
		return TXN_FATAL;
	if (sr == STAGE_FAILED)
		return txn_failed(r, lt, s);
	return txn_conflict(r, lt, s, key);
}

/* The staging path for lt, after its COPY met an existing key. */
static enum txn_outcome
txn_stage(struct retry *r, struct applylog_txn *lt)
{
	struct destxact *dx = r->dx;
	enum txn_outcome outcome = TXN_APPLIED;
	struct buf key;
	uint64_t dups = 0;

	buf_init(&key);
	for (size_t i = lt->first_seg; i < lt->first_seg + lt->nsegs; i++) {
		const struct applylog_seg *s = &r->log->segs[i];
		enum stage_result sr;

		sr = stage_segment(dx->c, r->log, s, &dups, &key, &dx->err);
		if (sr != STAGE_OK) {
			outcome = stage_failed(r, lt, s, sr, &key);
			break;
		}
	}
	buf_free(&key);
	if (outcome == TXN_APPLIED) {
		lt->dups = dups;
		dx->pend.dups += dups;
		dx->pend.rows += lt->nrows - dups;
	}
	return outcome;
}

/* Apply lt alone, in a savepoint of the retry's destination transaction. */
static enum txn_outcome
txn_alone(struct retry *r, struct applylog_txn *lt)
{
	struct destxact *dx = r->dx;

	if (!destxact_run(dx, "SAVEPOINT pgmesh_txn")) {
		destxact_fail(dx, "SAVEPOINT");
		return TXN_FATAL;
	}
	for (size_t i = lt->first_seg; i < lt->first_seg + lt->nsegs; i++) {
		const struct applylog_seg *s = &r->log->segs[i];

		if (destxact_copy_segment(dx, r->log, s) &&
		    destxact_copy_end(dx))
			continue;
		if (dbconn_temporary(&dx->err)) {
			destxact_fail(dx, "COPY");
			return TXN_FATAL;
		}
		if (!txn_undo(dx))
			return TXN_FATAL;
		if (dbconn_is(&dx->err, SQLSTATE_UNIQUE_VIOLATION))
			return txn_stage(r, lt);
		return txn_failed(r, lt, s);
	}
	if (!destxact_run(dx, "RELEASE SAVEPOINT pgmesh_txn")) {
		destxact_fail(dx, "RELEASE SAVEPOINT");
		return TXN_FATAL;
	}
	dx->pend.rows += lt->nrows;
	return TXN_APPLIED;
}

/* Apply lt again; one that fails goes to the rejects file if there is one. */
static enum txn_outcome
txn_retry(struct retry *r, struct applylog_txn *lt)
{
	enum txn_outcome outcome;

	if (lt->rejected) {
		/* Rejected as it was read; in the rejects file already. */
		r->dx->pend.rejected++;
		return TXN_REJECTED;
	}
	outcome = txn_alone(r, lt);
	if (outcome == TXN_APPLIED)
		r->dx->pend.txns++;
	else if (outcome == TXN_FAILED &&
	    destxact_reject(r->dx, r->log, lt, r->failure.data))
		outcome = TXN_REJECTED;
	else if (r->dx->status != APPLY_OK)
		outcome = TXN_FATAL;
	return outcome;
}

/* Roll back the failed attempt and open the retry's transaction. */
static bool
retry_begin(struct destxact *dx)
{
	if (destxact_rollback(dx) && destxact_begin(dx) &&
	    destxact_run(dx, "SET CONSTRAINTS ALL IMMEDIATE"))
		return true;
	return dx->status != APPLY_OK ? false : destxact_fail(dx, "BEGIN");
}

/* Commit the first done transactions of the group (none: roll back), then
 * stop at the failed one after them, if any. */
static bool
retry_end(struct retry *r, size_t done, bool failed)
{
	struct destxact *dx = r->dx;

	if (done > 0 && !destxact_commit(dx, r->log, &r->log->txns[done - 1]))
		return dx->status != APPLY_OK ? false :
		    destxact_fail(dx, "COMMIT");
	if (done == 0 && !destxact_rollback(dx))
		return false;
	return !failed || destxact_stop(dx, r->failure.data);
}

bool
applyretry_group(struct destxact *dx, struct applylog *l)
{
	struct retry r = { .dx = dx, .log = l };
	size_t n = applylog_committed(l), done;
	enum txn_outcome outcome = TXN_APPLIED;
	bool ok;

	if (!retry_begin(dx))
		return false;
	buf_init(&r.failure);
	for (done = 0; done < n; done++) {
		outcome = txn_retry(&r, &l->txns[done]);
		if (outcome == TXN_FAILED || outcome == TXN_FATAL)
			break;
	}
	ok = outcome != TXN_FATAL && retry_end(&r, done, outcome == TXN_FAILED);
	buf_free(&r.failure);
	return ok;
}
