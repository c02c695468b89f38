/*
 * applier.h: the change_sink that writes transactions into the destination
 * database, exactly once.
 *
 * Transactions of one origin are applied in groups: one destination
 * transaction holds consecutive source transactions while the input keeps
 * them coming (up to group of them), rows through COPY, and commits with the
 * origin's progress set to the group's last LSN.  The group commits when the
 * input goes idle, so a lone transaction is visible at once.  A group that
 * fails is rolled back and applied again one source transaction at a time,
 * to apply everything before the failing transaction and name it exactly.
 */
#ifndef PGMESH_APPLIER_H
#define PGMESH_APPLIER_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "applyfail.h"
#include "grants.h"
#include "rejects.h"
#include "common/change.h"
#include "common/lsn.h"

struct applier_options {
	int group;		/* source transactions per destination transaction */
	bool sync;		/* keep synchronous_commit as the server has it */
	const struct grants *grants;
	struct rejects *rejects;	/* NULL: stop at a failing transaction */
	/* Apply transactions at or below their origin's progress too (a
	 * rejects file, once its cause is fixed): the progress stays. */
	bool replay;
};

struct applier;

/* Prepare the session on c (owned by the caller); NULL after log_error. */
struct applier *applier_new(PGconn *c, const struct applier_options *opts);
void applier_free(struct applier *a);
struct change_sink applier_sink(struct applier *a);

/* Commit the group in hand (the input ended); false when that failed. */
bool applier_finish(struct applier *a);
enum apply_status applier_status(const struct applier *a);

/*
 * How far origin has been applied, at least: transactions at or below it
 * would be skipped, so a spool frame wholly below it need not be read.
 */
bool applier_progress(struct applier *a, const char *origin, lsn_t *lsn);

/* With -v: the totals, on stderr. */
void applier_report(struct applier *a);

#endif
