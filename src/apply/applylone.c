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

#include "applylone.h"
#include "origin.h"
#include "common/fmt.h"
#include "common/xalloc.h"

/* Groups of at most this many rows go in by INSERT. */
#define LONE_ROWS 16

#define STATEMENT_NAME_SIZE 32

enum prepared { UNPREPARED, PREPARING, PREPARED };

/* A group on its way: where it goes, and what the pipeline carries, in
 * the order its results come back. */
struct lone_pipeline {
	struct applylone *lone;
	struct destxact *dx;
	struct applylog *log;
	const struct table *preparing[LONE_ROWS];
	size_t sql_at[LONE_ROWS];	/* where each one's INSERT is in sql */
	struct buf sql;
	int nprepares;
	uint64_t nrows;
};

void
applylone_init(struct applylone *lone)
{
	lone->prepared = NULL;
	lone->nprepared = 0;
	applylog_vals_init(&lone->row);
}

void
applylone_free(struct applylone *lone)
{
	free(lone->prepared);
	applylog_vals_free(&lone->row);
	applylone_init(lone);
}

bool
applylone_fits(const struct destxact *dx, const struct applylog *l)
{
	return destxact_fresh(dx) && dx->pend.rejected == 0 &&
	    dx->pend.rows > 0 && dx->pend.rows <= LONE_ROWS &&
	    /* Rows that large gain nothing from saving round trips. */
	    l->data.spilled == 0 &&
	    /* A NUL would end a text parameter: COPY refuses the value. */
	    memchr(l->data.mem.data, '\0', l->data.mem.len) == NULL;
}

static void
statement_name(char name[STATEMENT_NAME_SIZE], const struct table *t)
{
	snprintf(name, STATEMENT_NAME_SIZE, "pgmesh_insert_%u", t->def_id);
}

/* Has the session prepared t's INSERT (enum prepared)? */
static unsigned char *
prepared_state(struct applylone *lone, const struct table *t)
{
	if (t->def_id >= lone->nprepared) {
		size_t n = t->def_id + 64;

		lone->prepared = xrealloc(lone->prepared, n);
		memset(lone->prepared + lone->nprepared, UNPREPARED,
		    n - lone->nprepared);
		lone->nprepared = n;
	}
	return &lone->prepared[t->def_id];
}

/* Add t's INSERT to those to prepare, unless the session has it. */
static bool
plan_prepare(struct lone_pipeline *lp, const struct table *t)
{
	unsigned char *state = prepared_state(lp->lone, t);
	struct destxact *dx = lp->dx;
	struct buf *sql = &lp->sql;
	char *p;

	if (*state != UNPREPARED)
		return true;
	lp->sql_at[lp->nprepares] = sql->len;
	buf_puts(sql, "INSERT INTO ");
	if (!dbconn_quote_table(dx->c, sql, t, &dx->err))
		return false;
	buf_puts(sql, " (");
	if (!dbconn_quote_columns(dx->c, sql, t, NULL, &dx->err))
		return false;
	/* Identity values are data, as COPY takes them. */
	buf_puts(sql, ") OVERRIDING SYSTEM VALUE VALUES (");
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
plan_prepares(struct lone_pipeline *lp)
{
	const struct applylog_seg *end = lp->log->segs + lp->log->nsegs;

	for (const struct applylog_seg *s = lp->log->segs; s < end; s++)
		if (!plan_prepare(lp, s->table))
			return false;
	return true;
}

static void
forget_prepares(struct lone_pipeline *lp)
{
	for (int i = 0; i < lp->nprepares; i++)
		*prepared_state(lp->lone, lp->preparing[i]) = UNPREPARED;
}

/* Queue an INSERT of each row of segment s. */
static bool
send_rows(struct lone_pipeline *lp, const struct applylog_seg *s)
{
	const struct table *t = s->table;
	const char **params = xcalloc((size_t)t->ncols, sizeof(*params));
	struct applylog_vals *row = &lp->lone->row;
	uint64_t pos = s->start;
	char name[STATEMENT_NAME_SIZE];
	bool ok = true;
	int got = 0;

	statement_name(name, t);
	while (ok && (got = applylog_next_row(lp->log, s, &pos, row)) > 0) {
		for (int i = 0; i < t->ncols; i++)
			params[i] = row->vals[i].data;
		ok = PQsendQueryPrepared(lp->dx->c, name, t->ncols, params,
		    NULL, NULL, 0) == 1;
		lp->nrows++;
	}
	free(params);
	return ok && got == 0;
}

static bool
send_group(struct lone_pipeline *lp, const struct applylog_txn *last)
{
	const struct applylog_seg *end = lp->log->segs + lp->log->nsegs;
	PGconn *c = lp->dx->c;
	char name[STATEMENT_NAME_SIZE];

	if (PQenterPipelineMode(c) != 1 ||
	    PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) != 1)
		return false;
	for (int i = 0; i < lp->nprepares; i++) {
		const struct table *t = lp->preparing[i];

		statement_name(name, t);
		if (PQsendPrepare(c, name, lp->sql.data + lp->sql_at[i],
		    t->ncols, NULL) != 1)
			return false;
	}
	for (const struct applylog_seg *s = lp->log->segs; s < end; s++)
		if (!send_rows(lp, s))
			return false;
	return origin_send_commit(c, last->txn.lsn, last->txn.commit_time,
	    destxact_mark(lp->dx, lp->log, last)) &&
	    PQpipelineSync(c) == 1;
}

/* Read the results in the order sent; false at the first failure. */
static bool
read_group(struct lone_pipeline *lp, bool *open)
{
	PGconn *c = lp->dx->c;
	struct dberror *err = &lp->dx->err;
	bool ok = dbconn_pipeline_result(c, PGRES_COMMAND_OK, err);
	bool ended;

	*open = ok;
	for (int i = 0; i < lp->nprepares; i++) {
		bool prepared = dbconn_pipeline_result(c, PGRES_COMMAND_OK,
		    err);

		*prepared_state(lp->lone, lp->preparing[i]) =
		    prepared ? PREPARED : UNPREPARED;
		ok = ok && prepared;
	}
	for (uint64_t i = 0; i < lp->nrows; i++)
		ok = dbconn_pipeline_result(c, PGRES_COMMAND_OK, err) && ok;
	ok = origin_read_commit(c, &ended, err) && ok;
	if (ended)
		*open = false;
	return ok;
}

/* Plan and send the group; false when a name cannot be quoted (dx->err
 * says so) or the connection is gone. */
static bool
send_planned(struct lone_pipeline *lp, const struct applylog_txn *last)
{
	if (!plan_prepares(lp))
		return false;
	if (send_group(lp, last))
		return true;
	dbconn_error(lp->dx->c, NULL, &lp->dx->err);
	return false;
}

bool
applylone_commit(struct applylone *lone, struct destxact *dx,
    struct applylog *l, const struct applylog_txn *last)
{
	struct lone_pipeline lp = { .lone = lone, .dx = dx, .log = l };
	bool sent, open = false, ok;

	buf_init(&lp.sql);
	sent = send_planned(&lp, last);
	buf_free(&lp.sql);
	if (!sent) {
		forget_prepares(&lp);
		return false;
	}
	ok = dbconn_pipeline_end(dx->c, read_group(&lp, &open), &dx->err);
	if (ok)
		destxact_committed(dx, last);
	else if (open)
		destxact_left_open(dx);
	return ok;
}
