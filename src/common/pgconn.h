/*
 * pgconn.h: connections to PostgreSQL, for every program that has one.
 *
 * The conninfo is handed to libpq as the user gave it (so PG* variables,
 * .pgpass and pg_service.conf work as with psql); replication=database is
 * added on top for the walsender.  Sessions that read values (capture's,
 * verify's) get the same settings, so that values come out in one spelling
 * whatever the server's defaults.
 */
#ifndef PGMESH_PGCONN_H
#define PGMESH_PGCONN_H

#include <stdbool.h>

#include <libpq-fe.h>

/* Does conninfo parse?  False after log_error with libpq's reason. */
bool pgconn_check_conninfo(const char *conninfo);

/*
 * Why no connection was made, for the program to choose its exit status:
 * whether to try again later, or to fix something first.
 */
enum pgconn_failure {
	PGCONN_BAD_SETTINGS,	/* libpq made no attempt: a setting it
				 * cannot use (sslmode=bogus) */
	PGCONN_UNREACHABLE,	/* no answer, or the server is starting up
				 * or shutting down, or went away */
	PGCONN_REFUSED,		/* the server answered and said no: a login,
				 * a password, a database that does not
				 * exist, no permission to connect */
};

/*
 * Connect (replication=database when replication); NULL after log_error,
 * with *failure saying why.  pgconn_open also applies the session
 * settings, for a session whose output must be spelled the same whatever
 * the server's defaults.
 */
PGconn *pgconn_connect(const char *conninfo, bool replication,
    enum pgconn_failure *failure);
PGconn *pgconn_open(const char *conninfo, bool replication,
    enum pgconn_failure *failure);

/*
 * Run sql with text parameters; the result when it succeeded (tuples or
 * command), else NULL after log_error naming what was being done.
 */
PGresult *pgconn_query(PGconn *conn, const char *what, const char *sql,
    int nparams, const char *const *params);

/*
 * Run sql and return its first value, malloc'd ("" for SQL NULL or no
 * row); NULL after log_error.
 */
char *pgconn_fetch_value(PGconn *conn, const char *what, const char *sql,
    int nparams, const char *const *params);

/*
 * Did res fail because another session holds what the statement needs
 * (SQLSTATE object_in_use: a replication slot or origin acquired by
 * another backend)?  Something to try again later, not to fix.
 */
bool pgconn_in_use(const PGresult *res);

/* The identifier quoted for SQL, malloc'd; NULL after log_error. */
char *pgconn_quote_ident(PGconn *conn, const char *ident);

/*
 * Wait until conn's socket is readable or timeout_ms passes (-1: no
 * limit).  Returns 1 when readable, 0 on timeout or a signal (the caller
 * looks at its flags and comes back), -1 after log_error.
 */
int pgconn_wait(PGconn *conn, int timeout_ms);

/*
 * A libpq message folded onto one line (newlines and tabs become spaces),
 * in a static buffer: the connection's last error, a result's primary
 * message, or any.
 */
const char *pgconn_one_line(const char *msg);
const char *pgconn_error(PGconn *conn);
const char *pgconn_result_error(const PGresult *res);

#endif
