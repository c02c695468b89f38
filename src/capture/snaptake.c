/*
 * snaptake.c: a join snapshot of this node, as change text.
 *
 * The rows come from a REPEATABLE READ transaction on a replication
 * connection that creates a temporary logical slot with SNAPSHOT 'use':
 * PostgreSQL then makes the transaction's snapshot the one the slot's
 * decoding starts from, and returns the slot's consistent point C.  Every
 * transaction whose commit record is before C is visible to the snapshot;
 * every one after C would be decoded by the slot (snapbuild.c builds the
 * snapshot from the decoded commits, not from the process array, and waits
 * for the transactions running when it starts).
 *
 * The watermarks, and why they are safe:
 *
 * This node's own origin: C.  pgmesh names a transaction by its commit end
 * LSN; a commit record ending at or below C starts before C, so the
 * transaction is visible.  The watermark is exact: a local transaction
 * above it is not in the snapshot.
 *
 * Any other origin X: the progress of X's replication origin, read BEFORE
 * the slot is created.  Replication origin progress is not MVCC: it is
 * raised in shared memory while the commit record is written, before the
 * transaction becomes visible, so progress read after (or while) taking a
 * snapshot can name a transaction the snapshot does not see, and a new
 * node that believed it would never get that transaction.  Read before:
 *   1. progress p for X was read at time t0, so the commit record of the
 *      transaction that raised it to p was in the WAL before t0; and so
 *      were those of every earlier transaction of X, since pgmesh-apply
 *      applies an origin's transactions in LSN order through one session,
 *      and raises progress without a commit (pg_replication_origin_advance,
 *      after a snapshot load) only once the rows it stands for committed;
 *   2. the slot is created after t0, so C is past all those records;
 *   3. so each of X's transactions at or below p is visible.
 * The watermark may be low: X's transactions applied here between t0 and C
 * are in the snapshot and will come again from the streams, duplicates
 * that apply recognises.  Low is safe, high would lose rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snaptake.h"
#include "common/catalog.h"
#include "common/copytext.h"
#include "common/log.h"
#include "common/node.h"
#include "common/pgconn.h"
#include "common/textwrite.h"
#include "common/xalloc.h"

/* Output is written out past this much: memory stays bounded. */
#define FLUSH_BYTES (1 << 20)

struct taker {
	const struct snaptake_options *o;
	PGconn *meta;
	PGconn *repl;
	struct catalog *cat;
	const struct table **tables;
	int ntables;
	struct buf out;
	struct textwriter w;
	uint64_t rows;
	enum snaptake_result failed;	/* SNAPTAKE_OK while all is well */
};

static bool
fail(struct taker *k, PGconn *conn)
{
	if (k->failed == SNAPTAKE_OK)
		k->failed = PQstatus(conn) == CONNECTION_BAD ? SNAPTAKE_LOST :
		    SNAPTAKE_FAILED;
	return false;
}

/* The columns of relation oid that capture sends: generated ones are
 * left out, as pgoutput leaves them out, and computed by each node. */
static const struct table *
define_table(struct taker *k, const char *schema, const char *relname,
    const char *oid)
{
	static const char sql[] =
	    "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
	    "FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::oid "
	    "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
	    "ORDER BY a.attnum";
	const char *params[1] = { oid };
	PGresult *res = pgconn_query(k->meta, "reading the columns of a table",
	    sql, 1, params);
	const struct table *t = NULL;
	struct column *cols;
	int n;

	if (res == NULL)
		return NULL;
	n = PQntuples(res);
	cols = xcalloc((size_t)n + 1, sizeof(*cols));
	for (int i = 0; i < n; i++)
		cols[i] = (struct column){ PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1) };
	if (n == 0)
		log_error("table %s.%s has no columns to copy", schema, relname);
	else
		t = catalog_define_parts(k->cat, schema, relname, n, cols);
	free(cols);
	PQclear(res);
	return t;
}

static bool
add_table(struct taker *k, const char *schema, const char *relname,
    const char *oid)
{
	const struct table *t = define_table(k, schema, relname, oid);

	if (t == NULL)
		return fail(k, k->meta);
	k->tables = xreallocarray(k->tables, (size_t)k->ntables + 1,
	    sizeof(*k->tables));
	k->tables[k->ntables++] = t;
	return true;
}

static bool
add_tables(struct taker *k, PGresult *res)
{
	bool ok = true;

	for (int i = 0; ok && i < PQntuples(res); i++)
		ok = add_table(k, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2));
	PQclear(res);
	return ok;
}

/* The publication's tables, partitioned ones by their root, as capture
 * publishes them, so that a snapshot reads every partition. */
static const char published_sql[] =
    "SELECT schemaname, tablename, pg_catalog.format('%I.%I', schemaname, "
    "tablename)::regclass::oid FROM pg_catalog.pg_publication_tables "
    "WHERE pubname = $1 ORDER BY 1, 2";

