/*
 * dest.h: where pgmesh-ship sends frames, as written on its command line.
 *
 *	[NODE=]ssh://[user@]host[:port]/path	the receiving side over ssh
 *	[NODE=]tcp://host:port			a raw pack stream (netcat)
 *	[NODE=]directory			a local spool
 *
 * A "NODE=" prefix says the destination is that node: frames whose origin
 * is NODE are never sent to it (loop cutting), and its acknowledgement
 * record in the source spool is named after it.
 */
#ifndef PGMESH_DEST_H
#define PGMESH_DEST_H

#include <stdbool.h>

#include "common/node.h"

enum dest_kind {
	DEST_SSH,
	DEST_TCP,
	DEST_DIR
};

struct dest {
	enum dest_kind kind;
	char *spec;		/* as given, without NODE=: for messages */
	char *name;		/* NODE, or spec: names the ack record */
	char node[NODE_MAX + 1];	/* "" when not given */
	char *user;		/* ssh only, may be NULL */
	char *host;		/* ssh, tcp */
	char *port;		/* may be NULL for ssh */
	char *path;		/* ssh (absolute remote path), dir */
};

/* Parse arg into d.  False after log_error naming what is wrong. */
bool dest_parse(const char *arg, struct dest *d);
void dest_free(struct dest *d);

#endif
