/*
 * applylog.c: the group's rows in COPY text format: values escaped with
 * copytext_escape (the escapes COPY reads), separated by tabs, \N for NULL,
 * a newline after each row.
 */
#include <stdlib.h>
#include <string.h>

#include "applylog.h"
#include "common/copytext.h"
#include "common/limits.h"
#include "common/xalloc.h"

void
applylog_init(struct applylog *l)
{
	memset(l, 0, sizeof(*l));
	spill_init(&l->data, limits.txn_memory);
}

void
applylog_free(struct applylog *l)
{
	spill_free(&l->data);
	free(l->segs);
	free(l->txns);
	applylog_init(l);
}

void
applylog_reset(struct applylog *l)
{
	spill_truncate(&l->data, 0);
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
	s->start = s->end = spill_len(&l->data);
	s->nrows = 0;
	lt->nsegs++;
	return s;
}

bool
applylog_row(struct applylog *l, const struct table *t,
    const struct value *vals)
{
	struct applylog_txn *lt = &l->txns[l->ntxns - 1];
	struct applylog_seg *s = segment_for(l, lt, t);

	copytext_line(&l->data.mem, NULL, 0, vals, t->ncols);
	s->end = spill_len(&l->data);
	s->nrows++;
	lt->nrows++;
	return spill_settle(&l->data);
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
		spill_truncate(&l->data, l->segs[lt->first_seg].start);
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

uint64_t
applylog_bytes(const struct applylog *l)
{
	return spill_len(&l->data);
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

/* Copy the line at *pos (the file's part of it may come in pieces) into
 * text, and move *pos past its newline (copytext_line ends every line
 * with one). */
static bool
line_copy(struct applylog *l, const struct applylog_seg *s, uint64_t *pos,
    struct buf *text)
{
	const char *p, *nl = NULL;

	buf_reset(text);
	while (nl == NULL) {
		size_t n = s->end - *pos > SIZE_MAX ? SIZE_MAX :
		    (size_t)(s->end - *pos);

		if ((p = spill_view(&l->data, *pos, &n)) == NULL)
			return false;
		nl = memchr(p, '\n', n);
		if (nl != NULL)
			n = (size_t)(nl - p);
		buf_append(text, p, n);
		*pos += n;
	}
	(*pos)++;
	return true;
}

int
applylog_next_row(struct applylog *l, const struct applylog_seg *s,
    uint64_t *pos, struct applylog_vals *v)
{
	if (*pos >= s->end)
		return 0;
	if (!line_copy(l, s, pos, &v->text))
		return -1;
	buf_putc(&v->text, '\0');
	vals_reserve(v, s->table->ncols);
	split_values(v->text.data, v->text.len - 1, s->table->ncols, v->vals);
	return 1;
}
