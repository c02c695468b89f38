/*
 * applier.c: the change_sink that applies to the destination: origins,
 * grants, and group commit.
 *
 * The fast path.  A group's rows are logged (applylog) and sent as whole
 * source transactions commit, in the destination transaction's COPY
 * statements (destxact.c).
 *
 * Exactly once.  The session is set up as the group's origin, and the
 * group's commit carries the origin's new progress (destxact.c), so rows
 * and progress are durable together or not at all.  A transaction whose
 * LSN is at or below the origin's progress has been applied and is
 * skipped.
 *
 * A lone small group goes in one round trip (applylone.c); when anything
 * in a group fails, applyretry.c takes over.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applier.h"
#include "applylog.h"
#include "applylone.h"
#include "applyretry.h"
#include "destxact.h"
#include "origin.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xalloc.h"

/* A group also ends when its log holds this much COPY text: what a failed
 * group costs to send again, and below the txn-memory limit's default, so
 * that only a larger transaction spills to disk. */
#define GROUP_BYTES (32 * 1024 * 1024)
/* Send logged rows once this much waits, so the server works meanwhile. */
#define SEND_BYTES (256 * 1024)
/* -v progress at most this often. */
#define REPORT_SECONDS 2.0

struct origin_state {
	char node[NODE_MAX + 1];
	lsn_t applied;		/* progress: last LSN committed from node */
};

struct applier {
	struct destxact dx;
	struct applier_options opt;
	struct applylog log;
	struct origin_state *origins;
	size_t norigins;
	char session[NODE_MAX + 1];	/* origin set up in the session */

	/* The source transaction being read. */
	bool skipping;
	unsigned char *allowed;	/* by name_id: 0 unknown, 1 yes, 2 no */
	size_t nallowed;
	char allowed_for[NODE_MAX + 1];

	struct buf failure;	/* the message naming a refused transaction */

	struct applylone lone;
	struct apply_counts done;	/* committed */
	struct timespec started;
	struct timespec reported;
};

/* The origin's state, once the session has held it; NULL before. */
static struct origin_state *
origin_find(struct applier *a, const char *node)
{
	for (size_t i = 0; i < a->norigins; i++)
		if (strcmp(a->origins[i].node, node) == 0)
			return &a->origins[i];
	return NULL;
}

/* Stop on a failure about origin node. */
static bool
fail_origin(struct applier *a, const char *node)
{
	char what[NODE_MAX + 16];

	snprintf(what, sizeof(what), "origin %s", node);
	return destxact_fail(&a->dx, what);
}

/*
 * The origin's progress, read from the server the first time, once the
 * session holds the origin: a killed apply's backend may still be
 * committing a group, and holding the origin waits for it to be gone.
 * This reads the committed progress (flush = false), not the flushed one:
 * with synchronous_commit off, a transaction an earlier apply committed
 * may not be flushed yet, but its rows are visible, and skipping must match
 * what is in the tables.  After a server crash both the rows and the
 * progress of an unflushed commit are gone, and the server's progress
 * after recovery says so.
 */
static struct origin_state *
origin_load(struct applier *a, const char *node)
{
	struct origin_state *os = origin_find(a, node);

	if (os != NULL)
		return os;
	a->origins = xreallocarray(a->origins, a->norigins + 1,
	    sizeof(*a->origins));
	os = &a->origins[a->norigins];
	snprintf(os->node, sizeof(os->node), "%s", node);
	if (!origin_progress(a->dx.c, node, false, &os->applied, &a->dx.err)) {
		fail_origin(a, node);
		return NULL;
	}
	a->norigins++;
	return os;
}

/* Make node's origin the session's, between groups. */
static bool
origin_switch(struct applier *a, const char *node)
{
	if (strcmp(a->session, node) == 0)
		return true;
	if (!origin_session_setup(a->dx.c, node, a->session[0] != '\0',
	    &a->dx.err))
		return fail_origin(a, node);
	snprintf(a->session, sizeof(a->session), "%s", node);
	return true;
}

static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
report_progress(struct applier *a, const char *when)
{
	double secs = seconds_since(&a->started);

	clock_gettime(CLOCK_MONOTONIC, &a->reported);
	log_verbose("%s%" PRIu64 " transactions, %" PRIu64 " rows, %.0f rows/s, "
	    "%" PRIu64 " skipped, %" PRIu64 " duplicates, %" PRIu64 " rejected",
	    when, a->done.txns, a->done.rows,
	    secs > 0 ? (double)a->done.rows / secs : 0.0, a->done.skipped,
	    a->done.dups, a->done.rejected);
}

/* The destination committed the group up to last: count it, and move the
 * origin's progress. */
