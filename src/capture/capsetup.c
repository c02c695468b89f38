/*
 * capsetup.c: the publication, guard, slot and node name.
 *
 * Names from the user travel as query parameters; where SQL needs an
 * identifier (DDL takes no parameters) it is looked up in the catalog and
 * quoted with PQescapeIdentifier.  The publication is made before the slot:
 * pgoutput reads it with the catalog as of each decoded transaction, and a
 * slot older than its publication would fail on its first transactions.
 */
#include <stdlib.h>
#include <string.h>

#include "capsetup.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/node.h"
#include "common/pgconn.h"
#include "common/xalloc.h"

static const char guard_schema[] = "CREATE SCHEMA IF NOT EXISTS pgmesh";

static const char guard_function[] =
    "CREATE OR REPLACE FUNCTION pgmesh.guard() RETURNS trigger "
    "LANGUAGE plpgsql AS $guard$ BEGIN "
    "RAISE EXCEPTION 'pgmesh: table %.% is insert-only: % rejected', "
    "pg_catalog.quote_ident(TG_TABLE_SCHEMA), "
    "pg_catalog.quote_ident(TG_TABLE_NAME), TG_OP "
    "USING HINT = 'pgmesh replicates inserts only; correct a row by "
    "inserting a new one.'; END $guard$";

/* Drop the function when no trigger uses it, then the schema if empty. */
static const char guard_drop[] =
    "DO $drop$ BEGIN "
    "IF pg_catalog.to_regprocedure('pgmesh.guard()') IS NOT NULL AND "
    "NOT EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgfoid = "
    "pg_catalog.to_regprocedure('pgmesh.guard()')) THEN "
    "DROP FUNCTION pgmesh.guard(); "
    "BEGIN DROP SCHEMA pgmesh; "
    "EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END; "
    "END IF; END $drop$";

static bool
run(PGconn *conn, const char *what, const char *sql, int nparams,
    const char *const *params)
{
	PGresult *res = pgconn_query(conn, what, sql, nparams, params);

	PQclear(res);
	return res != NULL;
}

/*
 * Run sql, which acquires the slot for a moment: a session holding it
 * (a capture running, or a walsender whose capture is gone but not yet
 * noticed) makes it fail with object_in_use, SLOT_BUSY.
 */
static enum slot_result
run_on_slot(PGconn *conn, const char *what, const char *sql, int nparams,
    const char *const *params)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL,
	    NULL, 0);
	enum slot_result r = SLOT_OK;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_error("%s: %s", what, res != NULL ?
		    pgconn_result_error(res) : pgconn_error(conn));
		r = pgconn_in_use(res) ? SLOT_BUSY : SLOT_FAILED;
	}
	PQclear(res);
	return r;
}

/* Does sql (one parameter) return a row?  -1 after log_error. */
static int
exists(PGconn *conn, const char *what, const char *sql, const char *param)
{
	PGresult *res = pgconn_query(conn, what, sql, 1, &param);
	int n;

	if (res == NULL)
		return -1;
	n = PQntuples(res) > 0;
	PQclear(res);
	return n;
}

static bool
check_wal_level(PGconn *conn)
{
	char *level = pgconn_fetch_value(conn, "cannot read wal_level",
	    "SELECT pg_catalog.current_setting('wal_level')", 0, NULL);
	bool ok = level != NULL && strcmp(level, "logical") == 0;

	if (level != NULL && !ok)
		log_error("wal_level is %s; logical decoding needs wal_level = "
		    "logical (set it in postgresql.conf and restart the server)",
		    level);
	free(level);
	return ok;
}

/* Append schema.table, each quoted, from columns 0 and 1 of row i. */
static bool
append_table(PGconn *conn, struct buf *sql, const PGresult *res, int i)
{
	char *schema = pgconn_quote_ident(conn, PQgetvalue(res, i, 0));
	char *table = pgconn_quote_ident(conn, PQgetvalue(res, i, 1));
	bool ok = schema != NULL && table != NULL;

	if (ok) {
		buf_puts(sql, schema);
		buf_putc(sql, '.');
		buf_puts(sql, table);
	}
	free(schema);
	free(table);
	return ok;
}

