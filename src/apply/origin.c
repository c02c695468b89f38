/*
 * origin.c: replication origins, through the pg_replication_origin_*
 * functions and nothing else (node names are parameters, never SQL).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "origin.h"
#include "common/groupmark.h"
#include "common/node.h"
#include "common/timestamp.h"

/* How long to wait for an origin another backend still holds. */
#define BUSY_TRIES 100
#define BUSY_WAIT_MS 100

bool
origin_progress(PGconn *c, const char *node, bool flush, lsn_t *lsn,
    struct dberror *err)
{
	const char *params[2] = { node, flush ? "true" : "false" };
	PGresult *res;
	bool ok = true;

	/* CASE keeps pg_replication_origin_progress from failing on an
	 * origin that does not exist yet: nothing applied is 0/0. */
	res = dbconn_query(c, "SELECT CASE WHEN pg_replication_origin_oid(o) "
	    "IS NULL THEN NULL ELSE pg_replication_origin_progress(o, $2) END "
	    "FROM " NODE_ORIGIN_FROM, 2, params, err);
	if (res == NULL)
		return false;
	*lsn = 0;
	if (!PQgetisnull(res, 0, 0)) {
		const char *v = PQgetvalue(res, 0, 0);

		ok = lsn_parse(v, strlen(v), lsn);
		if (!ok) {
			memset(err, 0, sizeof(*err));
			snprintf(err->message, sizeof(err->message),
			    "the server returned a bad LSN \"%s\"", v);
		}
	}
	PQclear(res);
	return ok;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

bool
origin_session_setup(PGconn *c, const char *node, bool release_previous,
    struct dberror *err)
{
	const char *params[1] = { node };

	if (release_previous && !dbconn_exec(c,
	    "SELECT pg_replication_origin_session_reset()", 0, NULL, err))
		return false;
	if (!dbconn_exec(c, "SELECT pg_replication_origin_create(o) FROM "
	    NODE_ORIGIN_FROM " WHERE pg_replication_origin_oid(o) IS NULL",
	    1, params, err))
		return false;
	for (int i = 0;; i++) {
		if (dbconn_exec(c, "SELECT pg_replication_origin_session_setup(o) "
		    "FROM " NODE_ORIGIN_FROM, 1, params, err))
			return true;
		if (!dbconn_is(err, SQLSTATE_OBJECT_IN_USE) || i == BUSY_TRIES)
			return false;
		sleep_ms(BUSY_WAIT_MS);
	}
}

/*
 * The mark goes in the statement that sets the origin up, so that it costs
 * no round trip of its own (pg_logical_emit_message is strict: a NULL mark
 * writes nothing).  Transactional, it is decoded with the transaction's
 * rows, after them, and only if the transaction commits.
 */
bool
origin_send_commit(PGconn *c, lsn_t lsn, int64_t commit_time,
    const char *mark)
{
	char lsnbuf[LSN_BUFSIZE], timebuf[TIMESTAMP_BUFSIZE];
	const char *params[3] = {
		lsn_format(lsn, lsnbuf), timestamp_format(commit_time, timebuf),
		mark
	};

	return PQsendQueryParams(c,
	    "SELECT pg_replication_origin_xact_setup($1, $2), "
	    "pg_logical_emit_message(true, '" GROUPMARK_PREFIX "', $3::text)",
	    3, NULL, params, NULL, NULL, 0) == 1 &&
	    PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) == 1;
}

bool
origin_read_commit(PGconn *c, bool *ended, struct dberror *err)
{
	/* After a failed setup the server skips COMMIT: still open. */
	bool setup = dbconn_pipeline_result(c, PGRES_TUPLES_OK, err);
	bool commit = dbconn_pipeline_result(c, PGRES_COMMAND_OK, err);

	*ended = setup;
	return setup && commit;
}

bool
origin_xact_commit(PGconn *c, lsn_t lsn, int64_t commit_time,
    const char *mark, bool *ended, struct dberror *err)
{
	bool committed;

	*ended = false;
	if (PQenterPipelineMode(c) != 1 ||
	    !origin_send_commit(c, lsn, commit_time, mark) || PQpipelineSync(c) != 1) {
		dbconn_error(c, NULL, err);
		return false;
	}
	committed = origin_read_commit(c, ended, err);
	return dbconn_pipeline_end(c, committed, err);
}

PGresult *
origin_list(PGconn *c, struct dberror *err)
{
	return dbconn_query(c, NODE_ORIGINS_SQL, 0, NULL, err);
}

bool
origin_heads(PGconn *c, struct heads *h, struct dberror *err)
{
	PGresult *res = origin_list(c, err);
	bool ok = res != NULL;

	for (int i = 0; ok && i < PQntuples(res); i++) {
		const char *v = PQgetvalue(res, i, 1);
		lsn_t lsn = 0;

		if (!PQgetisnull(res, i, 1) && !lsn_parse(v, strlen(v), &lsn)) {
			memset(err, 0, sizeof(*err));
			snprintf(err->message, sizeof(err->message),
			    "the server returned a bad LSN \"%s\"", v);
			ok = false;
		}
		heads_raise(h, PQgetvalue(res, i, 0), lsn);
	}
	PQclear(res);
	return ok;
}

/*
 * Holding the origin in this session keeps every other apply from moving
 * it meanwhile.  The progress moves the way apply's own commits move it:
 * a transaction with an xid (so that its commit is logged) set up as the
 * origin's commit at lsn; the server never moves a session's progress
 * backwards, so two raises at once cannot lower it either.  It has no
 * group mark: the next group's mark says it follows the raised progress,
 * and a capture of this database passes the gap on as it is.
 */
bool
origin_raise(PGconn *c, const char *node, lsn_t lsn, lsn_t *was,
    struct dberror *err)
{
	struct dberror ignored;
	struct timespec now;
	bool ended, ok;

	if (!origin_session_setup(c, node, false, err))
		return false;
	clock_gettime(CLOCK_REALTIME, &now);
	ok = origin_progress(c, node, false, was, err) && (*was >= lsn ||
	    (dbconn_exec(c, "BEGIN", 0, NULL, err) &&
	    dbconn_exec(c, "SELECT pg_current_xact_id()", 0, NULL, err) &&
	    origin_xact_commit(c, lsn, (int64_t)now.tv_sec * 1000000 +
	    now.tv_nsec / 1000, NULL, &ended, err)));
	if (!ok && PQtransactionStatus(c) != PQTRANS_IDLE)
		dbconn_exec(c, "ROLLBACK", 0, NULL, &ignored);
	return dbconn_exec(c, "SELECT pg_replication_origin_session_reset()", 0,
	    NULL, ok ? err : &ignored) && ok;
}
