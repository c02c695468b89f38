/*
 * copyin.h: rows into a table through COPY ... FROM STDIN, the fastest way
 * in.  The column list is the stream's definition of the table, quoted:
 * columns are matched by name, so the destination may order them
 * differently or have more (with defaults).
 *
 * PostgreSQL reports a bad row only when the COPY ends, so every failure is
 * found at copyin_end (or copyin_start for a missing table or column).
 */
#ifndef PGMESH_COPYIN_H
#define PGMESH_COPYIN_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "applylog.h"
#include "dbconn.h"
#include "common/change.h"

/*
 * COPY into target (a quoted name; NULL: t itself) with t's columns.  With
 * begin, a transaction block is opened in the same round trip (a lone
 * small transaction pays for every round trip in its latency); it is open
 * even when the COPY fails, so the caller rolls it back either way.
 */
bool copyin_start(PGconn *c, const struct table *t, const char *target,
    bool begin, struct dberror *err);
/* Send len bytes of rows in COPY text. */
bool copyin_put(PGconn *c, const char *data, size_t len, struct dberror *err);
/*
 * Send the rows of segment s of l.  Rows of its temporary file that cannot
 * be read back (logged) are no fault of the data: err gets PostgreSQL's
 * SQLSTATE for an I/O error, of a class worth trying again later.
 */
bool copyin_put_segment(PGconn *c, struct applylog *l,
    const struct applylog_seg *s, struct dberror *err);
bool copyin_end(PGconn *c, struct dberror *err);

#endif
