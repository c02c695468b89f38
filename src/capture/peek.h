/*
 * peek.h: decoding a logical slot with the SQL function
 * pg_logical_slot_get_binary_changes() on a temporary copy of the slot,
 * for --drain.
 *
 * The walsender sends each pgoutput message in its own network message and
 * waits on the client between them; the SQL function decodes the same WAL
 * into a tuplestore in one go, and COPY ... TO STDOUT (FORMAT binary)
 * carries the result as fast as the client reads it.  The slot never
 * moves (a temporary copy of it is what gets consumed, in chunks), which
 * keeps "never confirm what was only written to a pipe" true on this path
 * as well.
 */
#ifndef PGMESH_PEEK_H
#define PGMESH_PEEK_H

#include <signal.h>

#include <libpq-fe.h>

#include "pgoutput.h"
#include "common/lsn.h"

struct peek_options {
	const char *slot;
	const char *publication;
	lsn_t upto;			/* stop at commits past this LSN */
	const volatile sig_atomic_t *stop;
};

/*
 * Decode everything the slot holds up to opt->upto on conn (an ordinary
 * connection), feeding each message to p.  STREAM_DONE when all was read.
 */
enum stream_end peek_drain(PGconn *conn, const struct peek_options *opt,
    struct pgoutput *p);

#endif
