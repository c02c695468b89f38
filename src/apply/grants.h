/*
 * grants.h: which origin nodes may insert into which tables.
 *
 * The destination decides, with rules given as --allow NODE:TABLE, where
 * both parts are fnmatch(3) patterns: NODE against the origin node name,
 * TABLE against the qualified table name as change text writes it
 * ("public.payments").  A transaction is allowed when every table it
 * touches matches a rule for its origin.  With no rule at all, everything
 * is allowed (the caller says so once).
 */
#ifndef PGMESH_GRANTS_H
#define PGMESH_GRANTS_H

#include <stdbool.h>

struct grants;

struct grants *grants_new(void);
void grants_free(struct grants *g);

/* Add a rule "NODE:TABLE"; false when it has no colon or an empty part. */
bool grants_add(struct grants *g, const char *rule);
bool grants_empty(const struct grants *g);
bool grants_allow(const struct grants *g, const char *origin,
    const char *table);

#endif
