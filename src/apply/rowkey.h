/*
 * rowkey.h: a row's key, to name it in messages ("id=42").
 *
 * The key is the destination table's primary key, or else its replica
 * identity index, restricted to columns the stream carries; a table with
 * neither is named by all of its columns.
 */
#ifndef PGMESH_ROWKEY_H
#define PGMESH_ROWKEY_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "dbconn.h"
#include "common/buf.h"
#include "common/change.h"

struct rowkey {
	int *cols;		/* indexes into the table's columns */
	int n;
	bool whole_row;		/* no usable key: every column */
};

bool rowkey_lookup(PGconn *c, const struct table *t, struct rowkey *k,
    struct dberror *err);
void rowkey_free(struct rowkey *k);

/* Append "col=value, ..." for the key columns of a row. */
void rowkey_describe(struct buf *out, const struct table *t,
    const struct rowkey *k, const struct value *vals);

#endif