static void
group_committed(void *ctx, const struct txn *last,
    const struct apply_counts *counts)
{
	struct applier *a = ctx;
	struct origin_state *os = origin_find(a, last->origin);

	/* A replayed transaction's commit leaves the server's progress
	 * where it was: the server never moves it back. */
	if (last->lsn > os->applied)
		os->applied = last->lsn;
	a->done.txns += counts->txns;
	a->done.rows += counts->rows;
	a->done.dups += counts->dups;
	a->done.rejected += counts->rejected;
	if (verbosity > 0 && seconds_since(&a->reported) >= REPORT_SECONDS)
		report_progress(a, "");
}

/* Commit the group in hand through COPY. */
static bool
copy_commit(struct applier *a, const struct applylog_txn *last)
{
	return destxact_send_pending(&a->dx, &a->log) &&
	    destxact_copy_end(&a->dx) && destxact_commit(&a->dx, &a->log, last);
}

/* The group in hand failed: apply it one transaction at a time, and
 * forget it, committed or given up. */
static bool
group_retry(struct applier *a)
{
	bool ok = applyretry_group(&a->dx, &a->log);

	applylog_reset(&a->log);
	return ok;
}

/* Commit the group in hand: the fast paths, or the retry when it fails. */
static bool
group_commit(struct applier *a)
{
	const struct applylog_txn *last = applylog_last(&a->log);

	if (last == NULL)
		return true;
	if (applylone_fits(&a->dx, &a->log) ?
	    applylone_commit(&a->lone, &a->dx, &a->log, last) :
	    copy_commit(a, last)) {
		applylog_reset(&a->log);
		return true;
	}
	if (a->dx.status != APPLY_OK)
		return false;
	if (dbconn_temporary(&a->dx.err))
		return destxact_fail(&a->dx, "apply");
	return group_retry(a);
}

/* May origin insert into t?  Asked once per table name and origin. */
static bool
allowed(struct applier *a, const char *origin, const struct table *t)
{
	if (strcmp(a->allowed_for, origin) != 0) {
		if (a->nallowed > 0)
			memset(a->allowed, 0, a->nallowed);
		snprintf(a->allowed_for, sizeof(a->allowed_for), "%s", origin);
	}
	if (t->name_id >= a->nallowed) {
		size_t n = t->name_id + 64;

		a->allowed = xrealloc(a->allowed, n);
		memset(a->allowed + a->nallowed, 0, n - a->nallowed);
		a->nallowed = n;
	}
	if (a->allowed[t->name_id] == 0)
		a->allowed[t->name_id] =
		    grants_allow(a->opt.grants, origin, t->schema, t->relname) ?
		    1 : 2;
	return a->allowed[t->name_id] == 1;
}

static bool
sink_begin(void *ctx, const struct txn *txn)
{
	struct applier *a = ctx;
	const struct applylog_txn *last = applylog_last(&a->log);
	struct origin_state *os;

	if (last != NULL && strcmp(last->txn.origin, txn->origin) != 0) {
		if (!group_commit(a))
			return false;
		last = NULL;
	}
	if (!origin_switch(a, txn->origin) ||
	    (os = origin_load(a, txn->origin)) == NULL)
		return false;
	/* At or below the progress, or behind the group in hand: applied. */
	if ((txn->lsn <= os->applied && !a->opt.replay) ||
	    (last != NULL && txn->lsn <= last->txn.lsn)) {
		a->skipping = true;
		a->done.skipped++;
		return true;
	}
	/* The group's mark says what it follows: the origin's progress,
	 * which the continuity in front of the applier lets a transaction
	 * pass only without a gap.  A replay follows nothing. */
	if (last == NULL)
		a->dx.group_prev = a->opt.replay ? CLAIM_NONE : os->applied;
	applylog_begin(&a->log, txn);
	return true;
}

static bool
sink_row(void *ctx, const struct table *t, const struct value *vals)
{
	struct applier *a = ctx;
	struct applylog_txn *lt;

	if (a->skipping)
		return true;
	lt = &a->log.txns[a->log.ntxns - 1];
	if (lt->denied == NULL && !allowed(a, lt->txn.origin, t))
		lt->denied = t;
	if (applylog_row(&a->log, t, vals))
		return true;
	a->dx.status = APPLY_IO_ERROR;
	return false;
}

