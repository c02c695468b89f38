/*
 * catalog.h: the table definitions a stream has declared.
 *
 * A qualified table name is written the way PostgreSQL prints one:
 * schema.relname, each part double-quoted when it is not a plain lower-case
 * identifier (quotes doubled inside).  The catalog splits and joins the two
 * forms; nothing here is ever spliced into SQL.
 */
#ifndef PGMESH_CATALOG_H
#define PGMESH_CATALOG_H

#include <stdbool.h>

#include "buf.h"
#include "change.h"

struct catalog;

struct catalog *catalog_new(void);
void catalog_free(struct catalog *c);

/*
 * Declare a definition of table name with ncols columns (copied).  Returns
 * the current definition when it is identical, else a new one that becomes
 * current.  NULL (and *err set) when name is not a valid qualified name.
 */
const struct table *catalog_define(struct catalog *c, const char *name,
    int ncols, const struct column *cols, const char **err);
/* Same, from the unquoted parts (what pgoutput gives). */
const struct table *catalog_define_parts(struct catalog *c, const char *schema,
    const char *relname, int ncols, const struct column *cols);
/* The current definition of name, or NULL. */
const struct table *catalog_lookup(struct catalog *c, const char *name, size_t len);
/* How many names / definitions have been numbered so far. */
unsigned catalog_names(const struct catalog *c);
unsigned catalog_defs(const struct catalog *c);

/* Append schema.relname in the quoted form above. */
void catalog_qualify(struct buf *out, const char *schema, const char *relname);
/* Split a qualified name; false when it is not one. */
bool catalog_split(const char *name, size_t len, char **schema, char **relname);

#endif
