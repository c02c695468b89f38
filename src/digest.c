/*
 * digest.c: compute table digests in the database.
 *
 * The work happens server-side, in one scan per table: each row is turned
 * into the text of ROW(col, ...) with its columns in name order and hashed
 * with hashtextextended (PostgreSQL's own 64-bit hash, the one hash
 * partitioning relies on being stable across versions), and the hashes are
 * summed.  sum(bigint) accumulates exactly, so the result, taken modulo
 * 2^64 here, is the same whatever order the rows come in, and whatever plan
 * (parallel or not) the server chooses.  Only a few numbers per table cross
 * the connection, which is what keeps a digest close to the cost of
 * reading the table once.
 *
 * Buckets are hashtextextended of ROW(primary key columns) modulo N, made
 * non-negative; a table without a primary key is bucketed by whole rows.
 * Table totals are the sums of their buckets (count and hash sum are both
 * additive), so bucketing does not scan twice.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "copytext.h"
#include "digest.h"
#include "log.h"
#include "pgconn.h"
#include "xalloc.h"

/* What the queries need to know of one table. */
struct tabledef {
	char *name;		/* qualified, as in change text */
	struct buf from;	/* the quoted SQL name */
	struct buf row;		/* hash of the row's text */
	struct buf key;		/* bucket of the row's key, $1 buckets */
	struct buf keysel;	/* ", t.id, ...": the key's columns */
	char **keycols;		/* key column names, for naming keys */
	int nkeycols;
};

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

void
digest_keys_free(struct digest_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i].key);
	free(keys);
}

void
digest_table_free(struct digest_table *t)
{
	free(t->name);
	free(t->bucket_rows);
	free(t->bucket_hash);
	digest_keys_free(t->keys, t->nkeys);
}

void
digest_free(struct digest *d)
{
	for (size_t i = 0; i < d->ntables; i++)
		digest_table_free(&d->tables[i]);
	free(d->tables);
	d->tables = NULL;
	d->ntables = 0;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct digest_key *x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return strcmp(x->key, y->key);
}

void
digest_keys_sort(struct digest_key *keys, size_t n)
{
	if (n > 1)
		qsort(keys, n, sizeof(*keys), key_cmp);
}

