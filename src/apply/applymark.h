/*
 * applymark.h: the group mark of a destination transaction
 * (common/groupmark.h), so that a capture of this database re-emits the
 * source transactions one by one.
 */
#ifndef PGMESH_APPLYMARK_H
#define PGMESH_APPLYMARK_H

#include "applylog.h"
#include "common/buf.h"
#include "common/lsn.h"

/*
 * The mark of the group in l up to last, into out as a NUL-terminated
 * string.  prev is the origin's progress before the group, or CLAIM_NONE
 * when the group does not follow it (a replay).
 */
void applymark_build(struct buf *out, const struct applylog *l,
    const struct applylog_txn *last, lsn_t prev);

#endif
