/*
 * typename.c: a list of (oid, typmod, name).  Relation messages are rare
 * (once per table per session, and after a table changes), and a database
 * uses few distinct column types, so a linear search is plenty.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "typename.h"
#include "common/pgconn.h"
#include "common/xalloc.h"

struct typename {
	uint32_t oid;
	int32_t typmod;
	char *name;
};

struct typenames {
	struct typename *v;
	size_t n;
};

struct typenames *
typenames_new(void)
{
	return xcalloc(1, sizeof(struct typenames));
}

void
typenames_free(struct typenames *tn)
{
	if (tn == NULL)
		return;
	for (size_t i = 0; i < tn->n; i++)
		free(tn->v[i].name);
	free(tn->v);
	free(tn);
}

const char *
typenames_lookup(struct typenames *tn, PGconn *conn, uint32_t oid,
    int32_t typmod)
{
	char oidtext[16], modtext[16];
	const char *params[] = { oidtext, modtext };
	char *name;

	for (size_t i = 0; i < tn->n; i++)
		if (tn->v[i].oid == oid && tn->v[i].typmod == typmod)
			return tn->v[i].name;
	snprintf(oidtext, sizeof(oidtext), "%" PRIu32, oid);
	snprintf(modtext, sizeof(modtext), "%" PRId32, typmod);
	name = pgconn_fetch_value(conn, "format_type",
	    "SELECT pg_catalog.format_type($1::pg_catalog.oid, $2::pg_catalog.int4)",
	    2, params);
	if (name == NULL)
		return NULL;
	tn->v = xreallocarray(tn->v, tn->n + 1, sizeof(*tn->v));
	tn->v[tn->n++] = (struct typename){ oid, typmod, name };
	return name;
}
