/*
 * digestkeys.c: the keys and row hashes of small buckets, which name the
 * rows that differ (digest.h).
 *
 * A bucket's count and hash say that it differs, not which row.  So the
 * rows of the buckets small enough to list (at most the key limit) are
 * read again, each as its key ("id=42", values escaped as in change text)
 * and the hash of the whole row, all the table's small buckets in one
 * query.  pgmesh-verify --compare asks here for the keys of a bucket that
 * differs, when the other digest listed its keys (digestcmp.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest_int.h"
#include "common/copytext.h"
#include "common/pgconn.h"
#include "common/xalloc.h"

void
digest_keys_free(struct digest_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i].key);
	free(keys);
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
	PGresult *res = tabledef_query_bucketed(conn, def, nbuckets, "s.*",
	    " WHERE b = ANY ($2::bigint[])", array);
	size_t base = *nkeys;

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

/* Every non-empty bucket of at most key_limit rows, in one query. */
bool
digest_small_bucket_keys(PGconn *conn, const struct tabledef *def,
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

bool
digest_bucket_keys(PGconn *conn, const char *table, unsigned nbuckets,
    unsigned bucket, struct digest_key **keys, size_t *nkeys)
{
	struct tabledef def;
	char array[32];
	PGresult *res;
	bool ok;

	*keys = NULL;
	*nkeys = 0;
	res = tabledef_find(conn, table);
	if (res == NULL)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return true;
	}
	ok = tabledef_load(conn, res, 0, &def);
	PQclear(res);
	snprintf(array, sizeof(array), "{%u}", bucket);
	ok = ok && query_keys(conn, &def, nbuckets, array, keys, nkeys);
	tabledef_free(&def);
	return ok;
}
