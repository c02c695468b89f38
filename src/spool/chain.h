/*
 * chain.h: what a spool holds of each origin without a gap: its heads.
 *
 * A spool's head for an origin is a promise: everything of that origin up
 * to it is here, or was and has gone on to every consumer.  Senders skip
 * the frames at or below it, a spool's owner captures after it (an
 * outbox's position) and prunes its own frames by its downstreams' heads.
 * So a head is never a frame beyond a gap: it is the end of the unbroken
 * chain of frames that starts at the spool's base, each frame claiming
 * to follow (its prev_lsn) a point at or below where the chain stands.  A
 * frame that makes no claim, or claims to follow a point the chain has not
 * reached, raises nothing, however high its LSNs.
 *
 * The base, per origin, is where pruning left the chain (what it removed
 * every consumer holds), kept in SPOOL/.base as "ORIGIN LSN" lines; 0 (no
 * line) when the spool has had every frame of the origin from its first:
 * a chain of frames that starts mid-history is then a gap, until an
 * operator says where it starts (chain_base_raise).
 */
#ifndef PGMESH_CHAIN_H
#define PGMESH_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "heads.h"
#include "spool.h"
#include "common/lsn.h"

/* Every origin's head (at least its base).  False after log_error. */
bool chain_heads(const char *dir, struct heads *h);

/*
 * The end of the chain of one origin's frames e[0..n), sorted as
 * spool_list sorts them, from base: the LSN up to which it holds whole
 * transactions (a split one only with all its parts).
 */
lsn_t chain_end(const struct spool_entry *e, size_t n, lsn_t base);

/* The spool's base of every origin, raised into base. */
bool chain_base_read(const char *dir, struct heads *base);
/*
 * Raise the spool's base to to (never lowering one), durably, before a
 * caller removes the frames it covers.  Two writers at once take turns.
 */
bool chain_base_raise(const char *dir, const struct heads *to);

#endif
