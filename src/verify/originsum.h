/*
 * originsum.h: what a stream check learns of each origin, kept in an
 * array sorted by origin name, and its one-line report.
 */
#ifndef PGMESH_ORIGINSUM_H
#define PGMESH_ORIGINSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "common/lsn.h"
#include "common/node.h"

struct origin_summary {
	char origin[NODE_MAX + 1];
	lsn_t first_lsn;	/* of the first transaction seen, 0 if none */
	lsn_t last_lsn;		/* of the last one */
	lsn_t last_frame_lsn;	/* highest frame last LSN (head, for lag) */
	lsn_t chain_lsn;	/* where its last frame or transaction ended */
	lsn_t base;		/* a spool's base (spool/chain.h), 0 if none */
	uint64_t frames;
	uint64_t txns;
	uint64_t rows;
	char **tables;		/* names of the tables seen, sorted */
	size_t ntables;
	/* From the database, with --lag. */
	bool has_applied;
	lsn_t applied;		/* the destination's progress for origin */
	uint64_t pending;	/* transactions seen above it */
	/* Where the chain of frames or transactions starts (the first
	 * claim), and its first gap, up to gap_to, each with the time its
	 * first frame arrived (a spool file's time; a stream's is now). */
	lsn_t start_claim, gap_to;
	time_t start_since, gap_since;
	/* Chaining of frames of this origin. */
	bool split_open;	/* the last frame continues in the next */
	uint32_t split_part;	/* and its part number */
	lsn_t split_lsn;	/* the split transaction's LSN */
	char *split_where;	/* the last frame's file and offset */
};

/* The summary of origin in the sorted array v of *n, added when new. */
struct origin_summary *origin_summary_find(struct origin_summary **v,
    size_t *n, const char *origin);
/* Add a table name to the origin's sorted list (once). */
void origin_summary_add_table(struct origin_summary *o, const char *name);
void origin_summary_free(struct origin_summary *o);
/* How long a gap has held origin back at the destination, at now: a gap
 * above where it stands, which pgmesh-apply cannot pass (0: none). */
uint64_t origin_summary_held_seconds(const struct origin_summary *o,
    time_t now);
/* "origin NODE first LSN last LSN frames N ...", with --lag's fields. */
void origin_summary_print(const struct origin_summary *o, bool lag,
    struct buf *out);

#endif
