/*
 * origin.h: apply's progress, kept in PostgreSQL replication origins.
 *
 * Each origin node has one replication origin in the destination, named
 * NODE_ORIGIN_PREFIX followed by the node ("pgmesh_a").  Its progress is the
 * origin LSN of the last transaction applied from that node; it advances in
 * the same transaction as the rows (pg_replication_origin_xact_setup), so
 * rows and progress commit, or are lost, together.  That is what makes
 * apply exactly-once without a table of its own.
 *
 * The origin functions need superuser in PostgreSQL 15 (or GRANT EXECUTE on
 * each); a refusal comes back as SQLSTATE 42501 for the caller to report.
 */
#ifndef PGMESH_ORIGIN_H
#define PGMESH_ORIGIN_H

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "dbconn.h"
#include "common/lsn.h"
#include "spool/heads.h"

/*
 * Progress of node (0 when it has no origin yet).  flush = false reads what
 * has committed, flush = true first makes the server flush its WAL up to
 * that commit, so the answer is what survives a crash.
 */
bool origin_progress(PGconn *c, const char *node, bool flush, lsn_t *lsn,
    struct dberror *err);

/*
 * Make node's origin the session's (creating it when missing), after
 * releasing the previous one.  Waits a few seconds while another session
 * (a killed apply whose backend has not gone yet) still holds it.
 */
bool origin_session_setup(PGconn *c, const char *node, bool release_previous,
    struct dberror *err);

/*
 * Mark the open transaction as replaying the session origin's commit at
 * lsn and commit_time, write mark (a group mark, common/groupmark.h;
 * NULL: none) into it, and commit it, in one round trip (libpq's pipeline
 * mode): rows, progress and mark become durable together.  On failure *ended
 * says whether the transaction is over (COMMIT ran and failed, a deferred
 * constraint say) or still open (the setup failed) and to be rolled back.
 */
bool origin_xact_commit(PGconn *c, lsn_t lsn, int64_t commit_time,
    const char *mark, bool *ended, struct dberror *err);
/*
 * The same in parts, for a caller whose pipeline carries more before:
 * queue the setup and COMMIT (false: see the connection's error), and,
 * after the results of what came before them, read theirs.
 */
bool origin_send_commit(PGconn *c, lsn_t lsn, int64_t commit_time,
    const char *mark);
bool origin_read_commit(PGconn *c, bool *ended, struct dberror *err);

/* Every pgmesh origin: rows of (node, flushed LSN), sorted by node. */
PGresult *origin_list(PGconn *c, struct dberror *err);
/* The same as heads: what this database holds durably, per origin. */
bool origin_heads(PGconn *c, struct heads *h, struct dberror *err);

/*
 * Raise node's progress to lsn (creating its origin), when it is below:
 * the transactions of node up to lsn will never be applied here.  *was is
 * the progress before.  Between groups only (it takes the session's origin
 * for a moment); another session holding the origin is waited for.
 */
bool origin_raise(PGconn *c, const char *node, lsn_t lsn, lsn_t *was,
    struct dberror *err);

#endif
