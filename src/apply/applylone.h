/*
 * applylone.h: a lone small group in one round trip.
 *
 * A group of a few rows found alone when the input goes idle goes out in
 * one write (prepared INSERTs in libpq's pipeline mode) instead of the
 * three round trips of COPY.  The INSERTs are prepared once per session
 * and table, and remembered here.
 */
#ifndef PGMESH_APPLYLONE_H
#define PGMESH_APPLYLONE_H

#include <stdbool.h>
#include <stddef.h>

#include "applylog.h"
#include "destxact.h"

struct applylone {
	unsigned char *prepared;	/* by def_id: is its INSERT prepared? */
	size_t nprepared;
	struct applylog_vals row;	/* a row of the log, decoded */
};

void applylone_init(struct applylone *lone);
void applylone_free(struct applylone *lone);

/* Is the group in l, of which dx has sent nothing, lone and small? */
bool applylone_fits(const struct destxact *dx, const struct applylog *l);
/* Commit it in dx so, up to last; false (dx->err filled) leaves it for
 * the retry. */
bool applylone_commit(struct applylone *lone, struct destxact *dx,
    struct applylog *l, const struct applylog_txn *last);

#endif
