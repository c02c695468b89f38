/*
 * continuity.h: apply never applies across a gap.
 *
 * A change_sink that stands between a reader and the applier.  It knows,
 * per origin, where the destination stands (its progress, or the last
 * transaction passed on since) and whether the transactions coming now are
 * known to follow it without a gap: a continuity claim (since: "what
 * follows is everything of origin after lsn") at or below where the
 * destination stands says so.  A transaction that is not known to follow
 * is held back (never passed on, never skipped over), and so is everything
 * after it of its origin, until a claim ties the chain to the destination
 * again.  Other origins go on.
 *
 * A claim is needed after every restart (a new input): the destination's
 * progress alone never lets a transaction through, or a hub that withheld
 * an origin's first frames could silence it.  The first frame of an
 * origin's history claims 0, so a destination that never applied it
 * starts there.  A transaction cut short (abort: the input broke off, a
 * part of a split transaction is missing) is a gap too.
 *
 * What is held back is reported at the end, per origin, with how long the
 * oldest of it has waited: since its input arrived, as the caller says (a
 * spool file's time; a stream's is now).
 */
#ifndef PGMESH_CONTINUITY_H
#define PGMESH_CONTINUITY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/change.h"
#include "common/lsn.h"

/* Where the destination stands for origin: what it has applied, at least
 * (a lower bound is safe: it can only hold back more).  False after the
 * failure was reported. */
typedef bool continuity_progress_fn(void *ctx, const char *origin,
    lsn_t *lsn);

struct continuity;

/* Pass what follows without a gap on to down. */
struct continuity *continuity_new(const struct change_sink *down,
    continuity_progress_fn *progress, void *ctx);
void continuity_free(struct continuity *c);
struct change_sink continuity_sink(struct continuity *c);

/* Where the destination stands for origin (false: reported failure). */
bool continuity_stands(struct continuity *c, const char *origin, lsn_t *lsn);

/* The input read next arrived at t. */
void continuity_arrived(struct continuity *c, time_t t);

/*
 * After the last input: one line per origin still held back, saying what
 * is missing.  Returns the number of such origins and, in *oldest, how
 * long (seconds before now) the longest held of them has been waiting.
 */
size_t continuity_report(struct continuity *c, time_t now, double *oldest);

#endif
