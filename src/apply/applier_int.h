/*
 * applier_int.h: the applier's insides, shared by its three files:
 * applier.c (the sink, origins, group commit), applylone.c (a lone small
 * group in one round trip) and applyretry.c (the one-at-a-time retry of a
 * failed group).  Nothing else includes this.
 */
#ifndef PGMESH_APPLIER_INT_H
#define PGMESH_APPLIER_INT_H

#include <stdint.h>
#include <time.h>
#include <libpq-fe.h>

#include "applier.h"
#include "applylog.h"
#include "applylone.h"
#include "applyretry.h"
#include "destxact.h"
#include "common/buf.h"

struct origin_state {
	char node[NODE_MAX + 1];
	lsn_t applied;		/* progress: last LSN committed from node */
};

struct applier {
	struct destxact dx;
	struct applier_options opt;
	struct applylog log;
	struct origin_state *origins;
	size_t norigins;
	char session[NODE_MAX + 1];	/* origin set up in the session */

	/* The source transaction being read. */
	bool skipping;
	unsigned char *allowed;	/* by name_id: 0 unknown, 1 yes, 2 no */
	size_t nallowed;
	char allowed_for[NODE_MAX + 1];

	struct buf failure;	/* the message naming a failing transaction */

	struct applylone lone;
	struct apply_counts done;	/* committed */
	struct timespec started;
	struct timespec reported;
};

#endif
