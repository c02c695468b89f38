/*
 * pgoutput.h: the messages of PostgreSQL's built-in pgoutput plugin
 * (logical replication protocol version 1) turned into transactions.
 *
 * The same bytes arrive two ways: as the payload of XLogData messages on a
 * walsender stream, and as the data column of
 * pg_logical_slot_get/peek_binary_changes().  Either way each message is one
 * whole pgoutput message, handed to pgoutput_decode.
 */
#ifndef PGMESH_PGOUTPUT_H
#define PGMESH_PGOUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "typename.h"
#include "common/catalog.h"
#include "common/change.h"
#include "common/lsn.h"

/*
 * What a decoded stream says, in order: begin, at most one origin, rows
 * and transactional messages, commit.  commit_lsn is where the commit
 * record starts, end_lsn where it ends (the transaction's identity, known
 * only at commit).  A false return stops decoding.  Messages written
 * outside a transaction (pg_logical_emit_message(false, ...)) are not
 * passed on: pgmesh writes none.
 */
struct pgoutput_events {
	void *ctx;
	bool (*begin)(void *ctx, lsn_t commit_lsn, int64_t commit_time,
	    uint32_t xid);
	bool (*origin)(void *ctx, const char *name, lsn_t origin_lsn);
	bool (*row)(void *ctx, const struct table *t, const struct value *vals);
	bool (*message)(void *ctx, const char *prefix, const char *content,
	    size_t len);
	bool (*commit)(void *ctx, lsn_t commit_lsn, lsn_t end_lsn);
};

/* How reading a stream of pgoutput messages ended. */
enum stream_end {
	STREAM_DONE,		/* all of it was read */
	STREAM_STOPPED,		/* a signal asked to stop */
	STREAM_LOST,		/* the server went away: try again later */
	STREAM_BUSY,		/* another session holds the slot: try again
				 * later */
	STREAM_FAILED,		/* an error that trying again will not fix */
};

/* How a statement that failed on conn (res, maybe NULL) ends a stream. */
enum stream_end stream_failure(PGconn *conn, const PGresult *res);

struct relation;

struct pgoutput {
	struct pgoutput_events ev;
	struct catalog *catalog;	/* where table definitions go */
	struct typenames *types;
	PGconn *meta;			/* an ordinary connection for type names */
	struct relation *rels;		/* relid -> table, open addressing */
	size_t nrels, relcap;
	struct value *vals;
	int valcap;
	lsn_t commit_lsn;		/* of the transaction open, for messages */
	bool warned;			/* about an UPDATE, DELETE or TRUNCATE */
};

void pgoutput_init(struct pgoutput *p, struct catalog *catalog,
    struct typenames *types, struct pgoutput_events ev);
void pgoutput_free(struct pgoutput *p);
/*
 * A new session: the server sends every Relation again, so forget them,
 * and ask type names on meta from now on.
 */
void pgoutput_restart(struct pgoutput *p, PGconn *meta);

/* Decode one message; false after log_error (or an event's false). */
bool pgoutput_decode(struct pgoutput *p, const char *msg, size_t len);

#endif
