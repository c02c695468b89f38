/*
 * digest.h: what a database holds, in a few numbers per table.
 *
 * A table's digest is its row count and the sum, modulo 2^64, of a 64-bit
 * hash of each row's text form (columns in name order, so peers whose
 * columns were created in another order agree).  A sum does not depend on
 * the order rows are read in, and two peers with the same rows have the
 * same digest however the rows got there.  With buckets, rows are also
 * summed per bucket of their primary key (a hash of the key, modulo the
 * number of buckets), which localises a difference; the keys of small
 * buckets are listed with each row's hash, which names it.  The text form
 * of a digest is in digestfile.h.
 */
#ifndef PGMESH_DIGEST_H
#define PGMESH_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

/* One row of a small bucket: its key ("id=42", change text escapes) and
 * the hash of the whole row. */
struct digest_key {
	unsigned bucket;
	char *key;
	uint64_t hash;
};

struct digest_table {
	char *name;		/* qualified, as in change text */
	uint64_t rows;
	uint64_t hash;
	uint64_t *bucket_rows;	/* nbuckets of each, when nbuckets > 0 */
	uint64_t *bucket_hash;
	struct digest_key *keys;	/* sorted by bucket, then key */
	size_t nkeys;
};

struct digest {
	unsigned nbuckets;	/* 0: whole tables only */
	unsigned key_limit;	/* buckets of at most this many rows list keys */
	bool all_tables;	/* every user table, not the tables named */
	struct digest_table *tables;	/* sorted by name */
	size_t ntables;
};

#define DIGEST_MAX_BUCKETS 1000000

void digest_free(struct digest *d);
void digest_table_free(struct digest_table *t);
void digest_keys_free(struct digest_key *keys, size_t n);

enum digest_result {
	DIGEST_OK,
	DIGEST_NO_TABLE,	/* a table named does not exist (reported) */
	DIGEST_DB_ERROR		/* a query failed (reported) */
};

/*
 * Digest the tables named (every user table when nnames is 0) into d,
 * whose nbuckets and key_limit the caller set.  A named table that does
 * not exist is an error, unless missing_ok (then it is left out).
 */
enum digest_result digest_compute(PGconn *conn, char *const *names, size_t nnames,
    bool missing_ok, struct digest *d);

/* The keys and row hashes of one bucket of table, sorted by key. */
bool digest_bucket_keys(PGconn *conn, const char *table, unsigned nbuckets,
    unsigned bucket, struct digest_key **keys, size_t *nkeys);

/* Sort keys by bucket, then key (the order of the text form). */
void digest_keys_sort(struct digest_key *keys, size_t n);
/* Sort tables by name. */
void digest_tables_sort(struct digest *d);

#endif