/* The transaction just read touches a table outside its origin's grant. */
static bool
txn_denied(struct applier *a, struct applylog_txn *lt)
{
	applyfail_name_txn(&a->failure, lt, lt->denied);
	if (grants_system_schema(lt->denied->schema)) {
		buf_puts(&a->failure, "a system schema: no --allow rule "
		    "grants it");
	} else {
		buf_puts(&a->failure, "origin ");
		buf_puts(&a->failure, lt->txn.origin);
		buf_puts(&a->failure, " may not insert into this table (no "
		    "--allow rule matches)");
	}
	buf_putc(&a->failure, '\0');
	if (destxact_reject(&a->dx, &a->log, lt, a->failure.data)) {
		applylog_drop_rows(&a->log);
		applylog_commit(&a->log);
		return true;
	}
	if (a->dx.status != APPLY_OK)
		return false;
	/* Commit the transactions before it, then stop. */
	applylog_drop_open(&a->log);
	return group_commit(a) && destxact_stop(&a->dx, a->failure.data);
}

static bool
sink_commit(void *ctx, const struct txn *txn)
{
	struct applier *a = ctx;
	struct applylog_txn *lt;

	(void)txn;
	if (a->skipping) {
		a->skipping = false;
		return true;
	}
	lt = &a->log.txns[a->log.ntxns - 1];
	if (lt->denied != NULL) {
		if (!txn_denied(a, lt))
			return false;
	} else {
		applylog_commit(&a->log);
		a->dx.pend.txns++;
		a->dx.pend.rows += lt->nrows;
	}
	if (applylog_committed(&a->log) >= (size_t)a->opt.group ||
	    applylog_bytes(&a->log) >= GROUP_BYTES)
		return group_commit(a);
	if (destxact_unsent_bytes(&a->dx, &a->log) >= SEND_BYTES &&
	    !destxact_send_pending(&a->dx, &a->log)) {
		if (dbconn_temporary(&a->dx.err))
			return destxact_fail(&a->dx, "COPY");
		return group_retry(a);
	}
	return true;
}

static void
sink_abort(void *ctx)
{
	struct applier *a = ctx;

	if (a->skipping)
		a->skipping = false;
	else
		applylog_drop_open(&a->log);
}

static bool
sink_idle(void *ctx)
{
	return group_commit(ctx);
}

struct change_sink
applier_sink(struct applier *a)
{
	return (struct change_sink){
		.ctx = a,
		.begin = sink_begin,
		.row = sink_row,
		.commit = sink_commit,
		.abort = sink_abort,
		.idle = sink_idle,
	};
}

struct applier *
applier_new(PGconn *c, const struct applier_options *opts)
{
	struct applier *a = xcalloc(1, sizeof(*a));

	destxact_init(&a->dx, c, opts->rejects, group_committed, a);
	a->opt = *opts;
	applylog_init(&a->log);
	buf_init(&a->failure);
	applylone_init(&a->lone);
	clock_gettime(CLOCK_MONOTONIC, &a->started);
	a->reported = a->started;
	/*
	 * Without waiting for the WAL flush at each commit: a crash loses
	 * the last commits' rows and their progress together, and the next
	 * run gets them again from upstream, which keeps everything past the
	 * durable position (--position asks for the flushed progress).
	 *
	 * Money is read in the locale capture wrote it in.  Everything else
	 * stays as the destination has it: values carry their own offsets and
	 * ISO dates, and its defaults and triggers see its own time zone.
	 */
	if ((!opts->sync &&
	    !destxact_run(&a->dx, "SET synchronous_commit = off")) ||
	    !destxact_run(&a->dx, "SET client_min_messages = warning") ||
	    !destxact_run(&a->dx, "SET lc_monetary TO 'C'")) {
		destxact_fail(&a->dx, "SET");
		applier_free(a);
		return NULL;
	}
	dbconn_warn_superuser(c);
	return a;
}

void
applier_free(struct applier *a)
{
	if (a == NULL)
		return;
	applylog_free(&a->log);
	destxact_free(&a->dx);
	buf_free(&a->failure);
	applylone_free(&a->lone);
	free(a->origins);
	free(a->allowed);
	free(a);
}

bool
applier_finish(struct applier *a)
{
	if (a->dx.status != APPLY_OK)
		return false;
	applylog_drop_open(&a->log);
	return group_commit(a);
}

enum apply_status
applier_status(const struct applier *a)
{
	return a->dx.status;
}

bool
applier_progress(struct applier *a, const char *origin, lsn_t *lsn)
{
	struct origin_state *os = origin_find(a, origin);
	const struct applylog_txn *last = applylog_last(&a->log);

	/* Not held yet: what the server says now, a lower bound is enough. */
	if (os == NULL)
		return origin_progress(a->dx.c, origin, false, lsn,
		    &a->dx.err) || fail_origin(a, origin);
	*lsn = os->applied;
	if (last != NULL && strcmp(last->txn.origin, origin) == 0)
		*lsn = last->txn.lsn;
	return true;
}

void
applier_report(struct applier *a)
{
	report_progress(a, "done: ");
}
