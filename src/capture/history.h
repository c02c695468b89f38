/*
 * history.h: is the consumer's position a point of this server's history?
 *
 * A node's history must never fork under one name.  A database restored
 * from a backup, or a standby promoted after missing the primary's last
 * commits, goes on committing at LSNs its peers already hold for it: its
 * new transactions would be skipped everywhere as applied.  So before
 * capture emits anything after a consumer's position, it proves that the
 * transaction at that position is one of this server's: the same xid,
 * committed at the same time (PostgreSQL's commit timestamps,
 * track_commit_timestamp = on).  A restored server has either not reached
 * that xid yet, or gave it to another transaction, committed at another
 * time.
 *
 * The consumer here is an outbox spool, which holds what capture wrote
 * (pgmesh-capture --outbox): its head for the node is the position, and
 * the head's frame names the transaction.  Two files of the outbox, which
 * spool readers ignore (their names start with "."), keep what the check
 * needs across runs:
 *
 *	.history-NODE   "LSN XID COMMIT-TIME" lines: transactions of this
 *	                server's history that capture emitted last, for a
 *	                head whose frame was pruned since
 *	.forked-NODE    the refusal, once a fork was found: every later run
 *	                refuses too, whatever the server's WAL has become,
 *	                until the node is recovered under a new name
 *	                (pgmesh-capture(1), Recovery)
 */
#ifndef PGMESH_HISTORY_H
#define PGMESH_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/change.h"
#include "common/lsn.h"

enum history_result {
	HISTORY_OK,		/* *head is a point of this server's history */
	HISTORY_FORKED,		/* it is not, or was found not to be before */
	HISTORY_UNKNOWN,	/* nothing names the head's transaction, or
				 * the server keeps no commit timestamps */
	HISTORY_FAILED,		/* the outbox or the server failed */
};

/*
 * Where outbox stands for node (*head, 0 when it holds nothing of it), and
 * whether that is a point of the history of the server on conn.  Each
 * result but HISTORY_OK after log_error.
 */
enum history_result history_check(PGconn *conn, const char *outbox,
    const char *node, lsn_t *head);

/*
 * Whether outbox, which holds nothing of node, may take the node's
 * transactions from slot position start: only while the node has no
 * history yet, its slot standing at its genesis (0: none recorded).
 * Past it, the node's transactions went into another outbox, or into
 * this one before it was lost or put back from a backup, and nothing
 * proves where the node's peers stand.  False after log_error.
 */
bool history_fresh(const char *outbox, const char *node, lsn_t genesis,
    lsn_t start);

/* Keep txn, a transaction of node this server committed and capture
 * emitted, for later checks.  False after log_error. */
bool history_remember(const char *outbox, const char *node,
    const struct txn *txn);

#endif
