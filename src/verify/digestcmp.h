/*
 * digestcmp.h: compare another peer's digest with this database's.
 *
 * Every difference is one line on the output, naming the table, and with
 * buckets the bucket, and when the other digest listed the keys of that
 * bucket, each key that is only here, only there, or differs:
 *
 *	public.payments: 1001 rows here, 1000 in stdin
 *	public.payments: bucket 5 of 16: 63 rows here, 62 in stdin
 *	public.payments: bucket 5 of 16: key id=1001: only here
 */
#ifndef PGMESH_DIGESTCMP_H
#define PGMESH_DIGESTCMP_H

#include <libpq-fe.h>

#include "digest.h"
#include "common/buf.h"

/*
 * Compare theirs (named what in messages) with ours, computed with the
 * same buckets; conn is ours, asked for the keys of differing buckets.
 * Returns the number of tables that differ, or -1 after log_error.
 */
long digest_compare(PGconn *conn, const struct digest *theirs,
    const struct digest *ours, const char *what, struct buf *out);

#endif
