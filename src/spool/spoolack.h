/*
 * spoolack.h: what each consumer of a spool has acknowledged, and pruning
 * by it.
 *
 * A consumer is a destination pgmesh-ship sends the spool to (ssh, a local
 * spool) or a database pgmesh-apply applies it to.  When a consumer has
 * durably taken frames, its heads are recorded in
 *
 *	SPOOL/.acked/NAME	one "ORIGIN LSN" line per origin
 *
 * written atomically (temporary file, fsync, rename).  NAME is the
 * consumer's name with every byte outside [A-Za-z0-9_-] and a leading "."
 * written as %XX.  Spool readers ignore names starting with ".".
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

/*
 * Every consumer's record, each with what it is never sent counted as
 * held: a consumer named after a node (a destination "NODE=...") is never
 * sent that node's own rows.  *names and *h have *n entries (free them
 * with spoolack_consumers_free).  False after log_error.
 */
bool spoolack_consumers(const char *spool, char ***names, struct heads **h,
    size_t *n);
void spoolack_consumers_free(char **names, struct heads *h, size_t n);

struct prune_result {
	size_t removed;
	size_t kept;		/* some consumer lacks them */
	size_t stale;		/* of those, older than max_age */
	size_t forced;		/* removed by age although lacked */
};

/*
 * Remove the frames that every consumer holds (downstreams has n heads,
 * one per consumer): a frame whose last LSN is at or below each one's head
 * for its origin.  Before removing anything, the spool's base (chain.h) is
 * raised to what every consumer holds, so that its heads stay where they
 * were.  With max_age > 0 and force, frames older than max_age seconds go
 * even when a consumer lacks them (the base does not move for those: the
 * spool then honestly lacks them too).  With no consumer, nothing goes.
 * False after log_error.
 */
bool spoolack_prune(const char *spool, const struct heads *downstreams,
    size_t n, time_t max_age, bool force, struct prune_result *res);
/* The same with the consumers the spool's records name, and no others. */
bool spoolack_prune_recorded(const char *spool, struct prune_result *res);

#endif