static int
table_cmp(const void *a, const void *b)
{
	const struct digest_table *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void
digest_tables_sort(struct digest *d)
{
	if (d->ntables > 1)
		qsort(d->tables, d->ntables, sizeof(*d->tables), table_cmp);
}

/*
 * A sum of bigints as numeric text, modulo 2^64: unsigned arithmetic wraps
 * exactly there, and negation is two's complement.  NULL (no rows) is 0.
 */
static uint64_t
sum_mod64(const char *s)
{
	bool negative = *s == '-';
	uint64_t v = 0;

	for (s += negative; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return negative ? (uint64_t)0 - v : v;
}

static void
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

/* Learn table (schema, relname, oid) into def. */
static bool
tabledef_load(PGconn *conn, const char *schema, const char *relname,
    const char *oid, struct tabledef *def)
{
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

/* Whole-table count and hash. */
static bool
digest_whole(PGconn *conn, const struct tabledef *def, struct digest_table *dt)
{
	struct buf sql;
	PGresult *res;

	buf_init(&sql);
	buf_puts(&sql, "SELECT count(*), sum(");
	buf_puts(&sql, def->row.data);
	buf_puts(&sql, ")::text FROM ");
	buf_puts(&sql, def->from.data);
	buf_puts(&sql, " t");
	buf_putc(&sql, '\0');
	res = pgconn_query(conn, def->name, sql.data, 0, NULL);
	buf_free(&sql);
	if (res == NULL)
		return false;
	dt->rows = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	dt->hash = sum_mod64(PQgetvalue(res, 0, 1));
	PQclear(res);
	return true;
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

/* Per-bucket counts and hashes; the table's are their sums. */
static bool
digest_buckets(PGconn *conn, const struct tabledef *def, unsigned nbuckets,
    struct digest_table *dt)
{
	char n[16];
	const char *params[] = { n };
	struct buf sql;
	PGresult *res;

	snprintf(n, sizeof(n), "%u", nbuckets);
	buf_init(&sql);
	put_bucketed(&sql, def, "b, count(*), sum(h)::text");
	buf_puts(&sql, " GROUP BY b");
	buf_putc(&sql, '\0');
	res = pgconn_query(conn, def->name, sql.data, 1, params);
	buf_free(&sql);
	if (res == NULL)
		return false;
	dt->bucket_rows = xcalloc(nbuckets, sizeof(uint64_t));
	dt->bucket_hash = xcalloc(nbuckets, sizeof(uint64_t));
	for (int i = 0; i < PQntuples(res); i++) {
		unsigned long b = strtoul(PQgetvalue(res, i, 0), NULL, 10);

		if (b >= nbuckets)
			continue;	/* cannot happen: the mod is non-negative */
		dt->bucket_rows[b] = strtoull(PQgetvalue(res, i, 1), NULL, 10);
		dt->bucket_hash[b] = sum_mod64(PQgetvalue(res, i, 2));
		dt->rows += dt->bucket_rows[b];
		dt->hash += dt->bucket_hash[b];
	}
	PQclear(res);
	return true;
}

/* "id=42" or "a=1,b=x", values escaped as in change text. */
static char *
key_text(const struct tabledef *def, const PGresult *res, int row)
{
	struct buf k;

	buf_init(&k);
	for (int i = 0; i < def->nkeycols; i++) {
		if (i > 0)
			buf_putc(&k, ',');
		buf_puts(&k, def->keycols[i]);
		buf_putc(&k, '=');
		if (PQgetisnull(res, row, 2 + i))
			buf_puts(&k, "\\N");
		else
			copytext_escape(&k, PQgetvalue(res, row, 2 + i),
			    (size_t)PQgetlength(res, row, 2 + i));
	}
	buf_putc(&k, '\0');
	return k.data;
}

/* The rows of the buckets listed in array ("{3,17}"), appended to keys. */
static bool
query_keys(PGconn *conn, const struct tabledef *def, unsigned nbuckets,
    const char *array, struct digest_key **keys, size_t *nkeys)
{
	char n[16];
	const char *params[] = { n, array };
	struct buf sql;
	PGresult *res;
	size_t base = *nkeys;

	snprintf(n, sizeof(n), "%u", nbuckets);
	buf_init(&sql);
	put_bucketed(&sql, def, "s.*");
	buf_puts(&sql, " WHERE b = ANY ($2::bigint[])");
	buf_putc(&sql, '\0');
	res = pgconn_query(conn, def->name, sql.data, 2, params);
	buf_free(&sql);
	if (res == NULL)
		return false;
	*nkeys += (size_t)PQntuples(res);
	*keys = xreallocarray(*keys, *nkeys ? *nkeys : 1, sizeof(**keys));
	for (int i = 0; i < PQntuples(res); i++) {
		struct digest_key *k = &(*keys)[base + (size_t)i];

		k->bucket = (unsigned)strtoul(PQgetvalue(res, i, 0), NULL, 10);
		k->hash = (uint64_t)strtoll(PQgetvalue(res, i, 1), NULL, 10);
		k->key = key_text(def, res, i);
	}
	PQclear(res);
	digest_keys_sort(*keys, *nkeys);
	return true;
}

/* List the keys of every non-empty bucket of at most key_limit rows. */
static bool
digest_small_buckets(PGconn *conn, const struct tabledef *def,
    const struct digest *d, struct digest_table *dt)
{
	struct buf array;
	char num[16];
	bool ok = true;

	buf_init(&array);
	buf_putc(&array, '{');
	for (unsigned b = 0; b < d->nbuckets; b++) {
		if (dt->bucket_rows[b] == 0 || dt->bucket_rows[b] > d->key_limit)
			continue;
		snprintf(num, sizeof(num), "%s%u", array.len > 1 ? "," : "", b);
		buf_puts(&array, num);
	}
	buf_puts(&array, "}");
	buf_putc(&array, '\0');
	if (array.len > 3)
		ok = query_keys(conn, def, d->nbuckets, array.data, &dt->keys,
		    &dt->nkeys);
	buf_free(&array);
	return ok;
}

static bool
digest_table(PGconn *conn, const PGresult *found, int row, struct digest *d)
{
	struct tabledef def;
	struct digest_table *dt;
	bool ok;

	d->tables = xreallocarray(d->tables, d->ntables + 1, sizeof(*d->tables));
	dt = &d->tables[d->ntables++];
	memset(dt, 0, sizeof(*dt));
	ok = tabledef_load(conn, PQgetvalue(found, row, 0),
	    PQgetvalue(found, row, 1), PQgetvalue(found, row, 2), &def);
	dt->name = xstrdup(def.name);
	if (ok && d->nbuckets == 0)
		ok = digest_whole(conn, &def, dt);
	else if (ok)
		ok = digest_buckets(conn, &def, d->nbuckets, dt) &&
		    digest_small_buckets(conn, &def, d, dt);
	tabledef_free(&def);
	return ok;
}

enum digest_result
digest_compute(PGconn *conn, char *const *names, size_t nnames,
    bool missing_ok, struct digest *d)
{
	const char *params[1];
	PGresult *res;
	bool ok = true;

	if (nnames == 0) {
		res = pgconn_query(conn, "list tables", list_sql, 0, NULL);
		if (res == NULL)
			return DIGEST_DB_ERROR;
		for (int i = 0; i < PQntuples(res) && ok; i++)
			ok = digest_table(conn, res, i, d);
		PQclear(res);
	}
	for (size_t i = 0; i < nnames && ok; i++) {
		params[0] = names[i];
		res = pgconn_query(conn, "find table", find_sql, 1, params);
		if (res == NULL)
			return DIGEST_DB_ERROR;
		if (PQntuples(res) == 1)
			ok = digest_table(conn, res, 0, d);
		else if (!missing_ok) {
			log_error("database %s: no table %s", PQdb(conn), names[i]);
			PQclear(res);
			return DIGEST_NO_TABLE;
		}
		PQclear(res);
	}
	digest_tables_sort(d);
	return ok ? DIGEST_OK : DIGEST_DB_ERROR;
}

bool
digest_bucket_keys(PGconn *conn, const char *table, unsigned nbuckets,
    unsigned bucket, struct digest_key **keys, size_t *nkeys)
{
	const char *params[] = { table };
	struct tabledef def;
	char array[32];
	PGresult *res;
	bool ok;

	*keys = NULL;
	*nkeys = 0;
	res = pgconn_query(conn, "find table", find_sql, 1, params);
	if (res == NULL)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return true;
	}
	ok = tabledef_load(conn, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2), &def);
	PQclear(res);
	snprintf(array, sizeof(array), "{%u}", bucket);
	ok = ok && query_keys(conn, &def, nbuckets, array, keys, nkeys);
	tabledef_free(&def);
	return ok;
}
