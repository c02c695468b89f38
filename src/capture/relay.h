/*
 * relay.h: a relay's destination transactions split back into the source
 * transactions they applied, and the continuity claims that go with them.
 *
 * A transaction that pgmesh-apply applied here under a pgmesh replication
 * origin carries a group mark (common/groupmark.h): the source
 * transactions it holds, in order, each with its origin LSN, commit time
 * and the number of its rows, and what the origin's progress was before
 * them.  The emitter hands the transaction's change text to the relay,
 * which writes it as those source transactions, each between its own B
 * and C records, cutting after the right number of I records.
 *
 * The mark is what makes a claim for a relayed origin true: apply passes
 * an origin's transactions on only without a gap, so what a group holds is
 * everything of its origin after the progress before it, except the
 * transactions set aside (R records), which the stream then does not
 * carry.  The relay writes a P record wherever what it writes of an origin
 * does not continue what it wrote of it before, so a destination behind
 * this node holds the origin back rather than skip what the relay lacks.
 *
 * Marks are honoured only in transactions applied under a pgmesh
 * replication origin: any role may write a logical message, but only
 * apply's role can set up a replication origin, so an application cannot
 * forge a relay's boundaries.
 */
#ifndef PGMESH_RELAY_H
#define PGMESH_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/groupmark.h"
#include "common/textwrite.h"

struct relay_chain;

struct relay {
	struct groupmark mark;
	bool marked;			/* the open transaction has its mark */
	struct relay_chain *chains;	/* what the stream vouches, per origin */
	size_t nchains;
	bool unmarked_noticed;
	/* The transaction being written. */
	size_t next;			/* the mark's next transaction */
	uint64_t left;			/* rows still to come of the open one */
	struct txn txn;			/* the open one */
	bool line_start, row_line;	/* where the change text stands */
	bool restarted;			/* a header withdrew every claim */
};

void relay_init(struct relay *r);
void relay_free(struct relay *r);
/* A new transaction: no mark yet. */
void relay_begin(struct relay *r);
/* The open transaction's mark (content of len bytes); false after
 * log_error when it is not one, or a second one. */
bool relay_mark(struct relay *r, const char *content, size_t len);

/*
 * Start writing the transaction txn (its origin and LSN from the Origin
 * message, the xid of this node) of rows rows into w: with its mark, as
 * the source transactions; without, whole as it is, with no claim for
 * its origin.  False after log_error when the mark does not describe it.
 */
bool relay_start(struct relay *r, struct textwriter *w, const struct txn *txn,
    uint64_t rows);
/* Its change text (T and I records), in pieces of any size. */
void relay_text(struct relay *r, struct textwriter *w, const char *data,
    size_t len);
/* Its end. */
void relay_end(struct relay *r, struct textwriter *w);

/* Did the last transaction written withdraw every claim (a header)? */
bool relay_restarted(struct relay *r);

#endif
