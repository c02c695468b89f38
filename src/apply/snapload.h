/*
 * snapload.h: a join snapshot into the destination (apply --snapshot-from).
 *
 * A change_sink for a stream of snapshots of one named node.  The rows of
 * a snapshot go in through COPY in chunks of bounded size, in one
 * destination transaction; a chunk whose COPY meets a key already there
 * goes again through the staging table (stage.h), so rows identical to
 * those present are duplicates and a row with the same key and other
 * values is a conflict that stops the load with nothing of it committed.
 * Only once the rows have committed is each origin's progress raised to
 * the snapshot's watermark (never lowered): replication origin progress is
 * one origin per session and not undone by a rollback, so the other order
 * could leave progress claiming rows a crash took away, while this one
 * only brings duplicates back after a crash in between.
 *
 * Transactions in the input are refused: a snapshot is applied alone, the
 * streams after it by a plain pgmesh-apply, whose continuity check then
 * starts each origin at its watermark, or holds it back if the frames
 * after the watermark are gone.
 */
#ifndef PGMESH_SNAPLOAD_H
#define PGMESH_SNAPLOAD_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "applier.h"
#include "grants.h"
#include "common/change.h"

struct snapload;

/* Snapshots of node from only; grants judge its rows
 * as that node's. */
struct snapload *snapload_new(PGconn *c, const char *from,
    const struct grants *grants);
void snapload_free(struct snapload *l);
struct change_sink snapload_sink(struct snapload *l);

/* How the load went (APPLY_STOPPED: bad input or a conflict, reported). */
enum apply_status snapload_status(const struct snapload *l);
/* Snapshots loaded whole (rows committed, progress raised). */
unsigned snapload_done(const struct snapload *l);

#endif
