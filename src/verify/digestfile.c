/*
 * digestfile.c: write and read the text form of a digest (digestfile.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digestfile.h"
#include "common/copytext.h"
#include "common/log.h"
#include "common/xalloc.h"

#define MAX_FIELDS 6

struct parser {
	struct input *in;
	uint64_t lineno;
	char *f[MAX_FIELDS];
	size_t len[MAX_FIELDS];
	size_t n;
	struct digest *d;
	struct digest_table *cur;	/* the last table line's table */
};

static void
put_hash(struct buf *out, uint64_t hash)
{
	char hex[24];

	snprintf(hex, sizeof(hex), "%016" PRIx64, hash);
	buf_puts(out, hex);
}

static void
put_num(struct buf *out, uint64_t n)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, n);
	buf_puts(out, num);
}

static void
write_table(const struct digest *d, const struct digest_table *t,
    struct buf *out)
{
	struct buf name;

	buf_init(&name);
	copytext_escape(&name, t->name, strlen(t->name));
	buf_putc(&name, '\0');
	buf_puts(out, "table\t");
	buf_puts(out, name.data);
	buf_putc(out, '\t');
	put_num(out, t->rows);
	buf_putc(out, '\t');
	put_hash(out, t->hash);
	buf_putc(out, '\n');
	for (unsigned b = 0; b < d->nbuckets; b++) {
		buf_puts(out, "bucket\t");
		buf_puts(out, name.data);
		buf_putc(out, '\t');
		put_num(out, b);
		buf_putc(out, '\t');
		put_num(out, t->bucket_rows[b]);
		buf_putc(out, '\t');
		put_hash(out, t->bucket_hash[b]);
		buf_putc(out, '\n');
	}
	for (size_t i = 0; i < t->nkeys; i++) {
		buf_puts(out, "key\t");
		buf_puts(out, name.data);
		buf_putc(out, '\t');
		put_num(out, t->keys[i].bucket);
		buf_putc(out, '\t');
		buf_puts(out, t->keys[i].key);
		buf_putc(out, '\t');
		put_hash(out, t->keys[i].hash);
		buf_putc(out, '\n');
	}
	buf_free(&name);
}

void
digestfile_write(const struct digest *d, struct buf *out)
{
	char header[128];

	snprintf(header, sizeof(header),
	    "#pgmesh-digest\t%d\tbuckets=%u\tkeys=%u\ttables=%s\n",
	    DIGESTFILE_VERSION, d->nbuckets, d->key_limit,
	    d->all_tables ? "all" : "named");
	buf_puts(out, header);
	for (size_t i = 0; i < d->ntables; i++)
		write_table(d, &d->tables[i], out);
}

static bool PRINTFLIKE(2, 3)
bad(struct parser *p, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s:%" PRIu64 ": %s", p->in->name, p->lineno, msg);
	return false;
}

static bool
split(struct parser *p, char *line, size_t len)
{
	char *end = line + len;

	for (p->n = 0; p->n < MAX_FIELDS; p->n++) {
		char *tab = memchr(line, '\t', (size_t)(end - line));
		char *stop = tab ? tab : end;

		p->f[p->n] = line;
		p->len[p->n] = (size_t)(stop - line);
		*stop = '\0';
		if (tab == NULL) {
			p->n++;
			return true;
		}
		line = tab + 1;
	}
	return bad(p, "too many fields");
}

static bool
parse_num(struct parser *p, size_t i, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(p->f[i], &end, 10);
	if (p->f[i][0] < '0' || p->f[i][0] > '9' || *end != '\0' || errno != 0 ||
	    *v > max)
		return bad(p, "bad number \"%s\" in field %zu", p->f[i], i + 1);
	return true;
}

static bool
parse_hash(struct parser *p, size_t i, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(p->f[i], &end, 16);
	if (p->len[i] != 16 || *end != '\0' || errno != 0)
		return bad(p, "bad hash \"%s\" (want 16 hexadecimal digits)",
		    p->f[i]);
	return true;
}