/* A database that captures nothing (a hub's, which applies everything):
 * every table of its own, partitioned ones by their root. */
static const char all_sql[] =
    "SELECT n.nspname, c.relname, c.oid FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
    "AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' "
    "AND n.nspname <> 'pgmesh' ORDER BY 1, 2";

static const char named_sql[] =
    "SELECT n.nspname, c.relname, c.oid FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.oid = $1::regclass";

/* 1 when the publication exists, 0 when not, -1 on failure (logged). */
static int
publication_exists(struct taker *k)
{
	const char *params[1] = { k->o->publication };
	PGresult *res = pgconn_query(k->meta, "reading publications",
	    "SELECT FROM pg_catalog.pg_publication WHERE pubname = $1", 1,
	    params);
	int n = res == NULL ? -1 : PQntuples(res) > 0;

	PQclear(res);
	return n;
}

/* The tables named; or the publication's; or, on a node without one,
 * every table. */
static bool
list_tables(struct taker *k)
{
	PGresult *res;
	int published;

	for (int i = 0; i < k->o->ntables; i++) {
		const char *params[1] = { k->o->tables[i] };

		res = pgconn_query(k->meta, k->o->tables[i], named_sql, 1,
		    params);
		if (res == NULL || !add_tables(k, res))
			return fail(k, k->meta);
	}
	if (k->o->ntables > 0)
		return true;
	if ((published = publication_exists(k)) < 0)
		return fail(k, k->meta);
	if (published) {
		const char *params[1] = { k->o->publication };

		res = pgconn_query(k->meta, "listing the publication's tables",
		    published_sql, 1, params);
	} else {
		log_verbose("no publication %s: a snapshot of every table",
		    k->o->publication);
		res = pgconn_query(k->meta, "listing the tables", all_sql, 0,
		    NULL);
	}
	if (res == NULL || !add_tables(k, res))
		return fail(k, k->meta);
	if (k->ntables == 0)
		log_warn("%s: the snapshot is empty", published ?
		    "the publication has no tables" : "the database has no "
		    "tables");
	return true;
}

/* Flush what is buffered once it is big enough (or at the end). */
static bool
flush_output(struct taker *k, bool all)
{
	if (!all && k->out.len < FLUSH_BYTES)
		return true;
	if (textwriter_flush(&k->w, k->o->fd, "standard output"))
		return true;
	k->failed = SNAPTAKE_OUTPUT_FAILED;
	return false;
}

/*
 * The watermark of every other origin: its progress here, read before the
 * snapshot is taken (see the top of this file for why before).
 */
static bool
write_watermarks(struct taker *k)
{
	PGresult *res = pgconn_query(k->meta, "reading replication origin "
	    "progress", NODE_ORIGINS_SQL, 0, NULL);

	if (res == NULL)
		return fail(k, k->meta);
	for (int i = 0; i < PQntuples(res); i++) {
		const char *node = PQgetvalue(res, i, 0);
		const char *v = PQgetvalue(res, i, 1);
		lsn_t lsn = 0;

		if (PQgetisnull(res, i, 1) || strcmp(node, k->o->node) == 0)
			continue;
		if (!lsn_parse(v, strlen(v), &lsn)) {
			log_error("origin %s: the server returned a bad LSN "
			    "\"%s\"", node, v);
			PQclear(res);
			return fail(k, k->meta);
		}
		if (lsn != 0)
			textwriter_watermark(&k->w, node, lsn);
	}
	PQclear(res);
	return true;
}

/* A command on the replication connection, which takes simple queries
 * only; its result when it succeeded, else NULL after log_error. */
static PGresult *
repl_command(struct taker *k, const char *what, const char *sql)
{
	PGresult *res = PQexec(k->repl, sql);

	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	log_error("%s: %s", what, pgconn_result_error(res));
	PQclear(res);
	fail(k, k->repl);
	return NULL;
}

/*
 * Open the snapshot: a REPEATABLE READ transaction whose snapshot is the
 * new temporary slot's, at its consistent point *at.  The slot goes with
 * the connection; nothing is ever decoded from it.
 */
static bool
open_snapshot(struct taker *k, lsn_t *at)
{
	char sql[128];
	PGresult *res;
	const char *v;

	if ((res = repl_command(k, "starting the snapshot transaction",
	    "BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ")) == NULL)
		return false;
	PQclear(res);
	snprintf(sql, sizeof(sql), "CREATE_REPLICATION_SLOT pgmesh_snapshot_%ld "
	    "TEMPORARY LOGICAL pgoutput (SNAPSHOT 'use')", (long)getpid());
	if ((res = repl_command(k, "creating a temporary slot for the "
	    "snapshot", sql)) == NULL)
		return false;
	v = PQntuples(res) == 1 && PQnfields(res) >= 2 ?
	    PQgetvalue(res, 0, 1) : "";
	if (!lsn_parse(v, strlen(v), at)) {
		log_error("CREATE_REPLICATION_SLOT returned no consistent point");
		PQclear(res);
		return fail(k, k->repl);
	}
	PQclear(res);
	return true;
}

