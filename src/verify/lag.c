/*
 * lag.c: read the destination's applied position per origin.
 */
#include <string.h>

#include "lag.h"
#include "common/log.h"
#include "common/lsn.h"
#include "common/node.h"
#include "common/pgconn.h"

bool
lag_load(PGconn *conn, struct streamcheck *sc)
{
	PGresult *res;

	/* Flushed progress: the position known to be on disk. */
	res = pgconn_query(conn, "read replication origins", NODE_ORIGINS_SQL,
	    0, NULL);
	if (res == NULL)
		return false;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *node = PQgetvalue(res, i, 0);
		const char *pos = PQgetvalue(res, i, 1);
		struct origin_summary *o;
		lsn_t lsn = 0;

		/* Origins of other tools that happen to share the prefix. */
		if (!node_valid(node, strlen(node)))
			continue;
		if (!PQgetisnull(res, i, 1) && !lsn_parse(pos, strlen(pos), &lsn))
			continue;
		o = streamcheck_origin(sc, node);
		o->has_applied = true;
		o->applied = lsn;
	}
	PQclear(res);
	return true;
}
