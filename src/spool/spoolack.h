/*
 * spoolack.h: what each downstream has acknowledged from a spool, and
 * pruning by it.
 *
 * When pgmesh-ship sends a spool to a destination that acknowledges (ssh,
 * a local spool), it records the destination's heads in
 *
 *	SPOOL/.acked/NAME	one "ORIGIN LSN" line per origin
 *
 * written atomically (temporary file, fsync, rename).  NAME is the
 * destination's name with every byte outside [A-Za-z0-9_-] and a leading
 * "." written as %XX.  Spool readers ignore names starting with ".".
 */
#ifndef PGMESH_SPOOLACK_H
#define PGMESH_SPOOLACK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "heads.h"

/* Raise h by the record of name (nothing when there is none yet). */
bool spoolack_read(const char *spool, const char *name, struct heads *h);
/* Replace the record of name by h. */
bool spoolack_write(const char *spool, const char *name, const struct heads *h);

struct prune_result {
	size_t removed;
	size_t kept;		/* some downstream lacks them */
	size_t stale;		/* of those, older than max_age */
	size_t forced;		/* removed by age although lacked */
};

/*
 * Remove the frames that every downstream holds: a frame whose last LSN
 * is at or below each downstream's head for its origin.  The newest frame
 * of each origin stays, so that the spool still tells senders how far it
 * got (its head).  With max_age > 0 and force, frames older than max_age
 * seconds go even when a downstream lacks them.  False after log_error.
 */
bool spoolack_prune(const char *spool, const struct heads *downstreams,
    size_t n, time_t max_age, bool force, struct prune_result *res);

#endif
