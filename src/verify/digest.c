/*
 * digest.c: compute table digests in the database.
 *
 * The work happens server-side, in one scan per table: each row is hashed
 * (digestdef.c says how) and the hashes are summed.  sum(bigint)
 * accumulates exactly, so the result, taken modulo 2^64 here, is the same
 * whatever order the rows come in, and whatever plan (parallel or not) the
 * server chooses.  Only a few numbers per table cross the connection,
 * which is what keeps a digest close to the cost of reading the table
 * once.
 *
 * Table totals are the sums of their buckets (count and hash sum are both
 * additive), so bucketing does not scan twice.  Listing the keys of small
 * buckets does read them again (digestkeys.c).
 */
#include <stdlib.h>
#include <string.h>

#include "digest_int.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/xalloc.h"

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

/* Per-bucket counts and hashes; the table's are their sums. */
static bool
digest_buckets(PGconn *conn, const struct tabledef *def, unsigned nbuckets,
    struct digest_table *dt)
{
	PGresult *res = tabledef_query_bucketed(conn, def, nbuckets,
	    "b, count(*), sum(h)::text", " GROUP BY b", NULL);

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

static bool
digest_table(PGconn *conn, const PGresult *found, int row, struct digest *d)
{
	struct tabledef def;
	struct digest_table *dt;
	bool ok;

	d->tables = xreallocarray(d->tables, d->ntables + 1, sizeof(*d->tables));
	dt = &d->tables[d->ntables++];
	memset(dt, 0, sizeof(*dt));
	ok = tabledef_load(conn, found, row, &def);
	dt->name = xstrdup(def.name);
	if (ok && d->nbuckets == 0)
		ok = digest_whole(conn, &def, dt);
	else if (ok)
		ok = digest_buckets(conn, &def, d->nbuckets, dt) &&
		    digest_small_bucket_keys(conn, &def, d, dt);
	tabledef_free(&def);
	return ok;
}

enum digest_result
digest_compute(PGconn *conn, char *const *names, size_t nnames,
    bool missing_ok, struct digest *d)
{
	PGresult *res;
	bool ok = true;

	if (nnames == 0) {
		res = tabledef_list(conn);
		if (res == NULL)
			return DIGEST_DB_ERROR;
		for (int i = 0; i < PQntuples(res) && ok; i++)
			ok = digest_table(conn, res, i, d);
		PQclear(res);
	}
	for (size_t i = 0; i < nnames && ok; i++) {
		res = tabledef_find(conn, names[i]);
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
