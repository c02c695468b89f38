/*
 * applylog.c: the group's rows in COPY text format: values escaped with
 * copytext_escape (the escapes COPY reads), separated by tabs, \N for NULL,
 * a newline after each row.
 */
#include <stdlib.h>
#include <string.h>

#include "applylog.h"
#include "common/copytext.h"
#include "common/xalloc.h"

void
applylog_init(struct applylog *l)
{
	memset(l, 0, sizeof(*l));
	buf_init(&l->data);
}

void
applylog_free(struct applylog *l)
{
	buf_free(&l->data);
	free(l->segs);
	free(l->txns);
	applylog_init(l);
}

void
applylog_reset(struct applylog *l)
{
	buf_reset(&l->data);
	l->nsegs = 0;
	l->ntxns = 0;
	l->open = false;
}

struct applylog_txn *
applylog_begin(struct applylog *l, const struct txn *txn)
{
	struct applylog_txn *lt;

	if (l->ntxns == l->txncap) {
		l->txncap = l->txncap ? l->txncap * 2 : 64;
		l->txns = xreallocarray(l->txns, l->txncap, sizeof(*l->txns));
	}
	lt = &l->txns[l->ntxns++];
	memset(lt, 0, sizeof(*lt));
	lt->txn = *txn;
	lt->first_seg = l->nsegs;
	l->open = true;
	return lt;
}

/* The segment the next row of t goes to: the last one, or a new one. */
static struct applylog_seg *
segment_for(struct applylog *l, struct applylog_txn *lt, const struct table *t)
{
	struct applylog_seg *s;

	if (lt->nsegs > 0 && l->segs[l->nsegs - 1].table == t)
		return &l->segs[l->nsegs - 1];
	if (l->nsegs == l->segcap) {
		l->segcap = l->segcap ? l->segcap * 2 : 64;
		l->segs = xreallocarray(l->segs, l->segcap, sizeof(*l->segs));
	}
	s = &l->segs[l->nsegs++];
	s->table = t;
	s->start = s->end = l->data.len;
	s->nrows = 0;
	lt->nsegs++;
	return s;
}

void
applylog_row(struct applylog *l, const struct table *t,
    const struct value *vals)
{
	struct applylog_txn *lt = &l->txns[l->ntxns - 1];
	struct applylog_seg *s = segment_for(l, lt, t);

	copytext_line(&l->data, NULL, 0, vals, t->ncols);
	s->end = l->data.len;
	s->nrows++;
	lt->nrows++;
}

void
applylog_commit(struct applylog *l)
{
	l->open = false;
}

void
applylog_drop_rows(struct applylog *l)
{
	struct applylog_txn *lt = &l->txns[l->ntxns - 1];

	if (lt->nsegs > 0)
		l->data.len = l->segs[lt->first_seg].start;
	l->nsegs = lt->first_seg;
	lt->nsegs = 0;
}

void
applylog_drop_open(struct applylog *l)
{
	if (!l->open)
		return;
	applylog_drop_rows(l);
	l->ntxns--;
	l->open = false;
}

size_t
applylog_committed(const struct applylog *l)
{
	return l->ntxns - (l->open ? 1 : 0);
}

const struct applylog_txn *
applylog_last(const struct applylog *l)
{
	size_t n = applylog_committed(l);

	return n > 0 ? &l->txns[n - 1] : NULL;
}

void
applylog_vals_init(struct applylog_vals *v)
{
	v->vals = NULL;
	v->room = 0;
	buf_init(&v->text);
}

void
applylog_vals_free(struct applylog_vals *v)
{
	free(v->vals);
	buf_free(&v->text);
	applylog_vals_init(v);
}

/* v->vals has room for n values. */
static void
vals_reserve(struct applylog_vals *v, int n)
{
	if (n > v->room) {
		v->room = n;
		v->vals = xreallocarray(v->vals, (size_t)n, sizeof(*v->vals));
	}
}

/* Cut line (len bytes and a NUL) at its tabs into ncols values, unescaped
 * in place. */
static void
split_values(char *line, size_t len, int ncols, struct value *vals)
{
	char *p = line, *end = line + len;

	for (int i = 0; i < ncols; i++) {
		char *tab = memchr(p, '\t', (size_t)(end - p));
		char *stop = tab ? tab : end;
		size_t n = (size_t)(stop - p), bad_at;

		*stop = '\0';
		if (n == 2 && p[0] == '\\' && p[1] == 'N') {
			vals[i] = (struct value){ NULL, 0 };
		} else {
			/* Written by copytext_escape: always unescapes. */
			copytext_unescape(p, n, &n, &bad_at);
			p[n] = '\0';
			vals[i] = (struct value){ p, n };
		}
		p = stop + 1;
	}
}

bool
applylog_next_row(const struct applylog *l, const struct applylog_seg *s,
    size_t *pos, struct applylog_vals *v)
{
	const char *line = l->data.data + *pos;
	const char *nl;
	size_t len;

	if (*pos >= s->end)
		return false;
	nl = memchr(line, '\n', s->end - *pos);
	len = (size_t)(nl - line);
	*pos += len + 1;
	/* Copy first, then point into the copy: a realloc would move it. */
	buf_reset(&v->text);
	buf_append(&v->text, line, len);
	buf_putc(&v->text, '\0');
	vals_reserve(v, s->table->ncols);
	split_values(v->text.data, len, s->table->ncols, v->vals);
	return true;
}
