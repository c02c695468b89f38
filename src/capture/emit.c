/*
 * emit.c: assembling each transaction's change text and writing it whole.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emit.h"
#include "common/log.h"
#include "common/xalloc.h"

#define SPILL_BYTES (4u << 20)	/* a transaction's rows kept in memory */
#define FLUSH_BYTES (1u << 20)	/* whole transactions kept before a write */
#define PROGRESS_SECONDS 5.0

static const char out_name[] = "standard output";

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
emitter_init(struct emitter *e, const struct emit_options *opt)
{
	memset(e, 0, sizeof(*e));
	e->opt = *opt;
	e->since = CLAIM_NONE;
	e->skip_below = opt->after;
	buf_init(&e->out);
	spill_init(&e->body, SPILL_BYTES);
	relay_init(&e->relay);
	textwriter_init(&e->w, &e->out);
	e->started = e->reported = now();
}

void
emitter_free(struct emitter *e)
{
	textwriter_free(&e->w);
	buf_free(&e->out);
	spill_free(&e->body);
	relay_free(&e->relay);
	free(e->saved);
}

void
emitter_since(struct emitter *e, lsn_t start)
{
	e->since = start;
	e->local_at = start;
}

static bool
excluded(const struct emitter *e, const char *origin)
{
	if (e->opt.local_only && strcmp(origin, e->opt.node) != 0)
		return true;
	for (int i = 0; i < e->opt.nexclude; i++)
		if (strcmp(e->opt.exclude[i], origin) == 0)
			return true;
	return false;
}

static bool
on_begin(void *ctx, lsn_t commit_lsn, int64_t commit_time, uint32_t xid)
{
	struct emitter *e = ctx;

	emitter_drop(e);
	/* The server skips commits that start before the position asked
	 * for; this repeats the rule for a reconnected stream, which starts
	 * again from what the slot confirmed. */
	e->skip = commit_lsn < e->skip_below;
	e->from_origin = false;
	relay_begin(&e->relay);
	e->txn_rows = 0;
	snprintf(e->txn.origin, sizeof(e->txn.origin), "%s", e->opt.node);
	e->txn.commit_time = commit_time;
	e->txn.xid = xid;
	return true;
}

/*
 * A transaction that pgmesh-apply applied here carries the replication
 * origin "pgmesh_<node>@<database oid>" (node.h) and the origin's commit LSN: it travels on with
 * that identity, not ours.  Any other origin (PostgreSQL's own
 * subscriptions, other tools) is not pgmesh's: its rows are emitted as
 * local rows of this node.
 */
static bool
on_origin(void *ctx, const char *name, lsn_t origin_lsn)
{
	struct emitter *e = ctx;
	size_t plen = strlen(NODE_ORIGIN_PREFIX), len = 0;
	const char *node = NULL;

	if (strncmp(name, NODE_ORIGIN_PREFIX, plen) == 0) {
		node = name + plen;
		len = node_origin_len(node);
	}
	if (node == NULL || !node_valid(node, len)) {
		if (!e->foreign_noticed)
			log_notice("transactions of replication origin \"%s\" are "
			    "emitted as local transactions of node %s", name,
			    e->opt.node);
		e->foreign_noticed = true;
		return true;
	}
	memcpy(e->txn.origin, node, len);
	e->txn.origin[len] = '\0';
	e->txn.lsn = origin_lsn;
	e->from_origin = true;
	return true;
}

/*
 * A group mark (relay.h), honoured only in a transaction applied under a
 * pgmesh replication origin: in any other, it is an application's message
 * like any other, and ignored.
 */
static bool
on_message(void *ctx, const char *prefix, const char *content, size_t len)
{
	struct emitter *e = ctx;

	if (strcmp(prefix, GROUPMARK_PREFIX) != 0 || e->skip)
		return true;
	if (!e->from_origin) {
		if (!e->mark_noticed)
			log_notice("a group mark in a transaction not applied by "
			    "pgmesh-apply is ignored");
		e->mark_noticed = true;
		return true;
	}
	if (relay_mark(&e->relay, content, len))
		return true;
	e->bad_relay = true;
	return false;
}

/* Keep the writer's "T written" marks, to restore if the txn is dropped. */
static void
save_marks(struct emitter *e)
{
	if (e->nsaved < e->w.nwritten)
		e->saved = xreallocarray(e->saved, e->w.nwritten, sizeof(*e->saved));
	e->nsaved = e->w.nwritten;
	if (e->nsaved > 0)
		memcpy(e->saved, e->w.written, e->nsaved * sizeof(*e->saved));
}

static bool
on_row(void *ctx, const struct table *t, const struct value *vals)
{
	struct emitter *e = ctx;

	if (e->skip)
		return true;
	if (e->txn_rows == 0 && excluded(e, e->txn.origin)) {
		/* The origin is known by now: Origin comes before any row. */
		e->skip = true;
		return true;
	}
	if (e->txn_rows++ == 0) {
		save_marks(e);
		e->w.out = &e->body.mem;
	}
	textwriter_row(&e->w, t, vals);
	if (spill_settle(&e->body))
		return true;
	e->write_failed = true;
	return false;
}

