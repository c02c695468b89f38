/*
 * stage.h: the slow path for rows that may already be there.
 *
 * When a transaction's COPY fails on a unique key, its rows go again
 * through a temporary staging table: INSERT ... ON CONFLICT DO NOTHING
 * takes the new rows, and a staged row with no identical row in the table
 * afterwards is a conflict (the same key with different values).  Rows
 * identical to existing ones are duplicates: harmless, counted, skipped.
 * Relayed transactions arriving by two paths are the usual source.
 */
#ifndef PGMESH_STAGE_H
#define PGMESH_STAGE_H

#include <stdint.h>
#include <libpq-fe.h>

#include "applylog.h"
#include "dbconn.h"
#include "common/buf.h"

enum stage_result {
	STAGE_OK,		/* inserted, *dups counted */
	STAGE_CONFLICT,		/* key gets "id=42" of the first conflicting row */
	STAGE_FAILED		/* *err says why */
};

enum stage_result stage_segment(PGconn *c, struct applylog *l,
    const struct applylog_seg *s, uint64_t *dups, struct buf *key,
    struct dberror *err);
/* The same for nrows rows of t in COPY text (a snapshot's chunk). */
enum stage_result stage_rows(PGconn *c, const struct table *t,
    const char *rows, size_t len, uint64_t nrows, uint64_t *dups,
    struct buf *key, struct dberror *err);

#endif
