/*
 * capsetup.h: what capture needs in the database, made (--init), removed
 * (--drop) and checked before each run.
 *
 *	the publication   WITH (publish = 'insert'), for the tables named or
 *	                  for all tables
 *	the guard         trigger pgmesh_guard on each table of the
 *	                  publication, rejecting UPDATE, DELETE and TRUNCATE
 *	                  (function pgmesh.guard())
 *	the slot          a logical replication slot with plugin pgoutput
 *	the node name     the database setting pgmesh.node (ALTER DATABASE
 *	                  ... SET), read back by every later session
 *	the genesis       the database setting pgmesh.genesis: where the
 *	                  node's first slot started
 *
 * Every function takes an ordinary connection and reports a failure with
 * log_error (false, NULL, or a slot_result); a configuration problem
 * names what to do about it.
 */
#ifndef PGMESH_CAPSETUP_H
#define PGMESH_CAPSETUP_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "common/lsn.h"

struct capsetup {
	const char *slot;
	const char *publication;
	const char *node;		/* from --node; NULL if not given */
	bool rename;			/* --rename: a new name, a new genesis */
	char *const *tables;		/* --init TABLE...: none means all */
	int ntables;
};

/*
 * Create what is missing; what exists is left as it is.  With rename, the
 * database becomes node s->node whatever name it had, and that node's
 * history starts where the slot stands (its genesis): a node recovered
 * under a new name after its old history forked.
 */
bool capsetup_init(PGconn *conn, const struct capsetup *s);
/* wal_level, slot and publication are there, or a message with the fix. */
bool capsetup_check(PGconn *conn, const struct capsetup *s);

/* What a step on the slot came to; each but SLOT_OK after log_error. */
enum slot_result {
	SLOT_OK,
	SLOT_BAD_AFTER,		/* --after before the slot's position, or past
				 * the WAL */
	SLOT_BUSY,		/* another session holds the slot: try again
				 * later */
	SLOT_FAILED,		/* the query failed, or no such slot */
};

/* Remove the slot, the guard on the publication's tables, the publication. */
enum slot_result capsetup_drop(PGconn *conn, const struct capsetup *s);

/*
 * Where the slot stands against *after (NULL: no --after), and the end of
 * the WAL now in *wal_end.  With advance, confirm *after to the slot with
 * pg_replication_slot_advance() when it is further than the slot stands.
 * *start is where the stream starts: *after, or where the slot stands
 * when there is no --after or it is 0/0.
 */
enum slot_result capsetup_position(PGconn *conn, const struct capsetup *s,
    const lsn_t *after, bool advance, lsn_t *wal_end, lsn_t *start);

/*
 * The node name: s->node and the stored one must agree, and one of them
 * must be there.  Malloc'd; NULL after log_error.
 */
char *capsetup_node(PGconn *conn, const struct capsetup *s);
/* The node's genesis (0 when none is stored); false after log_error. */
bool capsetup_genesis(PGconn *conn, lsn_t *genesis);

#endif
