/*
 * change.h: the stream of changes every pgmesh program speaks.
 *
 * A reader (change text, a pack stream, pgoutput) turns its input into
 * calls on a change_sink; a writer (change text, a pack, a database) is a
 * change_sink.  The calls always come in this grammar:
 *
 *	stream   = { restart | since | txn | idle | snapshot }
 *	txn      = begin { row } ( commit | abort )
 *	snapshot = snapshot_begin { watermark | row }
 *	           ( snapshot_end | abort )
 *
 * Rows between begin and commit are tentative: a sink must be able to take
 * them back when abort comes (the input broke off, or the transaction was
 * bad), and must not let a consumer see them before commit.  idle says the
 * input has nothing more for now: the moment to flush and commit groups.
 * since (change text's P record) is a continuity claim: the transactions of
 * origin that follow are all of those it committed after lsn, so a reader
 * that knows where it stood can tell a gap from a quiet origin.  lsn 0
 * claims the origin's whole history: what follows starts with the first
 * transaction pgmesh captured of it.  CLAIM_NONE withdraws a claim: what
 * follows of origin may come after a gap (a stream that makes no claim).
 * restart says a new stream begins (a reader's next input, or streams
 * concatenated): no claim made before it holds for what follows.
 *
 * A snapshot (change text's S ... E) is every row of some tables of one
 * source node as of one moment, with watermarks: every transaction of
 * origin at or below its watermark is in the snapshot.  Its rows are as
 * tentative as a transaction's until snapshot_end, and a watermark holds
 * only once the snapshot is whole (a sink applies them after its rows).
 */
#ifndef PGMESH_CHANGE_H
#define PGMESH_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lsn.h"
#include "node.h"

/* since's lsn, and a frame's prev_lsn, when there is no continuity claim:
 * no transaction can follow the highest LSN, so no claim can be it. */
#define CLAIM_NONE UINT64_MAX

/* A transaction's identity and commit metadata, from its origin node. */
struct txn {
	char origin[NODE_MAX + 1];
	lsn_t lsn;		/* commit end LSN on the origin */
	int64_t commit_time;	/* microseconds since the Unix epoch, UTC */
	uint32_t xid;		/* xid on the node that captured it */
};

/* A snapshot's source node and when it was taken there. */
struct snapshot {
	char source[NODE_MAX + 1];
	int64_t taken;		/* microseconds since the Unix epoch, UTC */
};

struct column {
	char *name;
	char *type;		/* as format_type() prints it: "numeric(12,2)" */
};

/*
 * One definition of a table.  A catalog hands out one struct per distinct
 * definition and never frees it while the catalog lives, so sinks may keep
 * pointers.  name_id numbers table names (0, 1, ...) and def_id numbers
 * definitions, so a writer tracks "definition last written for this name"
 * in an array instead of a hash.
 */
struct table {
	char *name;		/* qualified, as in change text: public.payments */
	char *schema;		/* its two parts, unquoted */
	char *relname;
	int ncols;
	struct column *cols;
	unsigned name_id;
	unsigned def_id;
};

/* One value: data == NULL is SQL NULL; otherwise len bytes, unescaped. */
struct value {
	const char *data;
	size_t len;
};

/* How reading a stream into a sink ended, for every reader of changes. */
enum read_result {
	READ_OK,		/* clean end of input */
	READ_BAD_DATA,		/* malformed input, reported (EX_DATAERR) */
	READ_IO_ERROR,		/* a read failed, reported (EX_IOERR) */
	READ_SINK_FAILED,	/* the sink returned false; it reported why */
	/* Read to the end, but a transaction was cut short (no C record, a
	 * part of a split transaction missing): the sink had it aborted,
	 * and it is reported.  More input may still bring it whole. */
	READ_INCOMPLETE
};

struct change_sink {
	void *ctx;
	bool (*begin)(void *ctx, const struct txn *txn);
	/* vals has t->ncols entries, valid only during the call. */
	bool (*row)(void *ctx, const struct table *t, const struct value *vals);
	bool (*commit)(void *ctx, const struct txn *txn);
	/* Drop the rows since begin; never fails. */
	void (*abort)(void *ctx);
	/* May be NULL. */
	bool (*idle)(void *ctx);
	/* May be NULL: the claim is then ignored. */
	bool (*since)(void *ctx, const char *origin, lsn_t lsn);
	/* May be NULL. */
	bool (*restart)(void *ctx);
	/* May be NULL all three: readers then refuse a snapshot as bad
	 * input, since no sink may take its rows for a transaction's. */
	bool (*snapshot_begin)(void *ctx, const struct snapshot *s);
	bool (*watermark)(void *ctx, const char *origin, lsn_t lsn);
	/* rows: the count the input says it holds, already checked. */
	bool (*snapshot_end)(void *ctx, const struct snapshot *s,
	    uint64_t rows);
};

#endif
