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
#include "fmt.h"
#include "origin.h"
#include "xalloc.h"

/* Groups of at most this many rows go in by INSERT. */
#define LONE_ROWS 16

#define STATEMENT_NAME_SIZE 32

enum prepared { UNPREPARED, PREPARING, PREPARED };

/* What the pipeline carries, in the order its results come back. */
struct lone_pipeline {
	const struct table *preparing[LONE_ROWS];
	int nprepares;
	uint64_t nrows;
};

bool
applier_lone_fits(const struct applier *a)
{
	return !a->in_xact && a->sent_seg == 0 && a->pend.rejected == 0 &&
	    a->pend.rows > 0 && a->pend.rows <= LONE_ROWS &&
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

/* Queue the preparation of t's INSERT, unless the session has it. */
static bool
send_prepare(struct applier *a, const struct table *t,
    struct lone_pipeline *lp)
{
	unsigned char *state = prepared_state(a, t);
	char name[STATEMENT_NAME_SIZE], *p;
	struct buf sql;
	bool ok;

	if (*state != UNPREPARED)
		return true;
	buf_init(&sql);
	buf_puts(&sql, "INSERT INTO ");
	ok = dbconn_quote_table(a->c, &sql, t, &a->err);
	buf_puts(&sql, " (");
	ok = ok && dbconn_quote_columns(a->c, &sql, t, NULL, &a->err);
	buf_puts(&sql, ") VALUES (");
	for (int i = 1; i <= t->ncols; i++) {
		p = buf_reserve(&sql, 32);
		*p++ = '$';
		p = fmt_decimal(p, (uint64_t)i);
		if (i < t->ncols)
			*p++ = ',';
		sql.len = (size_t)(p - sql.data);
	}
	buf_puts(&sql, ")");
	buf_putc(&sql, '\0');
	statement_name(name, t);
	ok = ok && PQsendPrepare(a->c, name, sql.data, t->ncols, NULL) == 1;
	buf_free(&sql);
	if (ok) {
		*state = PREPARING;
		lp->preparing[lp->nprepares++] = t;
	}
	return ok;
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
	applier_reserve_vals(a, t->ncols);
	while (ok && applylog_next_row(&a->log, s, &pos, &a->scratch, a->vals)) {
		for (int i = 0; i < t->ncols; i++)
			params[i] = a->vals[i].data;
		ok = PQsendQueryPrepared(a->c, name, t->ncols, params, NULL, NULL,
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

	if (PQenterPipelineMode(a->c) != 1 ||
	    PQsendQueryParams(a->c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) != 1)
		return false;
	for (const struct applylog_seg *s = a->log.segs; s < end; s++)
		if (!send_prepare(a, s->table, lp))
			return false;
	for (const struct applylog_seg *s = a->log.segs; s < end; s++)
		if (!send_rows(a, s, lp))
			return false;
	return origin_send_commit(a->c, last->txn.lsn, last->txn.commit_time) &&
	    PQpipelineSync(a->c) == 1;
}

/* Read the results in the order sent; false at the first failure. */
static bool
read_group(struct applier *a, const struct lone_pipeline *lp, bool *open)
{
	bool ok = dbconn_pipeline_result(a->c, PGRES_COMMAND_OK, &a->err);
	bool ended;

	*open = ok;
	for (int i = 0; i < lp->nprepares; i++) {
		bool prepared = dbconn_pipeline_result(a->c, PGRES_COMMAND_OK,
		    &a->err);

		*prepared_state(a, lp->preparing[i]) =
		    prepared ? PREPARED : UNPREPARED;
		ok = ok && prepared;
	}
	for (uint64_t i = 0; i < lp->nrows; i++)
		ok = dbconn_pipeline_result(a->c, PGRES_COMMAND_OK, &a->err) && ok;
	ok = origin_read_commit(a->c, &ended, &a->err) && ok;
	if (ended)
		*open = false;
	return ok;
}

bool
applier_lone_commit(struct applier *a, const struct applylog_txn *last)
{
	struct lone_pipeline lp = { .nprepares = 0 };
	bool sent = send_group(a, last, &lp), open = false, ok;

	if (!sent) {
		for (int i = 0; i < lp.nprepares; i++)
			*prepared_state(a, lp.preparing[i]) = UNPREPARED;
		dbconn_error(a->c, NULL, &a->err);
		return false;
	}
	ok = dbconn_pipeline_end(a->c, read_group(a, &lp, &open), &a->err);
	a->in_xact = open;
	if (ok)
		applier_xact_committed(a, last);
	return ok;
}
