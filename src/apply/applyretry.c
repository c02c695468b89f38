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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applier_int.h"
#include "rowkey.h"
#include "stage.h"

enum txn_outcome { TXN_APPLIED, TXN_FAILED, TXN_FATAL };

/* The key of row number line (from 1) of segment s, or nothing. */
static void
failure_row(struct applier *a, const struct applylog_seg *s, long line)
{
	struct rowkey key;
	struct dberror err;
	struct applylog_vals row;
	size_t pos = s->start;

	if (line <= 0 || !rowkey_lookup(a->dx.c, s->table, &key, &err))
		return;
	applylog_vals_init(&row);
	while (applylog_next_row(&a->log, s, &pos, &row))
		if (--line == 0) {
			buf_puts(&a->failure, " (");
			rowkey_describe(&a->failure, s->table, &key, row.vals);
			buf_putc(&a->failure, ')');
			break;
		}
	applylog_vals_free(&row);
	rowkey_free(&key);
}

/* Name the transaction lt failed in segment s with a->dx.err. */
static enum txn_outcome
txn_failed(struct applier *a, const struct applylog_txn *lt,
    const struct applylog_seg *s)
{
	applyfail_name_txn(&a->failure, lt, s->table);
	buf_puts(&a->failure, a->dx.err.message);
	failure_row(a, s, a->dx.err.copy_line);
	buf_putc(&a->failure, '\0');
	return TXN_FAILED;
}

/* Undo lt's part of the retry; false is fatal (status set). */
static bool
txn_undo(struct applier *a)
{
	return destxact_run(&a->dx, "ROLLBACK TO SAVEPOINT pgmesh_txn") ||
	    destxact_fail(&a->dx, "ROLLBACK TO SAVEPOINT");
}

/* The staging path for lt, after its COPY met an existing key. */
static enum txn_outcome
txn_stage(struct applier *a, const struct applylog_txn *lt)
{
	struct buf key;
	uint64_t dups = 0;

	buf_init(&key);
	for (size_t i = lt->first_seg; i < lt->first_seg + lt->nsegs; i++) {
		const struct applylog_seg *s = &a->log.segs[i];
		enum stage_result r;

		r = stage_segment(a->dx.c, &a->log, s, &dups, &key, &a->dx.err);
		if (r == STAGE_OK)
			continue;
		if (dbconn_temporary(&a->dx.err)) {
			buf_free(&key);
			destxact_fail(&a->dx, "apply");
			return TXN_FATAL;
		}
		if (!txn_undo(a)) {
			buf_free(&key);
			return TXN_FATAL;
		}
		if (r == STAGE_FAILED) {
			buf_free(&key);
			return txn_failed(a, lt, s);
		}
		applyfail_name_txn(&a->failure, lt, s->table);
		buf_puts(&a->failure, "duplicate key with different values (");
		buf_append(&a->failure, key.data, key.len);
		buf_puts(&a->failure, ")");
		buf_putc(&a->failure, '\0');
		buf_free(&key);
		return TXN_FAILED;
	}
	buf_free(&key);
	a->dx.pend.dups += dups;
	a->dx.pend.rows += lt->nrows - dups;
	return TXN_APPLIED;
}

/* Apply lt alone, in a savepoint of the retry's destination transaction. */
static enum txn_outcome
txn_alone(struct applier *a, const struct applylog_txn *lt)
{
	if (!destxact_run(&a->dx, "SAVEPOINT pgmesh_txn")) {
		destxact_fail(&a->dx, "SAVEPOINT");
		return TXN_FATAL;
	}
	for (size_t i = lt->first_seg; i < lt->first_seg + lt->nsegs; i++) {
		const struct applylog_seg *s = &a->log.segs[i];

		if (destxact_copy_segment(&a->dx, &a->log, s) &&
		    destxact_copy_end(&a->dx))
			continue;
		if (dbconn_temporary(&a->dx.err)) {
			destxact_fail(&a->dx, "COPY");
			return TXN_FATAL;
		}
		if (!txn_undo(a))
			return TXN_FATAL;
		if (dbconn_is(&a->dx.err, SQLSTATE_UNIQUE_VIOLATION))
			return txn_stage(a, lt);
		return txn_failed(a, lt, s);
	}
	if (!destxact_run(&a->dx, "RELEASE SAVEPOINT pgmesh_txn")) {
		destxact_fail(&a->dx, "RELEASE SAVEPOINT");
		return TXN_FATAL;
	}
	a->dx.pend.rows += lt->nrows;
	return TXN_APPLIED;
}

/*
 * The group failed: roll back, apply its transactions one at a time,
 * commit those that went in (and those rejected), and stop at one that
 * failed without --rejects.
 */
bool
applier_retry(struct applier *a)
{
	size_t n = applylog_committed(&a->log), done = 0;
	bool stopped = false;

	if (!destxact_rollback(&a->dx) || !destxact_begin(&a->dx) ||
	    !destxact_run(&a->dx, "SET CONSTRAINTS ALL IMMEDIATE"))
		return a->dx.status != APPLY_OK ? false :
		    destxact_fail(&a->dx, "BEGIN");
	for (size_t i = 0; i < n && !stopped; i++) {
		struct applylog_txn *lt = &a->log.txns[i];
		enum txn_outcome r;

		if (lt->rejected) {
			/* Rejected as it was read; in the rejects file already. */
			a->dx.pend.rejected++;
			done = i + 1;
			continue;
		}
		r = txn_alone(a, lt);
		if (r == TXN_FATAL)
			return false;
		if (r == TXN_FAILED &&
		    !destxact_reject(&a->dx, &a->log, lt, a->failure.data)) {
			stopped = true;
		} else {
			a->dx.pend.txns += (r == TXN_APPLIED);
			done = i + 1;
		}
	}
	if (done > 0 && !destxact_commit(&a->dx, &a->log.txns[done - 1]))
		return a->dx.status != APPLY_OK ? false :
		    destxact_fail(&a->dx, "COMMIT");
	if (done == 0 && !destxact_rollback(&a->dx))
		return false;
	applylog_reset(&a->log);
	return !stopped || destxact_stop(&a->dx, a->failure.data);
}

