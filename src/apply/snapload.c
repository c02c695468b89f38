/*
 * snapload.c: a join snapshot into the destination (see snapload.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "copyin.h"
#include "dbconn.h"
#include "origin.h"
#include "snapload.h"
#include "stage.h"
#include "common/copytext.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "spool/heads.h"

/* Rows are sent, and kept for a second try through staging, in chunks
 * of about this much COPY text: what bounds apply's memory. */
#define CHUNK_BYTES (4 << 20)
/* With -v, a long table's progress is told this often. */
#define PROGRESS_SECONDS 10

struct snapload {
	PGconn *c;
	const char *from;
	const struct grants *grants;
	enum apply_status status;
	bool open;			/* the destination transaction is */
	struct snapshot snap;
	struct heads marks;		/* the snapshot's watermarks */
	unsigned done;
	/* The chunk in hand: rows of one table, as COPY text. */
	const struct table *table;
	struct buf chunk;
	uint64_t chunk_rows;
	/* The current table's totals, for -v. */
	uint64_t table_rows, table_bytes, dups;
	struct timespec table_start, reported;
};

struct snapload *
snapload_new(PGconn *c, const char *from, const struct grants *grants)
{
	struct snapload *l = xcalloc(1, sizeof(*l));

	l->c = c;
	l->from = from;
	l->grants = grants;
	heads_init(&l->marks);
	buf_init(&l->chunk);
	dbconn_warn_superuser(c);
	return l;
}

void
snapload_free(struct snapload *l)
{
	if (l == NULL)
		return;
	heads_free(&l->marks);
	buf_free(&l->chunk);
	free(l);
}

enum apply_status
snapload_status(const struct snapload *l)
{
	return l->status;
}

unsigned
snapload_done(const struct snapload *l)
{
	return l->done;
}

/* Stop on a database error in what; always false. */
static bool
failed(struct snapload *l, const struct dberror *err, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "snapshot of %s, %s", l->snap.source, what);
	l->status = applyfail_report(err, msg);
	/* Data the destination refuses (classes 22, 23: a value, a
	 * constraint; 42: a missing table or column) is bad input here. */
	if (l->status == APPLY_INTERNAL && (strncmp(err->sqlstate, "22", 2) ==
	    0 || strncmp(err->sqlstate, "23", 2) == 0 ||
	    strncmp(err->sqlstate, "42", 2) == 0))
		l->status = APPLY_STOPPED;
	return false;
}

static bool
exec(struct snapload *l, const char *sql, const char *what)
{
	struct dberror err;

	return dbconn_exec(l->c, sql, 0, NULL, &err) || failed(l, &err, what);
}

/* The fast path: the chunk straight into its table. */
static bool
chunk_copy(struct snapload *l, struct dberror *err)
{
	return copyin_start(l->c, l->table, NULL, false, err) &&
	    copyin_put(l->c, l->chunk.data, l->chunk.len, err) &&
	    copyin_end(l->c, err);
}

