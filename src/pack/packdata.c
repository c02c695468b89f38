/*
 * packdata.c: a checked data frame, fed to a sink: the events packcheck.c
 * kept of its records (packdata_int.h) become the sink's calls, each row's
 * values pointing into the frame's content, which is not decoded again.
 */
#include <stdlib.h>
#include <string.h>

#include "packdata_int.h"
#include "common/xalloc.h"

void
packdata_frame_free(struct packdata_frame *f)
{
	free(f->events);
	free(f->vals);
	free(f->txns);
	free(f->row);
	free(f->marks);
	memset(f, 0, sizeof(*f));
}

/* The values of one row event, as the sink wants them. */
static const struct value *
row_values(struct packdata_frame *f, const struct packdata_event *e)
{
	const struct packdata_vref *v = f->vals + e->index;
	size_t n = (size_t)e->table->ncols;

	if (n > f->row_cap) {
		f->row_cap = n;
		f->row = xreallocarray(f->row, n, sizeof(*f->row));
	}
	for (size_t i = 0; i < n; i++)
		f->row[i] = v[i].len == VREF_NULL ? (struct value){ NULL, 0 } :
		    (struct value){ f->content + v[i].off, v[i].len };
	return f->row;
}

/* open: a transaction or a snapshot the sink has begun, for abort. */
static bool
feed_event(struct packdata_frame *f, const struct packdata_event *e,
    const struct change_sink *sink, const struct txn **open, bool *snap)
{
	const struct packdata_mark *w;

	switch (e->kind) {
	case EV_BEGIN:
		*open = &f->txns[e->index];
		return sink->begin(sink->ctx, *open);
	case EV_RESUME:
		/* The sink began it with the transaction's first part. */
		*open = &f->txns[e->index];
		return true;
	case EV_ROW:
		return sink->row(sink->ctx, e->table, row_values(f, e));
	case EV_COMMIT:
		if (!sink->commit(sink->ctx, *open))
			return false;
		*open = NULL;
		return true;
	case EV_SNAP_BEGIN:
		*snap = true;
		return sink->snapshot_begin(sink->ctx, &f->snap);
	case EV_SNAP_RESUME:
		*snap = true;
		return true;
	case EV_WATERMARK:
		w = &f->marks[e->index];
		return sink->watermark(sink->ctx, w->origin, w->lsn);
	case EV_SNAP_END:
		if (!sink->snapshot_end(sink->ctx, &f->snap, f->snap_rows))
			return false;
		*snap = false;
		return true;
	}
	return false;
}

enum read_result
packdata_feed(struct packdata_frame *f, const struct change_sink *sink)
{
	/* A frame that continues a transaction starts with its EV_RESUME. */
	const struct txn *open = NULL;
	bool snap = false;

	/* Readers refuse a snapshot for such a sink before (packread.c): a
	 * sink that takes none cannot be fed one. */
	if (sink->snapshot_begin == NULL && f->snap.source[0] != '\0')
		return READ_SINK_FAILED;
	for (size_t i = 0; i < f->nevents; i++) {
		if (!feed_event(f, &f->events[i], sink, &open, &snap)) {
			if (open != NULL || snap)
				sink->abort(sink->ctx);
			return READ_SINK_FAILED;
		}
	}
	return READ_OK;
}