/* COPY (SELECT "a", "b" FROM "s"."t") TO STDOUT */
static char *
copy_statement(struct taker *k, const struct table *t)
{
	struct buf sql;
	char *q;

	buf_init(&sql);
	buf_puts(&sql, "COPY (SELECT ");
	for (int i = 0; i < t->ncols; i++) {
		if ((q = pgconn_quote_ident(k->repl, t->cols[i].name)) == NULL)
			goto failed;
		buf_puts(&sql, i > 0 ? ", " : "");
		buf_puts(&sql, q);
		free(q);
	}
	buf_puts(&sql, " FROM ");
	if ((q = pgconn_quote_ident(k->repl, t->schema)) == NULL)
		goto failed;
	buf_puts(&sql, q);
	free(q);
	buf_putc(&sql, '.');
	if ((q = pgconn_quote_ident(k->repl, t->relname)) == NULL)
		goto failed;
	buf_puts(&sql, q);
	free(q);
	buf_puts(&sql, ") TO STDOUT");
	buf_putc(&sql, '\0');
	return sql.data;
failed:
	buf_free(&sql);
	return NULL;
}

/* Every row of t, each COPY line turned into an I record. */
static bool
copy_table(struct taker *k, const struct table *t)
{
	struct timespec t0, t1;
	uint64_t rows = 0, bytes = 0;
	char *sql = copy_statement(k, t), *line;
	PGresult *res;
	int len;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sql == NULL)
		return fail(k, k->repl);
	res = PQexec(k->repl, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		log_error("table %s: COPY failed: %s", t->name,
		    pgconn_result_error(res));
		PQclear(res);
		return fail(k, k->repl);
	}
	PQclear(res);
	while ((len = PQgetCopyData(k->repl, &line, 0)) > 0) {
		size_t n = (size_t)len - 1;	/* without its newline */

		textwriter_row_text(&k->w, t, line,
		    copytext_from_copy_out(line, n));
		PQfreemem(line);
		rows++;
		bytes += (size_t)len;
		if (!flush_output(k, false))
			return false;
	}
	res = PQgetResult(k->repl);
	if (len != -1 || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("table %s: COPY failed: %s", t->name,
		    pgconn_error(k->repl));
		PQclear(res);
		return fail(k, k->repl);
	}
	PQclear(res);
	while ((res = PQgetResult(k->repl)) != NULL)
		PQclear(res);
	k->rows += rows;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec -
	    t0.tv_nsec) / 1e9;
	log_verbose("table %s: %" PRIu64 " rows, %" PRIu64 " bytes, %.0f "
	    "rows/s", t->name, rows, bytes, s > 0 ? (double)rows / s : 0.0);
	return true;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool
take(struct taker *k)
{
	struct snapshot snap = { .taken = 0 };
	bool whole = k->o->ntables == 0;
	char at[LSN_BUFSIZE];
	lsn_t c;

	snprintf(snap.source, sizeof(snap.source), "%s", k->o->node);
	if (!list_tables(k))
		return false;
	/* S and the other origins' watermarks are only buffered here: they
	 * must be read before the slot exists, and written with it. */
	snap.taken = now_us();
	textwriter_snapshot_begin(&k->w, &snap);
	/* Progress is per origin, not per table: a snapshot of some tables
	 * says nothing of the transactions of others, so it has no
	 * watermark (it adds a table to a network, see pgmesh(7)). */
	if ((whole && !write_watermarks(k)) || !open_snapshot(k, &c))
		return false;
	if (whole)
		textwriter_watermark(&k->w, k->o->node, c);
	log_verbose("snapshot of %s at %s", k->o->node, lsn_format(c, at));
	for (int i = 0; i < k->ntables; i++)
		if (!copy_table(k, k->tables[i]))
			return false;
	textwriter_snapshot_end(&k->w, &snap, k->rows);
	return flush_output(k, true);
}

enum snaptake_result
snaptake_run(PGconn *meta, const struct snaptake_options *o)
{
	struct taker k = { .o = o, .meta = meta, .cat = catalog_new() };
	enum pgconn_failure why;

	buf_init(&k.out);
	textwriter_init(&k.w, &k.out);
	if ((k.repl = pgconn_open(o->conninfo, true, &why)) == NULL)
		k.failed = why == PGCONN_UNREACHABLE ? SNAPTAKE_LOST :
		    SNAPTAKE_FAILED;
	else
		take(&k);
	PQfinish(k.repl);
	textwriter_free(&k.w);
	buf_free(&k.out);
	free(k.tables);
	catalog_free(k.cat);
	return k.failed;
}
