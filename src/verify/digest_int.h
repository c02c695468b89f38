/*
 * digest_int.h: the digest's insides, shared by its three files: digest.c
 * (the scans that count and hash tables, and their buckets), digestdef.c
 * (a table found in the catalog and turned into the SQL of its hashes) and
 * digestkeys.c (the keys and row hashes of small buckets).  Nothing else
 * includes this.
 */
#ifndef PGMESH_DIGEST_INT_H
#define PGMESH_DIGEST_INT_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "digest.h"
#include "common/buf.h"

/* What the queries need to know of one table. */
struct tabledef {
	char *name;		/* qualified, as in change text */
	struct buf from;	/* the quoted SQL name */
	struct buf row;		/* hash of the row's text */
	struct buf key;		/* bucket of the row's key, $1 buckets */
	struct buf keysel;	/* ", t.id, ...": the key's columns */
	char **keycols;		/* key column names, for naming keys */
	int nkeycols;
};

/*
 * Tables for tabledef_load, one a row: every user table, or the table
 * called name (no row when there is none).  NULL after log_error.
 */
PGresult *tabledef_list(PGconn *conn);
PGresult *tabledef_find(PGconn *conn, const char *name);
/* Learn the table of row `row` of found into def; free it even when false. */
bool tabledef_load(PGconn *conn, const PGresult *found, int row,
    struct tabledef *def);
void tabledef_free(struct tabledef *def);
/*
 * Run "SELECT what FROM" the rows of def as s(b, h, k1, ...), b their
 * bucket of nbuckets ($1), h their hash, k1... their key, then rest, which
 * may use $2 = buckets (NULL: no $2).  NULL after log_error.
 */
PGresult *tabledef_query_bucketed(PGconn *conn, const struct tabledef *def,
    unsigned nbuckets, const char *what, const char *rest,
    const char *buckets);

/* List the keys of dt's buckets of at most d->key_limit rows. */
bool digest_small_bucket_keys(PGconn *conn, const struct tabledef *def,
    const struct digest *d, struct digest_table *dt);

#endif
