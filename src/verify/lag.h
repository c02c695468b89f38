/*
 * lag.h: how far a destination database is behind a stream or spool.
 *
 * pgmesh-apply keeps its progress per origin node in the replication
 * origin "pgmesh_<node>" (node.h), advanced in the transaction that
 * applies the rows, so pg_replication_origin_progress is the durable
 * applied position.  Reading it needs the privileges of
 * pg_replication_origin_progress (superuser, or EXECUTE granted).
 */
#ifndef PGMESH_LAG_H
#define PGMESH_LAG_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "streamcheck.h"

/* Record every pgmesh origin's applied position in sc, before checking
 * the inputs (which then count the transactions above it).  False after
 * log_error. */
bool lag_load(PGconn *conn, struct streamcheck *sc);

#endif