/* The chunk again through staging: some of its keys are already here. */
static bool
chunk_stage(struct snapload *l)
{
	struct dberror err;
	struct buf key;
	bool ok = false;

	buf_init(&key);
	switch (stage_rows(l->c, l->table, l->chunk.data, l->chunk.len,
	    l->chunk_rows, &l->dups, &key, &err)) {
	case STAGE_OK:
		ok = true;
		break;
	case STAGE_CONFLICT:
		buf_putc(&key, '\0');
		log_error("snapshot of %s, table %s: a row with the same key "
		    "and other values is here already (%s); nothing of the "
		    "snapshot is applied", l->snap.source, l->table->name,
		    key.data);
		l->status = APPLY_STOPPED;
		break;
	case STAGE_FAILED:
		failed(l, &err, l->table->name);
		break;
	}
	buf_free(&key);
	return ok;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* -v: the current table's rows so far, or all of them. */
static void
report_table(struct snapload *l, const char *so_far)
{
	double s = seconds_since(&l->table_start);

	log_verbose("snapshot of %s, table %s: %" PRIu64 " rows, %" PRIu64
	    " bytes, %.0f rows/s%s", l->snap.source, l->table->name,
	    l->table_rows, l->table_bytes,
	    s > 0 ? (double)l->table_rows / s : 0.0, so_far);
	clock_gettime(CLOCK_MONOTONIC, &l->reported);
}

/* The table's rows are all in: say so with -v. */
static void
table_done(struct snapload *l)
{
	if (l->table != NULL)
		report_table(l, "");
	l->table = NULL;
	l->table_rows = l->table_bytes = 0;
}

static bool
chunk_flush(struct snapload *l)
{
	struct dberror err;
	bool ok;

	if (l->chunk_rows == 0)
		return true;
	if (!exec(l, "SAVEPOINT pgmesh_chunk", "SAVEPOINT"))
		return false;
	ok = chunk_copy(l, &err);
	if (!ok && !dbconn_is(&err, SQLSTATE_UNIQUE_VIOLATION))
		return failed(l, &err, l->table->name);
	if (!ok && (!exec(l, "ROLLBACK TO SAVEPOINT pgmesh_chunk",
	    "ROLLBACK TO SAVEPOINT") || !chunk_stage(l)))
		return false;
	l->table_rows += l->chunk_rows;
	l->table_bytes += l->chunk.len;
	buf_reset(&l->chunk);
	l->chunk_rows = 0;
	if (seconds_since(&l->reported) >= PROGRESS_SECONDS)
		report_table(l, " so far");
	return exec(l, "RELEASE SAVEPOINT pgmesh_chunk", "RELEASE SAVEPOINT");
}

static bool
sink_snapshot_begin(void *ctx, const struct snapshot *s)
{
	struct snapload *l = ctx;

	l->snap = *s;
	if (strcmp(s->source, l->from) != 0) {
		log_error("the input holds a snapshot of node %s, not of %s "
		    "(--snapshot-from)", s->source, l->from);
		l->status = APPLY_STOPPED;
		return false;
	}
	heads_free(&l->marks);
	heads_init(&l->marks);
	l->dups = 0;
	l->open = exec(l, "BEGIN", "BEGIN");
	return l->open;
}

static bool
sink_watermark(void *ctx, const char *origin, lsn_t lsn)
{
	struct snapload *l = ctx;

	heads_raise(&l->marks, origin, lsn);
	return true;
}

/* The source's grants judge every row of its snapshot, whatever origin
 * first inserted it: the snapshot is the source's word alone. */
static bool
table_granted(struct snapload *l, const struct table *t)
{
	if (grants_allow(l->grants, l->from, t->schema, t->relname))
		return true;
	if (grants_system_schema(t->schema))
		log_error("snapshot of %s, table %s: a system schema: no "
		    "--allow rule grants it; nothing of the snapshot is "
		    "applied", l->from, t->name);
	else
		log_error("snapshot of %s, table %s: %s may not insert into "
		    "this table (no --allow rule matches); nothing of the "
		    "snapshot is applied", l->from, t->name, l->from);
	l->status = APPLY_STOPPED;
	return false;
}

static bool
sink_row(void *ctx, const struct table *t, const struct value *vals)
{
	struct snapload *l = ctx;

	if (t != l->table) {
		if (!chunk_flush(l))
			return false;
		table_done(l);
		if (!table_granted(l, t))
			return false;
		l->table = t;
		clock_gettime(CLOCK_MONOTONIC, &l->table_start);
		l->reported = l->table_start;
	}
	copytext_line(&l->chunk, NULL, 0, vals, t->ncols);
	l->chunk_rows++;
	return l->chunk.len < CHUNK_BYTES || chunk_flush(l);
}

/* The rows have committed: raise each origin to its watermark. */
static bool
raise_watermarks(struct snapload *l)
{
	char was[LSN_BUFSIZE], to[LSN_BUFSIZE];
	struct dberror err;
	lsn_t before;

	for (size_t i = 0; i < l->marks.n; i++) {
		const struct head *m = &l->marks.v[i];

		if (!origin_raise(l->c, m->origin, m->lsn, &before, &err))
			return failed(l, &err, "raising progress");
		lsn_format(before, was);
		lsn_format(m->lsn, to);
		if (before >= m->lsn)
			log_verbose("origin %s: at %s already, at or past the "
			    "watermark %s", m->origin, was, to);
		else
			log_verbose("origin %s: progress raised from %s to the "
			    "watermark %s", m->origin, was, to);
	}
	return true;
}

static bool
sink_snapshot_end(void *ctx, const struct snapshot *s, uint64_t rows)
{
	struct snapload *l = ctx;

	if (!chunk_flush(l))
		return false;
	table_done(l);
	l->open = false;
	if (!exec(l, "COMMIT", "COMMIT") || !raise_watermarks(l))
		return false;
	log_verbose("snapshot of %s: %" PRIu64 " rows, %" PRIu64 " of them "
	    "here already", s->source, rows, l->dups);
	l->done++;
	return true;
}

static void
sink_abort(void *ctx)
{
	struct snapload *l = ctx;
	struct dberror ignored;

	buf_reset(&l->chunk);
	l->chunk_rows = 0;
	l->table = NULL;
	if (l->open && PQtransactionStatus(l->c) != PQTRANS_IDLE)
		dbconn_exec(l->c, "ROLLBACK", 0, NULL, &ignored);
	l->open = false;
}

static bool
sink_begin(void *ctx, const struct txn *txn)
{
	struct snapload *l = ctx;
	char lsn[LSN_BUFSIZE];

	log_error("a transaction (origin %s, LSN %s) in the input of "
	    "--snapshot-from: apply the snapshot alone, the streams after it",
	    txn->origin, lsn_format(txn->lsn, lsn));
	l->status = APPLY_STOPPED;
	return false;
}

/* Never called: begin refuses every transaction. */
static bool
sink_commit(void *ctx, const struct txn *txn)
{
	(void)ctx;
	(void)txn;
	return false;
}

struct change_sink
snapload_sink(struct snapload *l)
{
	return (struct change_sink){
		.ctx = l,
		.begin = sink_begin,
		.row = sink_row,
		.commit = sink_commit,
		.abort = sink_abort,
		.snapshot_begin = sink_snapshot_begin,
		.watermark = sink_watermark,
		.snapshot_end = sink_snapshot_end,
	};
}
