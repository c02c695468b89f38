/*
 * groupmark.c: a relay's group mark, written and read.
 *
 * The mark is read by a capture that trusts it only inside a transaction
 * applied under a pgmesh replication origin (which only apply's role can
 * set up), but it is read strictly all the same: a mark that does not
 * parse is refused, never half used.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groupmark.h"
#include "timestamp.h"
#include "xalloc.h"

#define MAX_FIELDS 4

void
groupmark_put_group(struct buf *out, const char *origin, lsn_t prev)
{
	char lsn[LSN_BUFSIZE];

	buf_puts(out, "G\t");
	buf_puts(out, origin);
	buf_putc(out, '\t');
	buf_puts(out, prev == CLAIM_NONE ? "-" : lsn_format(prev, lsn));
	buf_putc(out, '\n');
}

void
groupmark_put_txn(struct buf *out, const struct groupmark_txn *t)
{
	char lsn[LSN_BUFSIZE], time[TIMESTAMP_BUFSIZE], rows[24];

	buf_puts(out, t->rejected ? "R\t" : "A\t");
	buf_puts(out, lsn_format(t->lsn, lsn));
	buf_putc(out, '\t');
	buf_puts(out, timestamp_format(t->commit_time, time));
	if (!t->rejected) {
		snprintf(rows, sizeof(rows), "\t%" PRIu64, t->rows);
		buf_puts(out, rows);
	}
	buf_putc(out, '\n');
}

void
groupmark_init(struct groupmark *m)
{
	memset(m, 0, sizeof(*m));
}

void
groupmark_free(struct groupmark *m)
{
	free(m->txns);
	groupmark_init(m);
}

uint64_t
groupmark_rows(const struct groupmark *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->ntxns; i++)
		n += m->txns[i].rows;
	return n;
}

/* A field of a line. */
struct field {
	const char *s;
	size_t len;
};

/* Cut line into at most MAX_FIELDS fields; the count, or -1 for more. */
static int
split_fields(const char *line, size_t len, struct field *f)
{
	int n = 0;

	for (;;) {
		const char *tab = memchr(line, '\t', len);
		size_t flen = tab != NULL ? (size_t)(tab - line) : len;

		if (n == MAX_FIELDS)
			return -1;
		f[n++] = (struct field){ line, flen };
		if (tab == NULL)
			return n;
		len -= flen + 1;
		line = tab + 1;
	}
}

static bool
parse_count(const struct field *f, uint64_t *n)
{
	char digits[24], *end;

	if (f->len == 0 || f->len >= sizeof(digits) ||
	    strspn(f->s, "0123456789") < f->len)
		return false;
	memcpy(digits, f->s, f->len);
	digits[f->len] = '\0';
	*n = strtoull(digits, &end, 10);
	return *end == '\0';
}

static bool
parse_group(struct groupmark *m, const struct field *f, int n)
{
	if (n != 3 || !node_valid(f[1].s, f[1].len))
		return false;
	memcpy(m->origin, f[1].s, f[1].len);
	m->origin[f[1].len] = '\0';
	if (f[2].len == 1 && f[2].s[0] == '-') {
		m->prev = CLAIM_NONE;
		return true;
	}
	return lsn_parse(f[2].s, f[2].len, &m->prev);
}

static bool
parse_txn(struct groupmark *m, const struct field *f, int n)
{
	struct groupmark_txn t = { .rejected = f[0].s[0] == 'R' };

	if (n != (t.rejected ? 3 : 4) || !lsn_parse(f[1].s, f[1].len, &t.lsn) ||
	    !timestamp_parse(f[2].s, f[2].len, &t.commit_time) ||
	    (!t.rejected && !parse_count(&f[3], &t.rows)))
		return false;
	if (m->ntxns == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->txns = xreallocarray(m->txns, m->cap, sizeof(*m->txns));
	}
	m->txns[m->ntxns++] = t;
	return true;
}

/* One record; false when it is not what may come there. */
static bool
parse_line(struct groupmark *m, const char *line, size_t len, bool first)
{
	struct field f[MAX_FIELDS];
	int n = split_fields(line, len, f);

	if (n < 1 || f[0].len != 1)
		return false;
	if (first)
		return f[0].s[0] == 'G' && parse_group(m, f, n);
	return (f[0].s[0] == 'A' || f[0].s[0] == 'R') && parse_txn(m, f, n);
}

/* LSNs increase, from above prev. */
static bool
in_order(const struct groupmark *m)
{
	lsn_t after = m->prev == CLAIM_NONE ? 0 : m->prev;

	for (size_t i = 0; i < m->ntxns; i++) {
		if (m->txns[i].lsn <= after && !(i == 0 && m->prev == CLAIM_NONE))
			return false;
		after = m->txns[i].lsn;
	}
	return true;
}

bool
groupmark_parse(struct groupmark *m, const char *text, size_t len,
    const char **why)
{
	const char *end = text + len;
	bool first = true;

	m->ntxns = 0;
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));

		if (nl == NULL || !parse_line(m, text, (size_t)(nl - text), first)) {
			*why = "a line is not a G, A or R record";
			return false;
		}
		first = false;
		text = nl + 1;
	}
	if (m->ntxns == 0) {
		*why = "it names no transaction";
		return false;
	}
	if (!in_order(m)) {
		*why = "its LSNs do not increase from the group's start";
		return false;
	}
	return true;
}
