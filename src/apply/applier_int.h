/*
 * applier_int.h: the applier's insides, shared by its four files:
 * applier.c (the sink, origins, group commit), applyxact.c (the
 * destination transaction and its COPY statements), applylone.c (a lone
 * small group in one round trip) and applyretry.c (the one-at-a-time retry
 * of a failed group).  Nothing else includes this.
 */
#ifndef PGMESH_APPLIER_INT_H
#define PGMESH_APPLIER_INT_H

#include <stdint.h>
#include <time.h>
#include <libpq-fe.h>

#include "applier.h"
#include "applylog.h"
#include "dbconn.h"
#include "common/buf.h"

struct origin_state {
	char node[NODE_MAX + 1];
	lsn_t applied;		/* progress: last LSN committed from node */
};

struct counts {
	uint64_t txns;
	uint64_t rows;
	uint64_t skipped;
	uint64_t dups;
	uint64_t rejected;
};

struct applier {
	PGconn *c;
	struct applier_options opt;
	struct applylog log;
	struct origin_state *origins;
	size_t norigins;
	char session[NODE_MAX + 1];	/* origin set up in the session */

	/* The destination transaction of the group. */
	bool in_xact;
	bool wrote;		/* rows sent: the commit will have an xid */
	const struct table *copying;	/* COPY open into this, or NULL */
	size_t sent_seg;	/* segments of the log before this were sent */

	/* The source transaction being read. */
	bool skipping;
	unsigned char *allowed;	/* by name_id: 0 unknown, 1 yes, 2 no */
	size_t nallowed;
	char allowed_for[NODE_MAX + 1];
	unsigned char *prepared;	/* by def_id: applylone.c's INSERTs */
	size_t nprepared;

	enum apply_status status;
	struct dberror err;
	struct buf failure;	/* the message naming a failing transaction */
	struct applylog_vals row;	/* a row of the log, decoded */

	struct counts done;	/* committed */
	struct counts pend;	/* in the open destination transaction */
	struct timespec started;
	struct timespec reported;
};

/* The origin's state, once the session has held it; NULL before. */
struct origin_state *applier_origin_find(struct applier *a, const char *node);
/* Say why apply stops and set its status from a->err; returns false. */
bool applier_fail(struct applier *a, const char *what);
/* Run a statement of apply's own; false with a->err filled. */
bool applier_run(struct applier *a, const char *sql);

bool applier_xact_begin(struct applier *a);
/* Roll back and forget what the destination transaction held. */
bool applier_xact_rollback(struct applier *a);
/* Commit as the application of the group's transactions up to lt. */
bool applier_xact_commit(struct applier *a, const struct applylog_txn *lt);
/* The group up to lt has committed: count it, move the origin's progress. */
void applier_xact_committed(struct applier *a, const struct applylog_txn *lt);
/* Send segment s, in the COPY open for its table or a new one. */
bool applier_copy_segment(struct applier *a, const struct applylog_seg *s);
bool applier_copy_end(struct applier *a);
/* Send the committed source transactions not sent yet. */
bool applier_send_pending(struct applier *a);
size_t applier_unsent_bytes(const struct applier *a);
/* The group committed or was given up: forget it. */
void applier_group_reset(struct applier *a);
void applier_report_progress(struct applier *a, const char *when);

/* Divert lt (named in a->failure) to the rejects file; false without one. */
bool applier_reject(struct applier *a, struct applylog_txn *lt);

/* Is the group in hand lone and small: one round trip (applylone.c)? */
bool applier_lone_fits(const struct applier *a);
/* Commit it so; false (a->err filled) leaves it for the retry. */
bool applier_lone_commit(struct applier *a, const struct applylog_txn *last);

/* The group failed: apply it one transaction at a time (applyretry.c). */
bool applier_retry(struct applier *a);

#endif
