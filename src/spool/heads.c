/*
 * heads.c: per-origin positions of a spool, and their text form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heads.h"
#include "spool.h"
#include "common/xalloc.h"

void
heads_init(struct heads *h)
{
	h->v = NULL;
	h->n = 0;
}

void
heads_free(struct heads *h)
{
	free(h->v);
	heads_init(h);
}

static struct head *
heads_find(const struct heads *h, const char *origin)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->v[i].origin, origin) == 0)
			return &h->v[i];
	return NULL;
}

lsn_t
heads_get(const struct heads *h, const char *origin)
{
	const struct head *e = heads_find(h, origin);

	return e ? e->lsn : 0;
}

void
heads_raise(struct heads *h, const char *origin, lsn_t lsn)
{
	struct head *e = heads_find(h, origin);

	if (e == NULL) {
		h->v = xreallocarray(h->v, h->n + 1, sizeof(*h->v));
		e = &h->v[h->n++];
		snprintf(e->origin, sizeof(e->origin), "%s", origin);
		e->lsn = lsn;
	} else if (lsn > e->lsn)
		e->lsn = lsn;
}

lsn_t
frame_whole_lsn(lsn_t last_lsn, bool continues_next)
{
	/* LSNs of commits are at least 1 apart: last - 1 is below the
	 * unfinished transaction and at or above every whole one. */
	return continues_next ? last_lsn - 1 : last_lsn;
}

bool
heads_from_spool(const char *dir, struct heads *h)
{
	struct spool_entry *entries;
	size_t n;

	if (!spool_list(dir, &entries, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		heads_raise(h, entries[i].origin,
		    frame_whole_lsn(entries[i].last_lsn, entries[i].continues_next));
	spool_entries_free(entries, n);
	return true;
}

void
heads_describe(const struct heads *h, struct buf *out)
{
	char lsn[LSN_BUFSIZE];

	if (h->n == 0)
		buf_puts(out, "nothing");
	for (size_t i = 0; i < h->n; i++) {
		if (i > 0)
			buf_puts(out, ", ");
		buf_puts(out, h->v[i].origin);
		buf_putc(out, ' ');
		buf_puts(out, lsn_format(h->v[i].lsn, lsn));
	}
}

void
heads_put_lines(struct buf *out, const struct heads *h, const char *prefix)
{
	char lsn[LSN_BUFSIZE];

	for (size_t i = 0; i < h->n; i++) {
		buf_puts(out, prefix);
		buf_puts(out, h->v[i].origin);
		buf_putc(out, ' ');
		buf_puts(out, lsn_format(h->v[i].lsn, lsn));
		buf_putc(out, '\n');
	}
}

bool
heads_parse_line(const char *s, struct head *head)
{
	const char *sp = strchr(s, ' ');
	size_t olen;

	if (sp == NULL)
		return false;
	olen = (size_t)(sp - s);
	if (!node_valid(s, olen) || !lsn_parse(sp + 1, strlen(sp + 1), &head->lsn))
		return false;
	memcpy(head->origin, s, olen);
	head->origin[olen] = '\0';
	return true;
}
