/*
 * digestdef.c: what the digest queries need to know of a table, read from
 * the catalog and turned into SQL (digest_int.h).
 *
 * Each row is turned into the text of ROW(col, ...) with its columns in
 * name order and hashed with hashtextextended (PostgreSQL's own 64-bit
 * hash, the one hash partitioning relies on being stable across versions).
 *
 * Buckets are hashtextextended of ROW(primary key columns) modulo N, made
 * non-negative; a table without a primary key is bucketed by whole rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest_int.h"
#include "common/catalog.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/xalloc.h"

static const char list_sql[] =
	"SELECT n.nspname, c.relname, c.oid FROM pg_class c "
	"JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
	"AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
	"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

static const char find_sql[] =
	"SELECT n.nspname, c.relname, c.oid FROM pg_class c "
	"JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')";

static const char columns_sql[] =
	"SELECT attname FROM pg_attribute WHERE attrelid = $1 "
	"AND attnum > 0 AND NOT attisdropped ORDER BY attname COLLATE \"C\"";

static const char pkey_sql[] =
	"SELECT a.attname FROM pg_index i JOIN pg_attribute a "
	"ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
	"WHERE i.indrelid = $1 AND i.indisprimary "
	"ORDER BY array_position(i.indkey::int2[], a.attnum)";

PGresult *
tabledef_list(PGconn *conn)
{
	return pgconn_query(conn, "list tables", list_sql, 0, NULL);
}

PGresult *
tabledef_find(PGconn *conn, const char *name)
{
	const char *params[] = { name };

	return pgconn_query(conn, "find table", find_sql, 1, params);
}

void
tabledef_free(struct tabledef *def)
{
	free(def->name);
	buf_free(&def->from);
	buf_free(&def->row);
	buf_free(&def->key);
	buf_free(&def->keysel);
	for (int i = 0; i < def->nkeycols; i++)
		free(def->keycols[i]);
	free(def->keycols);
}

/* Append "t.<quoted name>"; false after log_error. */
static bool
put_column(PGconn *conn, struct buf *out, const char *col)
{
	char *q = PQescapeIdentifier(conn, col, strlen(col));

	if (q == NULL) {
		log_error("column \"%s\": %s", col, PQerrorMessage(conn));
		return false;
	}
	buf_puts(out, "t.");
	buf_puts(out, q);
	PQfreemem(q);
	return true;
}

/* "hashtextextended(ROW(t.a, t.b)::text, 0)" over column `col` of res. */
static bool
put_row_hash(PGconn *conn, struct buf *out, const PGresult *res)
{
	buf_puts(out, "hashtextextended(ROW(");
	for (int i = 0; i < PQntuples(res); i++) {
		if (i > 0)
			buf_puts(out, ", ");
		if (!put_column(conn, out, PQgetvalue(res, i, 0)))
			return false;
	}
	buf_puts(out, ")::text, 0)");
	return true;
}

static bool
load_from(PGconn *conn, struct tabledef *def, const char *schema,
    const char *relname)
{
	char *qs = PQescapeIdentifier(conn, schema, strlen(schema));
	char *qr = PQescapeIdentifier(conn, relname, strlen(relname));
	bool ok = qs != NULL && qr != NULL;

	if (ok) {
		buf_puts(&def->from, qs);
		buf_putc(&def->from, '.');
		buf_puts(&def->from, qr);
		buf_putc(&def->from, '\0');
	} else {
		log_error("table %s: %s", def->name, PQerrorMessage(conn));
	}
	PQfreemem(qs);
	PQfreemem(qr);
	return ok;
}

/* The key expression and key column names: the primary key, or every
 * column (cols) when there is none. */
static bool
load_key(PGconn *conn, struct tabledef *def, const char *oid,
    const PGresult *cols)
{
	const char *params[] = { oid };
	const PGresult *key;
	PGresult *pk;
	bool ok;

	pk = pgconn_query(conn, "read primary key", pkey_sql, 1, params);
	if (pk == NULL)
		return false;
	key = PQntuples(pk) > 0 ? pk : cols;
	def->nkeycols = PQntuples(key);
	def->keycols = xcalloc((size_t)def->nkeycols + 1, sizeof(char *));
	ok = true;
	for (int i = 0; i < def->nkeycols && ok; i++) {
		def->keycols[i] = xstrdup(PQgetvalue(key, i, 0));
		buf_puts(&def->keysel, ", ");
		ok = put_column(conn, &def->keysel, def->keycols[i]);
	}
	buf_putc(&def->keysel, '\0');
	buf_puts(&def->key, "mod(mod(");
	ok = ok && put_row_hash(conn, &def->key, key);
	buf_puts(&def->key, ", $1::bigint) + $1::bigint, $1::bigint)");
	PQclear(pk);
	return ok;
}

/* The columns of found are (schema, relname, oid). */
bool
tabledef_load(PGconn *conn, const PGresult *found, int row,
    struct tabledef *def)
{
	const char *schema = PQgetvalue(found, row, 0);
	const char *relname = PQgetvalue(found, row, 1);
	const char *oid = PQgetvalue(found, row, 2);
	const char *params[] = { oid };
	struct buf name;
	PGresult *cols;
	bool ok;

	memset(def, 0, sizeof(*def));
	buf_init(&name);
	catalog_qualify(&name, schema, relname);
	buf_putc(&name, '\0');
	def->name = name.data;
	if (!load_from(conn, def, schema, relname))
		return false;
	cols = pgconn_query(conn, "read columns", columns_sql, 1, params);
	if (cols == NULL)
		return false;
	ok = put_row_hash(conn, &def->row, cols) && load_key(conn, def, oid, cols);
	buf_putc(&def->row, '\0');
	buf_putc(&def->key, '\0');
	PQclear(cols);
	return ok;
}

/*
 * "SELECT what FROM (SELECT bucket, hash, key columns FROM table t)
 * s(b, h, k1, ...)": the alias list renames every column, so a table
 * column called b or h cannot capture a reference.
 */
static void
put_bucketed(struct buf *sql, const struct tabledef *def, const char *what)
{
	char alias[32];

	buf_puts(sql, "SELECT ");
	buf_puts(sql, what);
	buf_puts(sql, " FROM (SELECT ");
	buf_puts(sql, def->key.data);
	buf_puts(sql, ", ");
	buf_puts(sql, def->row.data);
	buf_puts(sql, def->keysel.data);
	buf_puts(sql, " FROM ");
	buf_puts(sql, def->from.data);
	buf_puts(sql, " t) s(b, h");
	for (int i = 0; i < def->nkeycols; i++) {
		snprintf(alias, sizeof(alias), ", k%d", i + 1);
		buf_puts(sql, alias);
	}
	buf_putc(sql, ')');
}

PGresult *
tabledef_query_bucketed(PGconn *conn, const struct tabledef *def,
    unsigned nbuckets, const char *what, const char *rest,
    const char *buckets)
{
	char n[16];
	const char *params[] = { n, buckets };
	struct buf sql;
	PGresult *res;

	snprintf(n, sizeof(n), "%u", nbuckets);
	buf_init(&sql);
	put_bucketed(&sql, def, what);
	buf_puts(&sql, rest);
	buf_putc(&sql, '\0');
	res = pgconn_query(conn, def->name, sql.data, buckets ? 2 : 1, params);
	buf_free(&sql);
	return res;
}