/* The table a user named, as (schema, relname); NULL after log_error. */
static PGresult *
resolve_table(PGconn *conn, const char *name)
{
	PGresult *res = pgconn_query(conn, "cannot look up a table",
	    "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
	    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE c.oid = pg_catalog.to_regclass($1) AND c.relkind IN ('r', 'p')",
	    1, &name);

	if (res != NULL && PQntuples(res) == 0) {
		log_error("no table %s", name);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* ALTER PUBLICATION ... ADD TABLE for each named table not yet in it. */
static bool
add_tables(PGconn *conn, const struct capsetup *s, const char *pubq)
{
	for (int i = 0; i < s->ntables; i++) {
		const char *params[] = { s->publication, s->tables[i] };
		PGresult *res, *in;
		struct buf sql;
		bool ok;

		if ((res = resolve_table(conn, s->tables[i])) == NULL)
			return false;
		/* pg_publication_rel, not pg_publication_tables: that view
		 * lists a partitioned table's partitions instead of it. */
		in = pgconn_query(conn, "cannot read the publication",
		    "SELECT FROM pg_catalog.pg_publication_rel r "
		    "JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid "
		    "WHERE p.pubname = $1 AND r.prrelid = pg_catalog.to_regclass($2)",
		    2, params);
		ok = in != NULL;
		if (ok && PQntuples(in) == 0) {
			buf_init(&sql);
			buf_puts(&sql, "ALTER PUBLICATION ");
			buf_puts(&sql, pubq);
			buf_puts(&sql, " ADD TABLE ");
			ok = append_table(conn, &sql, res, 0);
			buf_putc(&sql, '\0');
			ok = ok && run(conn, "cannot add a table to the publication",
			    sql.data, 0, NULL);
			buf_free(&sql);
		}
		PQclear(in);
		PQclear(res);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * The user tables of the database, for --init without a table list: not
 * the system's, not pgmesh's own, not partitions (their root is
 * published).  A publication FOR ALL TABLES would also take every table
 * created later, without a guard: those must be named with --init TABLE.
 */
static PGresult *
list_user_tables(PGconn *conn)
{
	return pgconn_query(conn, "cannot list the tables",
	    "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
	    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
	    "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgmesh') "
	    "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2", 0, NULL);
}

/* Append the tables named, quoted and separated by commas. */
static bool
append_named_tables(PGconn *conn, const struct capsetup *s, struct buf *sql)
{
	for (int i = 0; i < s->ntables; i++) {
		PGresult *res = resolve_table(conn, s->tables[i]);
		bool ok = res != NULL && append_table(conn, sql, res, 0);

		PQclear(res);
		if (!ok)
			return false;
		if (i + 1 < s->ntables)
			buf_puts(sql, ", ");
	}
	return true;
}

static bool
append_all_tables(PGconn *conn, struct buf *sql)
{
	PGresult *res = list_user_tables(conn);
	bool ok = res != NULL && PQntuples(res) > 0;

	if (res != NULL && PQntuples(res) == 0)
		log_error("no table to publish: create the tables first");
	for (int i = 0; ok && i < PQntuples(res); i++) {
		if (i > 0)
			buf_puts(sql, ", ");
		ok = append_table(conn, sql, res, i);
	}
	if (ok)
		log_notice("publishing and guarding every table of the database "
		    "(%d); a table created later is replicated once named with "
		    "--init TABLE", PQntuples(res));
	PQclear(res);
	return ok;
}

static bool
create_publication(PGconn *conn, const struct capsetup *s, const char *pubq)
{
	struct buf sql;
	bool ok;

	buf_init(&sql);
	buf_puts(&sql, "CREATE PUBLICATION ");
	buf_puts(&sql, pubq);
	buf_puts(&sql, " FOR TABLE ");
	ok = s->ntables > 0 ? append_named_tables(conn, s, &sql) :
	    append_all_tables(conn, &sql);
	/* A partitioned table's rows go out under its root's name: a
	 * destination may partition it differently, or not at all. */
	buf_puts(&sql, " WITH (publish = 'insert', "
	    "publish_via_partition_root = true)");
	buf_putc(&sql, '\0');
	ok = ok && run(conn, "cannot create the publication", sql.data, 0, NULL);
	buf_free(&sql);
	return ok;
}

/*
 * A publication FOR ALL TABLES (made by an older pgmesh, or by hand) would
 * publish tables without a guard.  It cannot be turned into a list: it
 * must be made again, and with it the slot, since a slot decodes with the
 * publication as it was at each transaction.
 */
static bool
check_not_all_tables(PGconn *conn, const struct capsetup *s)
{
	int all = exists(conn, "cannot read publications",
	    "SELECT FROM pg_catalog.pg_publication WHERE pubname = $1 "
	    "AND puballtables", s->publication);

	if (all == 1)
		log_error("publication %s is FOR ALL TABLES, which publishes "
		    "tables created later without a guard; once every consumer "
		    "has caught up, run --drop, then --init naming the tables",
		    s->publication);
	return all == 0;
}

static bool
ensure_publication(PGconn *conn, const struct capsetup *s)
{
	char *pubq = pgconn_quote_ident(conn, s->publication);
	int have = pubq == NULL ? -1 : exists(conn, "cannot read publications",
	    "SELECT FROM pg_catalog.pg_publication WHERE pubname = $1",
	    s->publication);
	bool ok = have >= 0;

	if (have == 0)
		ok = create_publication(conn, s, pubq);
	else if (have == 1)
		ok = check_not_all_tables(conn, s) && add_tables(conn, s, pubq);
	free(pubq);
	return ok;
}

/*
 * Every table the guard must cover: the publication's tables, and for a
 * partitioned one its whole tree.  A statement trigger fires only for the
 * table a statement names, so TRUNCATE (or UPDATE) of one partition
 * passes a guard on its root: each partition has a guard of its own.
 * $1 is the publication.
 */
#define GUARDED_TABLES \
	"WITH roots AS (SELECT DISTINCT coalesce(" \
	"pg_catalog.pg_partition_root(r), r) AS root FROM (SELECT " \
	"pg_catalog.format('%I.%I', schemaname, tablename)::regclass AS r " \
	"FROM pg_catalog.pg_publication_tables WHERE pubname = $1) pub) " \
	"SELECT DISTINCT n.nspname, c.relname, c.oid FROM roots, LATERAL " \
	"(SELECT root AS relid UNION " \
	"SELECT relid FROM pg_catalog.pg_partition_tree(root)) t " \
	"JOIN pg_catalog.pg_class c ON c.oid = t.relid " \
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"

/* Run prefix, the quoted table, suffix. */
static bool
run_on_table(PGconn *conn, const char *what, const char *prefix,
    const char *table, const char *suffix)
{
	struct buf sql;
	bool ok;

	buf_init(&sql);
	buf_puts(&sql, prefix);
	buf_puts(&sql, table);
	buf_puts(&sql, suffix);
	buf_putc(&sql, '\0');
	ok = run(conn, what, sql.data, 0, NULL);
	buf_free(&sql);
	return ok;
}

/*
 * The guard on one table, enabled ALWAYS, so that it fires in sessions
 * that replay changes (session_replication_role = replica) as well.
 */
static bool
guard_put(PGconn *conn, const char *table)
{
	return run_on_table(conn, "cannot create the guard",
	    "CREATE OR REPLACE TRIGGER pgmesh_guard BEFORE UPDATE OR DELETE "
	    "OR TRUNCATE ON ", table, " FOR EACH STATEMENT EXECUTE FUNCTION "
	    "pgmesh.guard()") &&
	    run_on_table(conn, "cannot create the guard", "ALTER TABLE ", table,
	    " ENABLE ALWAYS TRIGGER pgmesh_guard");
}

static bool
guard_take(PGconn *conn, const char *table)
{
	return run_on_table(conn, "cannot drop the guard",
	    "DROP TRIGGER IF EXISTS pgmesh_guard ON ", table, "");
}

/* Put (create) or take (drop) the guard on every table it covers. */
static bool
guard_tables(PGconn *conn, const struct capsetup *s, bool create)
{
	PGresult *res = pgconn_query(conn, "cannot read the publication",
	    GUARDED_TABLES " ORDER BY 1, 2", 1, &s->publication);
	bool ok = res != NULL;

	for (int i = 0; ok && i < PQntuples(res); i++) {
		struct buf table;

		buf_init(&table);
		ok = append_table(conn, &table, res, i);
		buf_putc(&table, '\0');
		ok = ok && (create ? guard_put(conn, table.data) :
		    guard_take(conn, table.data));
		buf_free(&table);
	}
	PQclear(res);
	return ok;
}

/*
 * Is every table the guard covers guarded?  A partition attached after
 * --init, or a guard someone disabled, lets UPDATE and DELETE through on a
 * replicated table: capture refuses until --init has put it back.
 */
static bool
check_guard(PGconn *conn, const struct capsetup *s)
{
	PGresult *res = pgconn_query(conn, "cannot read the guard",
	    "SELECT pg_catalog.format('%I.%I', g.nspname, g.relname), "
	    "coalesce(pg_catalog.pg_partition_root(g.oid), g.oid)::regclass "
	    "FROM (" GUARDED_TABLES ") g WHERE NOT EXISTS (SELECT FROM "
	    "pg_catalog.pg_trigger t WHERE t.tgrelid = g.oid AND "
	    "t.tgname = 'pgmesh_guard' AND t.tgenabled IN ('O', 'A')) "
	    "ORDER BY 1", 1, &s->publication);
	bool ok = res != NULL && PQntuples(res) == 0;

	if (res != NULL && !ok)
		log_error("table %s is published but its insert-only guard is "
		    "missing or disabled (run pgmesh-capture --init %s)",
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	return ok;
}

/*
 * Store a database setting (pgmesh.node, pgmesh.genesis), read back by
 * every later session.  The value goes in as a parameter of set_config(),
 * and ALTER DATABASE takes it FROM CURRENT.
 */
static bool
store_setting(PGconn *conn, const char *name, const char *value)
{
	const char *params[] = { name, value };
	char *db = pgconn_fetch_value(conn, "cannot read the database name",
	    "SELECT pg_catalog.current_database()", 0, NULL);
	char *dbq = db != NULL ? pgconn_quote_ident(conn, db) : NULL;
	struct buf sql;
	bool ok = dbq != NULL;

	buf_init(&sql);
	buf_puts(&sql, "ALTER DATABASE ");
	buf_puts(&sql, dbq != NULL ? dbq : "");
	buf_puts(&sql, " SET ");
	buf_puts(&sql, name);
	buf_puts(&sql, " FROM CURRENT");
	buf_putc(&sql, '\0');
	ok = ok && run(conn, "cannot store a setting",
	    "SELECT pg_catalog.set_config($1, $2, false)", 2, params);
	ok = ok && run(conn, "cannot store a setting", sql.data, 0, NULL);
	buf_free(&sql);
	free(dbq);
	free(db);
	return ok;
}

/*
 * The node's genesis: where the first slot made for it started, before
 * which pgmesh captured nothing of it.  A stream that starts there holds
 * the node's whole history, and says so (a P record of 0/0), which is
 * what lets a destination that never applied the node start it without
 * being told where (pgmesh-format(5)).  Kept from the first slot on: a
 * slot made later starts mid-history.
 */
static bool
store_genesis(PGconn *conn, const struct capsetup *s)
{
	lsn_t genesis;
	char *start;
	bool ok;

	if (!capsetup_genesis(conn, &genesis))
		return false;
	if (genesis != 0 && !s->rename)
		return true;
	start = pgconn_fetch_value(conn, "cannot read the slot",
	    "SELECT confirmed_flush_lsn FROM pg_catalog.pg_replication_slots "
	    "WHERE slot_name = $1", 1, &s->slot);
	ok = start != NULL && store_setting(conn, "pgmesh.genesis", start);
	free(start);
	return ok;
}

bool
capsetup_genesis(PGconn *conn, lsn_t *genesis)
{
	char *v = pgconn_fetch_value(conn, "cannot read pgmesh.genesis",
	    "SELECT pg_catalog.current_setting('pgmesh.genesis', true)", 0, NULL);
	bool ok;

	*genesis = 0;
	if (v == NULL)
		return false;
	ok = *v == '\0' || lsn_parse(v, strlen(v), genesis);
	if (!ok)
		log_error("the database setting pgmesh.genesis is not an LSN: %s", v);
	free(v);
	return ok;
}

char *
capsetup_node(PGconn *conn, const struct capsetup *s)
{
	char *stored = pgconn_fetch_value(conn, "cannot read pgmesh.node",
	    "SELECT pg_catalog.current_setting('pgmesh.node', true)", 0, NULL);

	if (stored == NULL)
		return NULL;
	if (*stored == '\0') {
		free(stored);
		if (s->node != NULL)
			return xstrdup(s->node);
		log_error("no node name: give --node NAME, or store it in the "
		    "database with --init --node NAME");
		return NULL;
	}
	if (!node_valid(stored, strlen(stored)))
		log_error("the database setting pgmesh.node is not a node name: %s",
		    stored);
	else if (s->node != NULL && strcmp(s->node, stored) != 0)
		log_error("--node %s, but this database is node %s "
		    "(database setting pgmesh.node)", s->node, stored);
	else
		return stored;
	free(stored);
	return NULL;
}

bool
capsetup_check(PGconn *conn, const struct capsetup *s)
{
	const char *params[] = { s->slot };
	PGresult *res;
	bool ok;
	int pub;

	if (!check_wal_level(conn))
		return false;
	res = pgconn_query(conn, "cannot read replication slots",
	    "SELECT plugin, database = pg_catalog.current_database() "
	    "FROM pg_catalog.pg_replication_slots WHERE slot_name = $1", 1, params);
	if (res == NULL)
		return false;
	ok = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "pgoutput") == 0 &&
	    strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	if (PQntuples(res) == 0)
		log_error("replication slot %s does not exist (create it with "
		    "pgmesh-capture --init)", s->slot);
	else if (!ok)
		log_error("replication slot %s is not a pgoutput slot of this "
		    "database", s->slot);
	PQclear(res);
	if (!ok)
		return false;
	pub = exists(conn, "cannot read publications",
	    "SELECT FROM pg_catalog.pg_publication WHERE pubname = $1",
	    s->publication);
	if (pub == 0)
		log_error("publication %s does not exist (create it with "
		    "pgmesh-capture --init)", s->publication);
	return pub == 1 && check_guard(conn, s);
}

bool
capsetup_init(PGconn *conn, const struct capsetup *s)
{
	char *node;
	int slot;

	if (!check_wal_level(conn))
		return false;
	/* A new name needs no agreement with the old one. */
	node = s->rename ? xstrdup(s->node) : capsetup_node(conn, s);
	if (node == NULL)
		return false;
	if (s->node != NULL && !store_setting(conn, "pgmesh.node", s->node)) {
		free(node);
		return false;
	}
	free(node);
	if (!run(conn, "cannot begin", "BEGIN", 0, NULL) ||
	    !ensure_publication(conn, s) ||
	    !run(conn, "cannot create the guard", guard_schema, 0, NULL) ||
	    !run(conn, "cannot create the guard", guard_function, 0, NULL) ||
	    !guard_tables(conn, s, true) ||
	    !run(conn, "cannot commit", "COMMIT", 0, NULL))
		return false;
	/* A slot cannot be made in a transaction that has written. */
	slot = exists(conn, "cannot read replication slots",
	    "SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
	    s->slot);
	if (slot == 0)
		return run(conn, "cannot create the replication slot",
		    "SELECT pg_catalog.pg_create_logical_replication_slot($1, "
		    "'pgoutput')", 1, &s->slot) && store_genesis(conn, s);
	return slot == 1 && capsetup_check(conn, s) &&
	    (!s->rename || store_genesis(conn, s));
}

enum slot_result
capsetup_drop(PGconn *conn, const struct capsetup *s)
{
	enum slot_result r;
	char *pubq;
	int slot, pub;
	bool ok;

	slot = exists(conn, "cannot read replication slots",
	    "SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
	    s->slot);
	if (slot < 0)
		return SLOT_FAILED;
	if (slot == 1 && (r = run_on_slot(conn, "cannot drop the replication "
	    "slot", "SELECT pg_catalog.pg_drop_replication_slot($1)", 1,
	    &s->slot)) != SLOT_OK)
		return r;
	pub = exists(conn, "cannot read publications",
	    "SELECT FROM pg_catalog.pg_publication WHERE pubname = $1",
	    s->publication);
	if (pub < 0 || (pubq = pgconn_quote_ident(conn, s->publication)) == NULL)
		return SLOT_FAILED;
	ok = run(conn, "cannot begin", "BEGIN", 0, NULL);
	if (ok && pub == 1) {
		struct buf sql;

		buf_init(&sql);
		buf_puts(&sql, "DROP PUBLICATION ");
		buf_puts(&sql, pubq);
		buf_putc(&sql, '\0');
		ok = guard_tables(conn, s, false) &&
		    run(conn, "cannot drop the publication", sql.data, 0, NULL);
		buf_free(&sql);
	}
	free(pubq);
	ok = ok && run(conn, "cannot drop the guard", guard_drop, 0, NULL) &&
	    run(conn, "cannot commit", "COMMIT", 0, NULL);
	return ok ? SLOT_OK : SLOT_FAILED;
}

/*
 * The slot can give only what it has not confirmed: an --after before its
 * confirmed position would leave a gap the consumer never sees, and one
 * past the end of the WAL is a position from some other server.  The one
 * exception is 0/0, a consumer that has nothing yet (a slot cannot tell a
 * new consumer from one that lost everything; rows from before the slot
 * existed must be copied by other means in either case).
 */
enum slot_result
capsetup_position(PGconn *conn, const struct capsetup *s, const lsn_t *after,
    bool advance, lsn_t *wal_end, lsn_t *start)
{
	char lsn[LSN_BUFSIZE], other[LSN_BUFSIZE];
	const char *params[] = { s->slot, lsn };
	PGresult *res;
	lsn_t confirmed = 0;
	const char *v;

	res = pgconn_query(conn, "cannot read the slot",
	    "SELECT confirmed_flush_lsn, pg_catalog.pg_current_wal_lsn() "
	    "FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
	    1, params);
	if (res == NULL)
		return SLOT_FAILED;
	if (PQntuples(res) != 1) {
		log_error("replication slot %s does not exist", s->slot);
		PQclear(res);
		return SLOT_FAILED;
	}
	v = PQgetvalue(res, 0, 0);
	lsn_parse(v, strlen(v), &confirmed);
	v = PQgetvalue(res, 0, 1);
	lsn_parse(v, strlen(v), wal_end);
	PQclear(res);
	*start = confirmed;
	if (after == NULL)
		return SLOT_OK;
	/* 0/0 is what a destination that never applied anything of this node
	 * reports (apply --position): it starts where the slot stands. */
	if (*after == 0) {
		if (confirmed > 0)
			log_notice("--after 0/0: the consumer holds nothing yet; "
			    "starting where slot %s stands (%s)", s->slot,
			    lsn_format(confirmed, other));
		return SLOT_OK;
	}
	*start = *after;
	lsn_format(*after, lsn);
	if (confirmed > *after) {
		log_error("slot %s has confirmed up to %s, past --after %s: the "
		    "transactions in between are no longer in the slot",
		    s->slot, lsn_format(confirmed, other), lsn);
		return SLOT_BAD_AFTER;
	}
	if (*after > *wal_end) {
		log_error("--after %s is past the end of this server's WAL", lsn);
		return SLOT_BAD_AFTER;
	}
	if (advance && *after > confirmed)
		return run_on_slot(conn, "cannot confirm --after to the slot",
		    "SELECT pg_catalog.pg_replication_slot_advance($1, "
		    "$2::pg_catalog.pg_lsn)", 2, params);
	return SLOT_OK;
}