/* Rows of the open transaction into the output: a relayed one's through
 * the relay, which cuts it into source transactions. */
static void
put_body(struct emitter *e, const char *data, size_t len)
{
	if (e->from_origin)
		relay_text(&e->relay, &e->w, data, len);
	else
		buf_append(&e->out, data, len);
}

/* Append the open transaction's rows to the output, through put_body.
 * Rows read back from the temporary file are written out as they fill it;
 * rows in memory go with the commit, so a transaction that fits is written
 * whole at once. */
static bool
body_out(struct emitter *e)
{
	uint64_t off = 0, len = spill_len(&e->body);

	while (off < len) {
		size_t n = len - off > SIZE_MAX ? SIZE_MAX : (size_t)(len - off);
		const char *p = spill_view(&e->body, off, &n);

		if (p == NULL)
			return false;
		put_body(e, p, n);
		off += n;
		if (off < len && e->out.len >= FLUSH_BYTES && !emitter_flush(e))
			return false;
	}
	spill_truncate(&e->body, 0);
	return true;
}

static void
report_progress(struct emitter *e)
{
	double t;
	char lsn[LSN_BUFSIZE];

	if (verbosity == 0 || (t = now()) - e->reported < PROGRESS_SECONDS)
		return;
	e->reported = t;
	log_verbose("%" PRIu64 " transactions, %" PRIu64 " rows, LSN %s, "
	    "%.0f rows/s", e->ntxns, e->nrows, lsn_format(e->last_end, lsn),
	    (double)e->nrows / (t - e->started));
}

/* The end of the transaction written: a local one moves this node's claim
 * on; a relayed one's source transactions end with it. */
static void
end_txn(struct emitter *e, lsn_t end_lsn)
{
	if (!e->from_origin) {
		textwriter_commit(&e->w, &e->txn);
		e->local_at = end_lsn;
		e->last_local = e->txn;
		e->has_local = true;
		return;
	}
	relay_end(&e->relay, &e->w);
	/* Withdrawing a relayed origin's claim withdrew this node's too:
	 * claim it again before its next transaction. */
	if (relay_restarted(&e->relay))
		e->since = e->local_at;
}

static bool
on_commit(void *ctx, lsn_t commit_lsn, lsn_t end_lsn)
{
	struct emitter *e = ctx;

	(void)commit_lsn;
	if (e->skip || e->txn_rows == 0)
		return true;
	if (!e->from_origin)
		e->txn.lsn = end_lsn;
	e->w.out = &e->out;
	/* Once: a reconnected --follow goes on where it stopped, so the
	 * claim still holds for everything after. */
	if (!e->from_origin && e->since != CLAIM_NONE) {
		textwriter_since(&e->w, e->txn.origin, e->since);
		e->since = CLAIM_NONE;
	}
	if (!e->from_origin)
		textwriter_begin(&e->w, &e->txn);
	else if (!relay_start(&e->relay, &e->w, &e->txn, e->txn_rows)) {
		e->bad_relay = true;
		return false;
	}
	if (!body_out(e)) {
		e->write_failed = true;
		return false;
	}
	end_txn(e, end_lsn);
	e->skip_below = end_lsn;
	e->last_end = end_lsn;
	e->ntxns++;
	e->nrows += e->txn_rows;
	e->txn_rows = 0;
	report_progress(e);
	if (e->opt.flush_each || e->out.len >= FLUSH_BYTES)
		return emitter_flush(e);
	return true;
}

struct pgoutput_events
emitter_events(struct emitter *e)
{
	return (struct pgoutput_events){
		.ctx = e,
		.begin = on_begin,
		.origin = on_origin,
		.row = on_row,
		.message = on_message,
		.commit = on_commit,
	};
}

void
emitter_drop(struct emitter *e)
{
	if (e->txn_rows > 0) {
		/* The T records written into the dropped rows were never
		 * output: the writer must write them again. */
		memset(e->w.written, 0, e->w.nwritten * sizeof(*e->w.written));
		if (e->nsaved > 0)
			memcpy(e->w.written, e->saved, e->nsaved * sizeof(*e->saved));
	}
	e->w.out = &e->out;
	spill_truncate(&e->body, 0);
	e->txn_rows = 0;
}

bool
emitter_flush(struct emitter *e)
{
	bool ok = e->writer != NULL ? outthread_put(e->writer, &e->out) :
	    textwriter_flush(&e->w, e->opt.fd, out_name);

	if (!ok)
		e->write_failed = true;
	return !e->write_failed;
}

void
emitter_summary(const struct emitter *e)
{
	double secs = now() - e->started;
	char lsn[LSN_BUFSIZE];

	log_verbose("captured %" PRIu64 " transactions, %" PRIu64 " rows, up to "
	    "LSN %s, in %.1f s (%.0f rows/s)", e->ntxns, e->nrows,
	    lsn_format(e->last_end, lsn), secs,
	    secs > 0 ? (double)e->nrows / secs : 0.0);
}
