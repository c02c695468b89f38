/*
 * repl.h: streaming a logical slot over the replication protocol
 * (START_REPLICATION ... LOGICAL on a replication=database connection),
 * for --follow.
 */
#ifndef PGMESH_REPL_H
#define PGMESH_REPL_H

#include <signal.h>

#include <libpq-fe.h>

#include "pgoutput.h"
#include "common/lsn.h"

struct repl_options {
	const char *slot;		/* validated: [a-z0-9_]{1,63} */
	const char *publication;	/* validated: a plain identifier */
	lsn_t start;			/* the server skips commits before it */
	lsn_t confirm;			/* confirmed at start; 0 for nothing */
	const volatile sig_atomic_t *stop;
};

/*
 * START_REPLICATION from opt->start, and the first status update (which
 * confirms opt->confirm).  False after log_error, *failure saying how the
 * stream ends: STREAM_BUSY (another session holds the slot), STREAM_LOST
 * or STREAM_FAILED.
 */
bool repl_start(PGconn *conn, const struct repl_options *opt,
    enum stream_end *failure);

/*
 * After repl_start: stream, feeding every message to p, until *stop is set
 * (STREAM_STOPPED), the connection breaks or the server ends the stream
 * (STREAM_LOST), or decoding fails (STREAM_FAILED).
 */
enum stream_end repl_stream(PGconn *conn, const struct repl_options *opt,
    struct pgoutput *p);

#endif
