/*
 * applylone.c: a lone small group in one round trip.
 *
 * A trickle of commits reaches apply as groups of one transaction, each
 * found alone when the input goes idle, and how soon it is visible is what
 * the destination's readers wait for.  Through COPY such a group costs
 * three round trips: libpq sends rows only once the server has answered the
 * COPY, and reads the COPY's end before it can send the commit.  Here the
 * group goes out in one write, in libpq's pipeline mode: BEGIN, a prepared
 * INSERT per row, the origin's progress and COMMIT.  Values are text
 * parameters of no declared type, so the server converts them with the
 * column types' input functions, as COPY does; the difference is that rules
 * on a table apply to INSERT and not to COPY.
 *
 * Any failure is left to the retry, which applies the group again through
 * COPY and names what failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applier_int.h"
#include "origin.h"
#include "common/fmt.h"
#include "common/xalloc.h"

/* Groups of at most this many rows go in by INSERT. */
#define LONE_ROWS 16

#define STATEMENT_NAME_SIZE 32

enum prepared { UNPREPARED, PREPARING, PREPARED };

/* What the pipeline carries, in the order its results come back. */
struct lone_pipeline {
	const struct table *preparing[LONE_ROWS];
	size_t sql_at[LONE_ROWS];	/* where each one's INSERT is in sql */
	struct buf sql;
	int nprepares;
	uint64_t nrows;
};

bool
applier_lone_fits(const struct applier *a)
{
	return destxact_fresh(&a->dx) && a->dx.pend.rejected == 0 &&
	    a->dx.pend.rows > 0 && a->dx.pend.rows <= LONE_ROWS &&
	    /* A NUL would end a text parameter: COPY refuses the value. */
	    memchr(a->log.data.data, '\0', a->log.data.len) == NULL;
}

static void
statement_name(char name[STATEMENT_NAME_SIZE], const struct table *t)
{
	snprintf(name, STATEMENT_NAME_SIZE, "pgmesh_insert_%u", t->def_id);
}

/* Has the session prepared t's INSERT (enum prepared)? */
static unsigned char *
prepared_state(struct applier *a, const struct table *t)
{
	if (t->def_id >= a->nprepared) {
		size_t n = t->def_id + 64;

		a->prepared = xrealloc(a->prepared, n);
		memset(a->prepared + a->nprepared, UNPREPARED, n - a->nprepared);
		a->nprepared = n;
	}
	return &a->prepared[t->def_id];
}

/* Add t's INSERT to those to prepare, unless the session has it. */
static bool
plan_prepare(struct applier *a, const struct table *t,
    struct lone_pipeline *lp)
{
	unsigned char *state = prepared_state(a, t);
	struct buf *sql = &lp->sql;
	char *p;

	if (*state != UNPREPARED)
		return true;
	lp->sql_at[lp->nprepares] = sql->len;
	buf_puts(sql, "INSERT INTO ");
	if (!dbconn_quote_table(a->dx.c, sql, t, &a->dx.err))
		return false;
	buf_puts(sql, " (");
	if (!dbconn_quote_columns(a->dx.c, sql, t, NULL, &a->dx.err))
		return false;
	buf_puts(sql, ") VALUES (");
	for (int i = 1; i <= t->ncols; i++) {
		p = buf_reserve(sql, 32);
		*p++ = '$';
		p = fmt_decimal(p, (uint64_t)i);
		if (i < t->ncols)
			*p++ = ',';
		sql->len = (size_t)(p - sql->data);
	}
	buf_puts(sql, ")");
	buf_putc(sql, '\0');
	*state = PREPARING;
	lp->preparing[lp->nprepares++] = t;
	return true;
}

/* The statements the group needs and the session lacks, before anything
 * is sent: a name libpq cannot quote leaves the group to the COPY path. */
static bool
plan_prepares(struct applier *a, struct lone_pipeline *lp)
{
	const struct applylog_seg *end = a->log.segs + a->log.nsegs;

	for (const struct applylog_seg *s = a->log.segs; s < end; s++)
		if (!plan_prepare(a, s->table, lp))
			return false;
	return true;
}

