/*
 * digestcmp.c: the difference between two digests, as lines a person can
 * act on.  Tables are matched by name (both lists are sorted), buckets by
 * number, keys by their text.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "digestcmp.h"
#include "common/log.h"

struct cmp {
	PGconn *conn;
	const char *what;	/* the other digest's name */
	unsigned nbuckets;
	unsigned key_limit;	/* the other digest's */
	struct buf *out;
};

static void PRINTFLIKE(2, 3)
say(struct cmp *c, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_puts(c->out, line);
	buf_putc(c->out, '\n');
}

/* Keys of bucket b in theirs: the range [*from, *to) of t->keys. */
static void
bucket_range(const struct digest_table *t, unsigned b, size_t *from, size_t *to)
{
	size_t i = 0;

	while (i < t->nkeys && t->keys[i].bucket < b)
		i++;
	*from = i;
	while (i < t->nkeys && t->keys[i].bucket == b)
		i++;
	*to = i;
}

/* Merge their keys of bucket b with ours, one line per key that differs. */
static void
compare_keys(struct cmp *c, const char *table, unsigned b,
    const struct digest_key *theirs, size_t nt,
    const struct digest_key *ours, size_t no)
{
	size_t i = 0, j = 0;

	while (i < nt || j < no) {
		int order = i == nt ? 1 : j == no ? -1 :
		    strcmp(theirs[i].key, ours[j].key);

		if (order < 0)
			say(c, "%s: bucket %u of %u: key %s: only in %s", table,
			    b, c->nbuckets, theirs[i++].key, c->what);
		else if (order > 0)
			say(c, "%s: bucket %u of %u: key %s: only here", table,
			    b, c->nbuckets, ours[j++].key);
		else {
			if (theirs[i].hash != ours[j].hash)
				say(c, "%s: bucket %u of %u: key %s: values differ",
				    table, b, c->nbuckets, ours[j].key);
			i++;
			j++;
		}
	}
}

static bool
compare_bucket(struct cmp *c, const struct digest_table *theirs,
    const struct digest_table *ours, unsigned b)
{
	struct digest_key *keys;
	size_t nkeys, from, to;

	if (theirs->bucket_rows[b] == ours->bucket_rows[b] &&
	    theirs->bucket_hash[b] == ours->bucket_hash[b])
		return true;
	say(c, "%s: bucket %u of %u: %" PRIu64 " rows here, %" PRIu64 " in %s",
	    ours->name, b, c->nbuckets, ours->bucket_rows[b],
	    theirs->bucket_rows[b], c->what);
	if (theirs->bucket_rows[b] > c->key_limit) {
		say(c, "%s: bucket %u of %u: more than %u rows in %s, keys not "
		    "listed (use more --buckets)", ours->name, b, c->nbuckets,
		    c->key_limit, c->what);
		return true;
	}
	if (!digest_bucket_keys(c->conn, ours->name, c->nbuckets, b, &keys,
	    &nkeys))
		return false;
	bucket_range(theirs, b, &from, &to);
	compare_keys(c, ours->name, b, theirs->keys + from, to - from, keys,
	    nkeys);
	digest_keys_free(keys, nkeys);
	return true;
}

/* 1 when the table differs, 0 when not, -1 on error. */
static int
compare_table(struct cmp *c, const struct digest_table *theirs,
    const struct digest_table *ours)
{
	if (theirs->rows == ours->rows && theirs->hash == ours->hash)
		return 0;
	say(c, "%s: %" PRIu64 " rows here, %" PRIu64 " in %s%s", ours->name,
	    ours->rows, theirs->rows, c->what,
	    theirs->rows == ours->rows ? ", values differ" : "");
	for (unsigned b = 0; b < c->nbuckets; b++)
		if (!compare_bucket(c, theirs, ours, b))
			return -1;
	return 1;
}

long
digest_compare(PGconn *conn, const struct digest *theirs,
    const struct digest *ours, const char *what, struct buf *out)
{
	struct cmp c = { conn, what, theirs->nbuckets, theirs->key_limit, out };
	size_t i = 0, j = 0;
	long differ = 0;

	while (i < theirs->ntables || j < ours->ntables) {
		const struct digest_table *t = NULL, *o = NULL;
		int order;

		if (i < theirs->ntables)
			t = &theirs->tables[i];
		if (j < ours->ntables)
			o = &ours->tables[j];
		order = t == NULL ? 1 : o == NULL ? -1 : strcmp(t->name, o->name);
		int r;

		if (order < 0) {
			say(&c, "%s: only in %s (%" PRIu64 " rows)", t->name, what,
			    t->rows);
			i++;
			differ++;
			continue;
		}
		if (order > 0) {
			say(&c, "%s: only here (%" PRIu64 " rows)", o->name, o->rows);
			j++;
			differ++;
			continue;
		}
		if ((r = compare_table(&c, t, o)) < 0)
			return -1;
		differ += r;
		i++;
		j++;
	}
	return differ;
}
