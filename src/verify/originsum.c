/*
 * originsum.c: per-origin summaries of a stream check, and their report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "originsum.h"
#include "common/change.h"
#include "common/xalloc.h"

struct origin_summary *
origin_summary_find(struct origin_summary **v, size_t *n, const char *origin)
{
	size_t lo = 0, hi = *n;
	struct origin_summary *o;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp((*v)[mid].origin, origin);

		if (cmp == 0)
			return &(*v)[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	o = &(*v)[lo];
	memmove(o + 1, o, (*n - lo) * sizeof(**v));
	(*n)++;
	memset(o, 0, sizeof(*o));
	snprintf(o->origin, sizeof(o->origin), "%s", origin);
	return o;
}

void
origin_summary_add_table(struct origin_summary *o, const char *name)
{
	size_t lo = 0, hi = o->ntables;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(o->tables[mid], name);

		if (cmp == 0)
			return;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	o->tables = xreallocarray(o->tables, o->ntables + 1, sizeof(char *));
	memmove(&o->tables[lo + 1], &o->tables[lo],
	    (o->ntables - lo) * sizeof(char *));
	o->tables[lo] = xstrdup(name);
	o->ntables++;
}

void
origin_summary_free(struct origin_summary *o)
{
	for (size_t k = 0; k < o->ntables; k++)
		free(o->tables[k]);
	free(o->tables);
	free(o->split_where);
}

uint64_t
origin_summary_held_seconds(const struct origin_summary *o, time_t now)
{
	time_t since;

	if (o->start_claim != CLAIM_NONE && o->start_claim > o->applied)
		since = o->start_since;
	else if (o->gap_to > o->applied)
		since = o->gap_since;
	else
		return 0;
	/* At least a second: held is held, however new. */
	return now > since ? (uint64_t)(now - since) : 1;
}

void
origin_summary_print(const struct origin_summary *o, bool lag, struct buf *out)
{
	char line[512], first[LSN_BUFSIZE], last[LSN_BUFSIZE];
	lsn_t head = o->last_frame_lsn > o->last_lsn ? o->last_frame_lsn :
	    o->last_lsn;

	snprintf(line, sizeof(line), "origin %s first %s last %s frames %" PRIu64
	    " transactions %" PRIu64 " rows %" PRIu64, o->origin,
	    lsn_format(o->first_lsn, first), lsn_format(o->last_lsn, last),
	    o->frames, o->txns, o->rows);
	buf_puts(out, line);
	if (lag) {
		snprintf(line, sizeof(line), " applied %s behind_bytes %" PRIu64
		    " behind_transactions %" PRIu64 " held_back_seconds %" PRIu64,
		    o->has_applied ? lsn_format(o->applied, first) : "none",
		    head > o->applied ? head - o->applied : 0, o->pending,
		    origin_summary_held_seconds(o, time(NULL)));
		buf_puts(out, line);
	}
	snprintf(line, sizeof(line), " tables %zu", o->ntables);
	buf_puts(out, line);
	for (size_t k = 0; k < o->ntables; k++) {
		buf_puts(out, k == 0 ? " (" : ", ");
		buf_puts(out, o->tables[k]);
	}
	buf_puts(out, o->ntables > 0 ? ")\n" : "\n");
}
