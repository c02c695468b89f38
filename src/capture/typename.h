/*
 * typename.h: type names as format_type() prints them, for the column
 * types of change text's T records.
 *
 * pgoutput's Relation message gives each column's type oid and typmod;
 * format_type(oid, typmod) turns the pair into "numeric(12,2)".  A
 * walsender takes only simple queries and is busy streaming, so the names
 * are asked on an ordinary connection, once per pair.
 */
#ifndef PGMESH_TYPENAME_H
#define PGMESH_TYPENAME_H

#include <stdint.h>

#include <libpq-fe.h>

struct typenames;

struct typenames *typenames_new(void);
void typenames_free(struct typenames *tn);

/*
 * The name of (oid, typmod), asked on conn the first time.  Valid while tn
 * lives; NULL after log_error.
 */
const char *typenames_lookup(struct typenames *tn, PGconn *conn,
    uint32_t oid, int32_t typmod);

#endif
