/*
 * pgconn.c: opening connections, running queries, and libpq's messages
 * folded onto one line (ours are one line each; libpq's often are not).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pgconn.h"
#include "xalloc.h"

/*
 * What every session runs before it decodes anything.  pgoutput calls the
 * types' output functions inside the server process that decodes (the
 * walsender, or the backend running the SQL decoding functions), so these
 * fix how timestamps, intervals, floats and bytea are spelled in change
 * text: exactly as COPY and psql print them in this environment.
 */
static const char session_settings[] =
    "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; "
    "SET IntervalStyle TO 'postgres'; SET extra_float_digits TO 3; "
    "SET bytea_output TO 'hex'; SET lc_monetary TO 'C'";

const char *
pgconn_one_line(const char *msg)
{
	static char line[1024];
	size_t n = 0;

	for (; *msg != '\0' && n < sizeof(line) - 1; msg++) {
		char c = *msg == '\n' || *msg == '\t' ? ' ' : *msg;

		if (c == ' ' && (n == 0 || line[n - 1] == ' '))
			continue;
		line[n++] = c;
	}
	while (n > 0 && line[n - 1] == ' ')
		n--;
	line[n] = '\0';
	return line;
}

const char *
pgconn_error(PGconn *conn)
{
	return pgconn_one_line(PQerrorMessage(conn));
}

const char *
pgconn_result_error(const PGresult *res)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	return pgconn_one_line(primary != NULL ? primary : PQresultErrorMessage(res));
}

bool
pgconn_check_conninfo(const char *conninfo)
{
	char *err = NULL;
	PQconninfoOption *opts;

	/* Like psql's -d, a bare word is a database name, not a conninfo. */
	if (strchr(conninfo, '=') == NULL &&
	    strncmp(conninfo, "postgresql://", 13) != 0 &&
	    strncmp(conninfo, "postgres://", 11) != 0)
		return true;
	if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
		log_error("bad connection string: %s",
		    err != NULL ? pgconn_one_line(err) : "out of memory");
		PQfreemem(err);
		return false;
	}
	PQconninfoFree(opts);
	return true;
}

/* Server notices ("already exists, skipping") are chatter unless -v. */
static void
pass_notice(void *arg, const char *message)
{
	(void)arg;
	log_verbose("server: %s", pgconn_one_line(message));
}

/*
 * Why the connection with these settings failed.  libpq's message says,
 * but in the server's language and libpq's, which change; its ping says
 * it in a word.  The ping connects once more: it finds the server as the
 * failed attempt did, or (rarely) as it has since become.  A server that
 * answers with any error but "starting up" or "shutting down" (SQLSTATE
 * cannot_connect_now) is up, so it refused us: PQPING_OK.  Too many
 * connections (53300) comes out as refused, too: libpq does not tell it
 * apart without its message.
 */
static enum pgconn_failure
classify(const char *const *keys, const char *const *vals)
{
	switch (PQpingParams(keys, vals, 1)) {
	case PQPING_OK:
		return PGCONN_REFUSED;
	case PQPING_NO_ATTEMPT:
		return PGCONN_BAD_SETTINGS;
	default:
		return PGCONN_UNREACHABLE;
	}
}

PGconn *
pgconn_connect(const char *conninfo, bool replication,
    enum pgconn_failure *failure)
{
	/* expand_dbname: the user's conninfo goes in dbname and is expanded;
	 * replication, after it, is the only thing added to it. */
	const char *keys[] = { "dbname", "fallback_application_name",
	    replication ? "replication" : NULL, NULL };
	const char *vals[] = { conninfo, progname, "database", NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);

	if (PQstatus(conn) != CONNECTION_OK) {
		log_error("cannot connect: %s", pgconn_error(conn));
		PQfinish(conn);
		*failure = classify(keys, vals);
		return NULL;
	}
	PQsetNoticeProcessor(conn, pass_notice, NULL);
	return conn;
}

PGconn *
pgconn_open(const char *conninfo, bool replication,
    enum pgconn_failure *failure)
{
	PGconn *conn = pgconn_connect(conninfo, replication, failure);
	PGresult *res;

	if (conn == NULL)
		return NULL;
	res = PQexec(conn, session_settings);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("cannot set up the session: %s", pgconn_result_error(res));
		*failure = PQstatus(conn) == CONNECTION_BAD ? PGCONN_UNREACHABLE :
		    PGCONN_REFUSED;
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

PGresult *
pgconn_query(PGconn *conn, const char *what, const char *sql, int nparams,
    const char *const *params)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL,
	    NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	log_error("%s: %s", what, res != NULL ? pgconn_result_error(res) :
	    pgconn_error(conn));
	PQclear(res);
	return NULL;
}

char *
pgconn_fetch_value(PGconn *conn, const char *what, const char *sql,
    int nparams, const char *const *params)
{
	PGresult *res = pgconn_query(conn, what, sql, nparams, params);
	char *value;

	if (res == NULL)
		return NULL;
	value = xstrdup(PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return value;
}

bool
pgconn_in_use(const PGresult *res)
{
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return sqlstate != NULL && strcmp(sqlstate, "55006") == 0;
}

char *
pgconn_quote_ident(PGconn *conn, const char *ident)
{
	char *quoted = PQescapeIdentifier(conn, ident, strlen(ident));
	char *copy;

	if (quoted == NULL) {
		log_error("cannot quote identifier %s: %s", ident,
		    pgconn_error(conn));
		return NULL;
	}
	copy = xstrdup(quoted);
	PQfreemem(quoted);
	return copy;
}

int
pgconn_wait(PGconn *conn, int timeout_ms)
{
	struct pollfd pfd = { .fd = PQsocket(conn), .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);

	if (n < 0 && errno != EINTR) {
		log_error("poll on the server connection: %s", strerror(errno));
		return -1;
	}
	return n > 0;
}
