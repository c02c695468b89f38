/*
 * dbconn.c: running statements, and keeping PostgreSQL's errors for apply
 * to classify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbconn.h"
#include "common/log.h"
#include "common/pgconn.h"

/* "COPY payments, line 3, column amount: ..." gives 3. */
static long
context_copy_line(const char *context)
{
	const char *p;

	if (context == NULL || strncmp(context, "COPY ", 5) != 0 ||
	    (p = strstr(context, ", line ")) == NULL)
		return 0;
	return strtol(p + 7, NULL, 10);
}

void
dbconn_error(PGconn *c, const PGresult *res, struct dberror *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL;
	const char *msg = res ? PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) : NULL;

	memset(err, 0, sizeof(*err));
	if (state != NULL)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	if (msg == NULL)
		msg = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) :
		    PQerrorMessage(c);
	snprintf(err->message, sizeof(err->message), "%s", pgconn_one_line(msg));
	if (res != NULL)
		err->copy_line = context_copy_line(PQresultErrorField(res,
		    PG_DIAG_CONTEXT));
	err->lost = PQstatus(c) != CONNECTION_OK;
}

bool
dbconn_is(const struct dberror *err, const char *sqlstate)
{
	return strcmp(err->sqlstate, sqlstate) == 0;
}

bool
dbconn_temporary(const struct dberror *err)
{
	static const char *const classes[] = { "08", "40", "53", "57", "58" };

	if (err->lost)
		return true;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strncmp(err->sqlstate, classes[i], 2) == 0)
			return true;
	return false;
}

PGresult *
dbconn_query(PGconn *c, const char *sql, int nparams,
    const char *const *params, struct dberror *err)
{
	PGresult *res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	dbconn_error(c, res, err);
	PQclear(res);
	return NULL;
}

bool
dbconn_exec(PGconn *c, const char *sql, int nparams,
    const char *const *params, struct dberror *err)
{
	PGresult *res = dbconn_query(c, sql, nparams, params, err);

	PQclear(res);
	return res != NULL;
}

bool
dbconn_pipeline_result(PGconn *c, ExecStatusType want, struct dberror *err)
{
	PGresult *res = PQgetResult(c);
	bool ok = PQresultStatus(res) == want;

	if (!ok && PQresultStatus(res) != PGRES_PIPELINE_ABORTED)
		dbconn_error(c, res, err);
	PQclear(res);
	if (want != PGRES_PIPELINE_SYNC)
		PQclear(PQgetResult(c));
	return ok;
}

bool
dbconn_pipeline_end(PGconn *c, bool ok, struct dberror *err)
{
	bool synced = dbconn_pipeline_result(c, PGRES_PIPELINE_SYNC, err);

	if (PQexitPipelineMode(c) != 1 && ok && synced) {
		dbconn_error(c, NULL, err);
		return false;
	}
	return ok && synced;
}

bool
dbconn_quote(PGconn *c, struct buf *out, const char *ident,
    struct dberror *err)
{
	char *q = PQescapeIdentifier(c, ident, strlen(ident));

	if (q == NULL) {
		dbconn_error(c, NULL, err);
		return false;
	}
	buf_puts(out, q);
	PQfreemem(q);
	return true;
}

bool
dbconn_quote_table(PGconn *c, struct buf *out, const struct table *t,
    struct dberror *err)
{
	if (!dbconn_quote(c, out, t->schema, err))
		return false;
	buf_putc(out, '.');
	return dbconn_quote(c, out, t->relname, err);
}

bool
dbconn_quote_columns(PGconn *c, struct buf *out, const struct table *t,
    const char *prefix, struct dberror *err)
{
	for (int i = 0; i < t->ncols; i++) {
		if (i > 0)
			buf_puts(out, ", ");
		if (prefix != NULL) {
			buf_puts(out, prefix);
			buf_putc(out, '.');
		}
		if (!dbconn_quote(c, out, t->cols[i].name, err))
			return false;
	}
	return true;
}

void
dbconn_warn_superuser(PGconn *c)
{
	const char *su = PQparameterStatus(c, "is_superuser");

	if (su != NULL && strcmp(su, "on") == 0)
		log_warn("role %s is a superuser: only the --allow rules guard "
		    "this database (pgmesh-apply(1) says which privileges a "
		    "role of its own needs)", PQuser(c));
}
