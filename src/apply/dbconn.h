/*
 * dbconn.h: apply's statements, and the errors PostgreSQL gives them.
 *
 * apply decides what an error means (a bad transaction to name and stop at,
 * a lost connection to retry later, a missing privilege) from its SQLSTATE,
 * and names the failing row from the COPY line in its context, so errors are
 * kept whole in a struct dberror instead of being logged where they occur.
 */
#ifndef PGMESH_DBCONN_H
#define PGMESH_DBCONN_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/buf.h"
#include "common/change.h"

/* SQLSTATEs apply tells apart. */
#define SQLSTATE_UNIQUE_VIOLATION "23505"
#define SQLSTATE_INSUFFICIENT_PRIVILEGE "42501"
#define SQLSTATE_OBJECT_IN_USE "55006"

struct dberror {
	char sqlstate[6];	/* "" when the connection failed */
	char message[1024];	/* PostgreSQL's primary message, one line */
	long copy_line;		/* the COPY line the error is about, or 0 */
	bool lost;		/* the connection is gone */
};

/*
 * Run sql with text parameters.  dbconn_exec wants no rows back;
 * dbconn_query returns the result of a query (PQclear it).  On failure:
 * false / NULL with *err filled, nothing logged.
 */
bool dbconn_exec(PGconn *c, const char *sql, int nparams,
    const char *const *params, struct dberror *err);
PGresult *dbconn_query(PGconn *c, const char *sql, int nparams,
    const char *const *params, struct dberror *err);

/*
 * In libpq's pipeline mode: read the next result, which should have status
 * want, and the NULL after it; false (*err filled by the first failure, not
 * by the aborted ones after it) otherwise.  dbconn_pipeline_end reads the
 * sync's result and leaves pipeline mode: ok and all that went well.
 */
bool dbconn_pipeline_result(PGconn *c, ExecStatusType want,
    struct dberror *err);
bool dbconn_pipeline_end(PGconn *c, bool ok, struct dberror *err);

/* Fill *err from a failed result (NULL: from the connection). */
void dbconn_error(PGconn *c, const PGresult *res, struct dberror *err);
bool dbconn_is(const struct dberror *err, const char *sqlstate);
/*
 * Is it worth trying again later: the connection, a serialization
 * failure or deadlock, resources, a cancel or shutdown (SQLSTATE classes
 * 08, 40, 53, 57, 58)?  Such errors say nothing about the data.
 */
bool dbconn_temporary(const struct dberror *err);

/*
 * Append a quoted identifier, schema.relname, or the column list
 * "prefix.col, ..." (prefix may be NULL) to out.  False (*err filled) when
 * libpq refuses the name (not valid in the client encoding).
 */
bool dbconn_quote(PGconn *c, struct buf *out, const char *ident,
    struct dberror *err);
bool dbconn_quote_table(PGconn *c, struct buf *out, const struct table *t,
    struct dberror *err);
bool dbconn_quote_columns(PGconn *c, struct buf *out, const struct table *t,
    const char *prefix, struct dberror *err);

/*
 * Warn when c's role is a superuser, who passes every privilege check:
 * rows may then go anywhere the --allow rules let them, with nothing of
 * the database's own to stop a rule written too wide.
 */
void dbconn_warn_superuser(PGconn *c);

#endif
