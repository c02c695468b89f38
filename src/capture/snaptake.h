/*
 * snaptake.h: a join snapshot of this node, as change text.
 *
 * Every row of the tables asked for (default: the publication's, through
 * their partition roots), as of one consistent snapshot of the database,
 * between an S and an E record, with a W record per origin the database
 * holds transactions of: every transaction of that origin at or below the
 * watermark is in the snapshot.  snaptake.c proves the watermarks safe.
 * A snapshot of tables named has no watermark: it says nothing of the
 * other tables' rows, and progress is per origin.
 */
#ifndef PGMESH_SNAPTAKE_H
#define PGMESH_SNAPTAKE_H

#include <libpq-fe.h>

struct snaptake_options {
	const char *conninfo;	/* for the replication connection */
	const char *node;	/* this node's name */
	const char *publication;
	char *const *tables;	/* none: the publication's */
	int ntables;
	int fd;			/* where the change text goes */
};

enum snaptake_result {
	SNAPTAKE_OK,
	SNAPTAKE_FAILED,	/* the database said no, reported */
	SNAPTAKE_LOST,		/* the connection went away: try again */
	SNAPTAKE_OUTPUT_FAILED	/* writing the output failed, reported */
};

/* meta is an ordinary connection with pgconn_open's session settings. */
enum snaptake_result snaptake_run(PGconn *meta,
    const struct snaptake_options *o);

#endif