static bool
parse_header(struct parser *p)
{
	struct digest *d = p->d;
	unsigned version;
	char tables[8];

	if (p->n != 5 || strcmp(p->f[0], "#pgmesh-digest") != 0)
		return bad(p, "not a pgmesh digest (the first line must start "
		    "with \"#pgmesh-digest\")");
	if (sscanf(p->f[1], "%u", &version) != 1 || version != DIGESTFILE_VERSION)
		return bad(p, "digest version %s is not supported (this "
		    "pgmesh reads version %d)", p->f[1], DIGESTFILE_VERSION);
	if (sscanf(p->f[2], "buckets=%u", &d->nbuckets) != 1 ||
	    d->nbuckets > DIGEST_MAX_BUCKETS ||
	    sscanf(p->f[3], "keys=%u", &d->key_limit) != 1 ||
	    sscanf(p->f[4], "tables=%7s", tables) != 1 ||
	    (strcmp(tables, "all") != 0 && strcmp(tables, "named") != 0))
		return bad(p, "bad digest header");
	d->all_tables = strcmp(tables, "all") == 0;
	return true;
}

/* Field 1, a table name: unescaped in place. */
static bool
parse_name(struct parser *p)
{
	size_t bad_at;

	if (!copytext_unescape(p->f[1], p->len[1], &p->len[1], &bad_at))
		return bad(p, "bad escape in table name (byte %zu)", bad_at + 1);
	p->f[1][p->len[1]] = '\0';
	return true;
}

static bool
parse_table(struct parser *p)
{
	struct digest *d = p->d;
	struct digest_table *t;

	if (p->n != 4 || !parse_name(p))
		return p->n != 4 ? bad(p, "table line needs 4 fields") : false;
	d->tables = xreallocarray(d->tables, d->ntables + 1, sizeof(*d->tables));
	t = &d->tables[d->ntables++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(p->f[1]);
	p->cur = t;
	if (d->nbuckets > 0) {
		t->bucket_rows = xcalloc(d->nbuckets, sizeof(uint64_t));
		t->bucket_hash = xcalloc(d->nbuckets, sizeof(uint64_t));
	}
	return parse_num(p, 2, UINT64_MAX, &t->rows) && parse_hash(p, 3, &t->hash);
}

/* Fields 1 and 2 of bucket and key lines: the current table, a bucket. */
static bool
parse_bucket_of(struct parser *p, uint64_t *b)
{
	if (!parse_name(p))
		return false;
	if (p->cur == NULL || strcmp(p->cur->name, p->f[1]) != 0)
		return bad(p, "%s line for %s does not follow its table line",
		    p->f[0], p->f[1]);
	if (p->d->nbuckets == 0)
		return bad(p, "%s line in a digest without buckets", p->f[0]);
	return parse_num(p, 2, p->d->nbuckets - 1, b);
}

static bool
parse_bucket(struct parser *p)
{
	uint64_t b;

	if (p->n != 5)
		return bad(p, "bucket line needs 5 fields");
	return parse_bucket_of(p, &b) &&
	    parse_num(p, 3, UINT64_MAX, &p->cur->bucket_rows[b]) &&
	    parse_hash(p, 4, &p->cur->bucket_hash[b]);
}

static bool
parse_key(struct parser *p)
{
	struct digest_table *t;
	struct digest_key *k;
	uint64_t b;

	if (p->n != 5)
		return bad(p, "key line needs 5 fields");
	if (!parse_bucket_of(p, &b))
		return false;
	t = p->cur;
	t->keys = xreallocarray(t->keys, t->nkeys + 1, sizeof(*t->keys));
	k = &t->keys[t->nkeys++];
	k->bucket = (unsigned)b;
	k->key = xstrdup(p->f[3]);
	return parse_hash(p, 4, &k->hash);
}

static bool
parse_line(struct parser *p, char *line, size_t len)
{
	if (!split(p, line, len))
		return false;
	if (p->lineno == 1)
		return parse_header(p);
	if (strcmp(p->f[0], "table") == 0)
		return parse_table(p);
	if (strcmp(p->f[0], "bucket") == 0)
		return parse_bucket(p);
	if (strcmp(p->f[0], "key") == 0)
		return parse_key(p);
	return bad(p, "unknown line type \"%s\"", p->f[0]);
}

bool
digestfile_read(struct input *in, struct digest *d)
{
	struct parser p = { .in = in, .d = d };
	char *line;
	size_t len;
	bool whole;
	int got;

	while ((got = input_line(in, &line, &len, &whole)) > 0) {
		p.lineno++;
		if (!whole)
			return bad(&p, "last line has no newline (input cut short?)");
		if (!parse_line(&p, line, len))
			return false;
	}
	if (got < 0)
		return false;
	if (p.lineno == 0) {
		log_error("%s: empty input, not a digest", in->name);
		return false;
	}
	for (size_t i = 0; i < d->ntables; i++)
		digest_keys_sort(d->tables[i].keys, d->tables[i].nkeys);
	digest_tables_sort(d);
	return true;
}
