/*
 * applyxact.c: the destination transaction of a group: BEGIN, the COPY
 * statements that carry its rows, and the COMMIT that carries the origin's
 * progress with them.
 *
 * Rows are sent in COPY statements that stay open across consecutive rows
 * of one table, even across source transactions: a stream of one table's
 * rows costs one COPY per group, close to a plain COPY.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "applier_int.h"
#include "copyin.h"
#include "origin.h"
#include "common/log.h"

/* -v progress at most this often. */
#define REPORT_SECONDS 2.0

static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Stop with status, after saying why (what: "COMMIT", "origin a", ...). */
bool
applier_fail(struct applier *a, const char *what)
{
	a->status = applyfail_report(&a->err, what);
	return false;
}

bool
applier_run(struct applier *a, const char *sql)
{
	return dbconn_exec(a->c, sql, 0, NULL, &a->err);
}

/* Note the transaction block as open; sql opens it unless NULL. */
static bool
xact_open(struct applier *a, const char *sql)
{
	a->in_xact = true;
	a->wrote = false;
	return sql == NULL || applier_run(a, sql);
}

bool
applier_xact_begin(struct applier *a)
{
	return a->in_xact || xact_open(a, "BEGIN");
}

/* Roll back the destination transaction, and forget what it held. */
bool
applier_xact_rollback(struct applier *a)
{
	a->copying = NULL;
	a->sent_seg = 0;
	memset(&a->pend, 0, sizeof(a->pend));
	if (!a->in_xact)
		return true;
	a->in_xact = false;
	if (applier_run(a, "ROLLBACK"))
		return true;
	return applier_fail(a, "ROLLBACK");
}

bool
applier_copy_end(struct applier *a)
{
	const struct table *t = a->copying;

	a->copying = NULL;
	return t == NULL || copyin_end(a->c, &a->err);
}

bool
applier_copy_segment(struct applier *a, const struct applylog_seg *s)
{
	if (a->copying != s->table) {
		bool begin = !a->in_xact;

		if (!applier_copy_end(a) || (begin && !xact_open(a, NULL)) ||
		    !copyin_start(a->c, s->table, NULL, begin, &a->err))
			return false;
		a->copying = s->table;
	}
	if (!copyin_put(a->c, a->log.data.data + s->start, s->end - s->start,
	    &a->err))
		return false;
	a->wrote = true;
	return true;
}

/* Send the segments of committed source transactions not sent yet. */
bool
applier_send_pending(struct applier *a)
{
	size_t n = a->log.nsegs;

	if (a->log.open)
		n = a->log.txns[a->log.ntxns - 1].first_seg;
	for (; a->sent_seg < n; a->sent_seg++)
		if (!applier_copy_segment(a, &a->log.segs[a->sent_seg]))
			return false;
	return true;
}

size_t
applier_unsent_bytes(const struct applier *a)
{
	if (a->sent_seg >= a->log.nsegs)
		return 0;
	return a->log.data.len - a->log.segs[a->sent_seg].start;
}

void
applier_report_progress(struct applier *a, const char *when)
{
	double secs = seconds_since(&a->started);

	clock_gettime(CLOCK_MONOTONIC, &a->reported);
	log_verbose("%s%" PRIu64 " transactions, %" PRIu64 " rows, %.0f rows/s, "
	    "%" PRIu64 " skipped, %" PRIu64 " duplicates, %" PRIu64 " rejected",
	    when, a->done.txns, a->done.rows,
	    secs > 0 ? (double)a->done.rows / secs : 0.0, a->done.skipped,
	    a->done.dups, a->done.rejected);
}

/*
 * Commit the destination transaction as the application of the group's
 * transactions up to lt.  A transaction that wrote nothing (every source
 * transaction in it rejected) gets an xid, or PostgreSQL would write no
 * commit record and the origin's progress would not move.
 */
bool
applier_xact_commit(struct applier *a, const struct applylog_txn *lt)
{
	bool ended;

	if (!applier_xact_begin(a) ||
	    (!a->wrote && !applier_run(a, "SELECT pg_current_xact_id()")))
		return false;
	/* Rejected transactions are on disk before progress passes them. */
	if (a->opt.rejects != NULL && !rejects_sync(a->opt.rejects)) {
		a->status = APPLY_IO_ERROR;
		return false;
	}
	if (!origin_xact_commit(a->c, lt->txn.lsn, lt->txn.commit_time, &ended,
	    &a->err)) {
		if (ended)
			a->in_xact = false;
		return false;
	}
	applier_xact_committed(a, lt);
	return true;
}

void
applier_xact_committed(struct applier *a, const struct applylog_txn *lt)
{
	applier_origin_find(a, lt->txn.origin)->applied = lt->txn.lsn;
	a->in_xact = false;
	a->done.txns += a->pend.txns;
	a->done.rows += a->pend.rows;
	a->done.dups += a->pend.dups;
	a->done.rejected += a->pend.rejected;
	memset(&a->pend, 0, sizeof(a->pend));
	if (verbosity > 0 && seconds_since(&a->reported) >= REPORT_SECONDS)
		applier_report_progress(a, "");
}

void
applier_group_reset(struct applier *a)
{
	applylog_reset(&a->log);
	a->sent_seg = 0;
	a->copying = NULL;
}