static void
forget_prepares(struct applier *a, const struct lone_pipeline *lp)
{
	for (int i = 0; i < lp->nprepares; i++)
		*prepared_state(a, lp->preparing[i]) = UNPREPARED;
}

/* Queue an INSERT of each row of segment s. */
static bool
send_rows(struct applier *a, const struct applylog_seg *s,
    struct lone_pipeline *lp)
{
	const struct table *t = s->table;
	const char **params = xcalloc((size_t)t->ncols, sizeof(*params));
	size_t pos = s->start;
	char name[STATEMENT_NAME_SIZE];
	bool ok = true;

	statement_name(name, t);
	while (ok && applylog_next_row(&a->log, s, &pos, &a->row)) {
		for (int i = 0; i < t->ncols; i++)
			params[i] = a->row.vals[i].data;
		ok = PQsendQueryPrepared(a->dx.c, name, t->ncols, params, NULL, NULL,
		    0) == 1;
		lp->nrows++;
	}
	free(params);
	return ok;
}

static bool
send_group(struct applier *a, const struct applylog_txn *last,
    struct lone_pipeline *lp)
{
	const struct applylog_seg *end = a->log.segs + a->log.nsegs;
	char name[STATEMENT_NAME_SIZE];

	if (PQenterPipelineMode(a->dx.c) != 1 ||
	    PQsendQueryParams(a->dx.c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) != 1)
		return false;
	for (int i = 0; i < lp->nprepares; i++) {
		const struct table *t = lp->preparing[i];

		statement_name(name, t);
		if (PQsendPrepare(a->dx.c, name, lp->sql.data + lp->sql_at[i],
		    t->ncols, NULL) != 1)
			return false;
	}
	for (const struct applylog_seg *s = a->log.segs; s < end; s++)
		if (!send_rows(a, s, lp))
			return false;
	return origin_send_commit(a->dx.c, last->txn.lsn, last->txn.commit_time) &&
	    PQpipelineSync(a->dx.c) == 1;
}

/* Read the results in the order sent; false at the first failure. */
static bool
read_group(struct applier *a, const struct lone_pipeline *lp, bool *open)
{
	bool ok = dbconn_pipeline_result(a->dx.c, PGRES_COMMAND_OK, &a->dx.err);
	bool ended;

	*open = ok;
	for (int i = 0; i < lp->nprepares; i++) {
		bool prepared = dbconn_pipeline_result(a->dx.c, PGRES_COMMAND_OK,
		    &a->dx.err);

		*prepared_state(a, lp->preparing[i]) =
		    prepared ? PREPARED : UNPREPARED;
		ok = ok && prepared;
	}
	for (uint64_t i = 0; i < lp->nrows; i++)
		ok = dbconn_pipeline_result(a->dx.c, PGRES_COMMAND_OK, &a->dx.err) && ok;
	ok = origin_read_commit(a->dx.c, &ended, &a->dx.err) && ok;
	if (ended)
		*open = false;
	return ok;
}

/* Plan and send the group; false when a name cannot be quoted (a->err
 * says so) or the connection is gone. */
static bool
send_planned(struct applier *a, const struct applylog_txn *last,
    struct lone_pipeline *lp)
{
	if (!plan_prepares(a, lp))
		return false;
	if (send_group(a, last, lp))
		return true;
	dbconn_error(a->dx.c, NULL, &a->dx.err);
	return false;
}

bool
applier_lone_commit(struct applier *a, const struct applylog_txn *last)
{
	struct lone_pipeline lp = { .nprepares = 0 };
	bool sent, open = false, ok;

	buf_init(&lp.sql);
	sent = send_planned(a, last, &lp);
	buf_free(&lp.sql);
	if (!sent) {
		forget_prepares(a, &lp);
		return false;
	}
	ok = dbconn_pipeline_end(a->dx.c, read_group(a, &lp, &open), &a->dx.err);
	if (ok)
		destxact_committed(&a->dx, last);
	else if (open)
		destxact_left_open(&a->dx);
	return ok;
}
