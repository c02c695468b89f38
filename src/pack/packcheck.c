/*
 * packcheck.c: the check pass over a data frame's records: each decoded,
 * checked against the others, the frame's manifest and what the previous
 * frame left open, and kept as an event (packdata_int.h) for packdata.c
 * to feed.
 *
 * Checking first is what lets a reader promise that nothing of a damaged
 * frame reaches the database or the output.  The frame is in memory anyway
 * (its SHA-256 and zstd checksum come at its end); the check pass keeps
 * what it decoded as compact events, so the CBOR is walked only once.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cborrec.h"
#include "idmap.h"
#include "packdata_int.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/xalloc.h"

static void
add_event(struct packdata_frame *f, enum event_kind kind, uint32_t index,
    const struct table *t)
{
	if (f->nevents == f->events_cap) {
		f->events_cap = f->events_cap ? f->events_cap * 2 : 1024;
		f->events = xreallocarray(f->events, f->events_cap,
		    sizeof(*f->events));
	}
	f->events[f->nevents++] = (struct packdata_event){ kind, index, t };
}

static struct packdata_vref *
add_vals(struct packdata_frame *f, size_t n)
{
	while (f->vals_cap - f->nvals < n) {
		f->vals_cap = f->vals_cap ? f->vals_cap * 2 : 4096;
		f->vals = xreallocarray(f->vals, f->vals_cap, sizeof(*f->vals));
	}
	f->nvals += n;
	return f->vals + f->nvals - n;
}

static struct txn *
add_txn(struct packdata_frame *f)
{
	if (f->ntxns == f->txns_cap) {
		f->txns_cap = f->txns_cap ? f->txns_cap * 2 : 64;
		f->txns = xreallocarray(f->txns, f->txns_cap, sizeof(*f->txns));
	}
	return &f->txns[f->ntxns++];
}

struct decoder {
	const struct manifest *m;
	struct catalog *cat;
	struct packdata_split *split;
	struct packdata_frame *f;
	struct cborrec_cursor cur;
	struct idmap ids;
	uint64_t record;	/* 1-based, for messages */
	uint64_t ntxns, nrows;
	size_t ntables;
	lsn_t first, last;
	bool any;		/* a B record was seen */
	bool open;		/* between B and C */
	bool since;		/* the P record was seen */
	bool orphan;		/* the open one is a part not fed (packdata.h) */
	size_t orphan_events;	/* where its events start, to drop them */
	size_t orphan_vals;
	struct txn *txn;	/* the open one */
	/* A snapshot frame: its S record seen, its E record seen. */
	bool snap, snap_end;
	char *err;
	size_t errlen;
};

static bool PRINTFLIKE(2, 3)
bad(struct decoder *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(d->err, d->errlen, "record %" PRIu64 ": %s", d->record, msg);
	return false;
}

/* A string item as a NUL-terminated copy; NULL when it holds a NUL. */
static char *
dup_name(const struct cborrec_item *item)
{
	if (item->len == 0 || memchr(item->str, '\0', item->len) != NULL)
		return NULL;
	return xstrndup(item->str, item->len);
}

static bool
same_as_manifest(const struct decoder *d, const struct table *t)
{
	size_t i = d->ntables;

	if (i >= d->m->ntables || strcmp(d->m->tables[i], t->name) != 0 ||
	    d->m->table_ncols[i] != t->ncols)
		return false;
	for (int k = 0; k < t->ncols; k++)
		if (strcmp(d->m->table_cols[i][k].name, t->cols[k].name) != 0 ||
		    strcmp(d->m->table_cols[i][k].type, t->cols[k].type) != 0)
			return false;
	return true;
}

/* Read ncols pairs of column name and type into cols (names copied). */
static bool
decode_columns(struct decoder *d, struct column *cols, size_t ncols)
{
	struct cborrec_item item;

	for (size_t k = 0; k < ncols; k++) {
		if (!cborrec_next_string(&d->cur, &item) ||
		    (cols[k].name = dup_name(&item)) == NULL)
			return bad(d, "T record: column %zu has no valid name", k + 1);
		if (!cborrec_next_string(&d->cur, &item) ||
		    (cols[k].type = dup_name(&item)) == NULL)
			return bad(d, "T record: column %zu has no valid type", k + 1);
	}
	return true;
}

static bool
decode_table(struct decoder *d, uint64_t nitems)
{
	struct cborrec_item item;
	struct column *cols;
	const struct table *t = NULL;
	const char *why = NULL;
	size_t ncols;
	uint64_t id;
	char *name = NULL;

	if (nitems < 3 || nitems % 2 != 1 || nitems > 3 + 2 * (uint64_t)INT16_MAX)
		return bad(d, "T record with %" PRIu64 " items", nitems);
	ncols = (size_t)(nitems - 3) / 2;
	if (!cborrec_next_uint(&d->cur, &id))
		return bad(d, "T record without a table id");
	if (!cborrec_next_string(&d->cur, &item) || (name = dup_name(&item)) == NULL)
		return bad(d, "T record without a valid table name");
	cols = xcalloc(ncols + 1, sizeof(*cols));
	if (decode_columns(d, cols, ncols)) {
		t = catalog_define(d->cat, name, (int)ncols, cols, &why);
		if (t == NULL) {
			bad(d, "table %s: %s", name, why);
		} else if (!same_as_manifest(d, t)) {
			bad(d, "table %s is not the manifest's table %zu", name,
			    d->ntables + 1);
			t = NULL;
		}
	}
	for (size_t k = 0; k < ncols; k++) {
		free(cols[k].name);
		free(cols[k].type);
	}
	free(cols);
	free(name);
	if (t == NULL)
		return false;
	d->ntables++;
	idmap_put(&d->ids, id, t);
	return true;
}

static bool
decode_txn_fields(struct decoder *d, struct txn *txn)
{
	struct cborrec_item item;
	uint64_t xid;

	if (!cborrec_next_string(&d->cur, &item) || item.len > NODE_MAX ||
	    !node_valid(item.str, item.len))
		return bad(d, "B record without a valid origin");
	memcpy(txn->origin, item.str, item.len);
	txn->origin[item.len] = '\0';
	if (strcmp(txn->origin, d->m->origin) != 0)
		return bad(d, "B record of origin %s in a frame of origin %s",
		    txn->origin, d->m->origin);
	if (!cborrec_next_uint(&d->cur, &txn->lsn))
		return bad(d, "B record without an LSN");
	if (cborrec_next(&d->cur, &item) != 1 || item.u > INT64_MAX ||
	    (item.kind != CBORREC_UINT && item.kind != CBORREC_NEGINT))
		return bad(d, "B record without a commit time");
	txn->commit_time = item.kind == CBORREC_UINT ? (int64_t)item.u :
	    -1 - (int64_t)item.u;
	if (!cborrec_next_uint(&d->cur, &xid) || xid > UINT32_MAX)
		return bad(d, "B record without a valid xid");
	txn->xid = (uint32_t)xid;
	return true;
}

/*
 * The B record that repeats a split transaction's identity: does it
 * continue the part the previous frame of the stream left open?  A frame
 * taken alone (no split) continues whatever it says.
 */
static bool
continues_split(const struct decoder *d)
{
	const struct packdata_split *split = d->split;

	return split == NULL || (split->open &&
	    strcmp(split->txn.origin, d->txn->origin) == 0 &&
	    split->txn.lsn == d->txn->lsn && d->m->part == split->part);
}

/* The events an orphan part added are dropped: nothing of it is fed. */
static void
drop_orphan(struct decoder *d)
{
	d->f->nevents = d->orphan_events;
	d->f->nvals = d->orphan_vals;
	d->orphan = false;
}

static bool
decode_begin(struct decoder *d, uint64_t nitems)
{
	bool resume;

	if (d->m->snapshot)
		return bad(d, "B record in a snapshot frame");
	if (nitems != 5)
		return bad(d, "B record with %" PRIu64 " items", nitems);
	if (d->open)
		return bad(d, "B record inside an open transaction");
	d->txn = add_txn(d->f);
	if (!decode_txn_fields(d, d->txn))
		return false;
	/* An origin commits in LSN order: anything else is damage, and would
	 * make a reader skip or repeat transactions. */
	if (d->any && d->txn->lsn <= d->last)
		return bad(d, "B record's LSN is not above the one before it");
	if (!d->any)
		d->first = d->txn->lsn;
	d->last = d->txn->lsn;
	d->open = true;
	/* A continued frame's first B repeats the transaction it continues. */
	resume = d->m->continues_prev && !d->any;
	d->any = true;
	if (resume && !continues_split(d)) {
		d->orphan = d->f->orphan_start = true;
		d->orphan_events = d->f->nevents;
		d->orphan_vals = d->f->nvals;
	}
	add_event(d->f, resume ? EV_RESUME : EV_BEGIN,
	    (uint32_t)(d->f->ntxns - 1), NULL);
	if (!resume)
		d->ntxns++;
	return true;
}

static bool
decode_row(struct decoder *d, uint64_t nitems)
{
	struct cborrec_item item;
	struct packdata_vref *v;
	const struct table *t;
	uint64_t id;

	if (!d->open && !(d->snap && !d->snap_end))
		return bad(d, "I record outside a transaction or snapshot");
	if (nitems < 2 || !cborrec_next_uint(&d->cur, &id))
		return bad(d, "I record without a table id");
	if ((t = idmap_get(&d->ids, id)) == NULL)
		return bad(d, "I record of table id %" PRIu64 ", which no T "
		    "record of this frame declares", id);
	if (nitems - 2 != (uint64_t)t->ncols)
		return bad(d, "I record of %s with %" PRIu64 " values, the table "
		    "has %d columns", t->name, nitems - 2, t->ncols);
	add_event(d->f, EV_ROW, (uint32_t)d->f->nvals, t);
	v = add_vals(d->f, (size_t)t->ncols);
	for (int i = 0; i < t->ncols; i++) {
		if (cborrec_next(&d->cur, &item) != 1 || (item.kind != CBORREC_NULL &&
		    item.kind != CBORREC_TEXT && item.kind != CBORREC_BYTES))
			return bad(d, "I record of %s: value %d is neither a "
			    "string nor null", t->name, i + 1);
		if (item.kind == CBORREC_NULL) {
			v[i] = (struct packdata_vref){ 0, VREF_NULL };
			continue;
		}
		v[i].off = (uint32_t)(item.str - d->f->content);
		v[i].len = (uint32_t)item.len;
	}
	d->nrows++;
	return true;
}

static bool
decode_commit(struct decoder *d, uint64_t nitems)
{
	if (nitems != 1)
		return bad(d, "C record with %" PRIu64 " items", nitems);
	if (!d->open)
		return bad(d, "C record outside a transaction");
	d->open = false;
	add_event(d->f, EV_COMMIT, 0, NULL);
	if (d->orphan)
		drop_orphan(d);
	return true;
}

/* P: first in the frame, and exactly when the manifest has a prev_lsn. */
static bool
decode_since(struct decoder *d, uint64_t nitems)
{
	lsn_t lsn;

	if (nitems != 2 || !cborrec_next_uint(&d->cur, &lsn))
		return bad(d, "P record without an LSN");
	if (d->m->snapshot)
		return bad(d, "P record in a snapshot frame");
	if (d->record != 1)
		return bad(d, "P record that is not the frame's first");
	if (lsn != d->m->prev_lsn)
		return bad(d, "P record does not match the manifest's prev_lsn");
	d->since = true;
	return true;
}

/* A node name of a snapshot record into name; source: the manifest's. */
static bool
decode_node(struct decoder *d, char name[NODE_MAX + 1], const char *rec,
    bool source)
{
	struct cborrec_item item;

	if (!cborrec_next_string(&d->cur, &item) || item.len > NODE_MAX ||
	    !node_valid(item.str, item.len))
		return bad(d, "%s record without a valid node name", rec);
	memcpy(name, item.str, item.len);
	name[item.len] = '\0';
	if (source && strcmp(name, d->m->origin) != 0)
		return bad(d, "%s record of node %s in a frame of origin %s", rec,
		    name, d->m->origin);
	return true;
}

/*
 * The snapshot that a continued frame's S record repeats: the one the
 * previous frame of the stream left open?  Taken alone, whatever it says.
 */
static bool
continues_snapshot(const struct decoder *d)
{
	const struct packdata_split *split = d->split;

	return split == NULL || (split->snap_open &&
	    strcmp(split->snap.source, d->f->snap.source) == 0 &&
	    split->snap.taken == d->f->snap.taken && d->m->part == split->part);
}

/* S: first in a snapshot frame, and only there. */
static bool
decode_snapshot(struct decoder *d, uint64_t nitems)
{
	struct cborrec_item item;
	struct snapshot *s = &d->f->snap;

	if (!d->m->snapshot)
		return bad(d, "S record in a frame whose manifest has no snapshot");
	if (nitems != 3 || d->record != 1)
		return bad(d, "S record that is not the frame's first, or not of "
		    "3 items");
	if (!decode_node(d, s->source, "S", true))
		return false;
	if (cborrec_next(&d->cur, &item) != 1 || item.u > INT64_MAX ||
	    (item.kind != CBORREC_UINT && item.kind != CBORREC_NEGINT))
		return bad(d, "S record without a time taken");
	s->taken = item.kind == CBORREC_UINT ? (int64_t)item.u :
	    -1 - (int64_t)item.u;
	if (s->taken != d->m->taken)
		return bad(d, "S record's time is not the manifest's snapshot");
	d->snap = true;
	if (d->m->continues_prev && !continues_snapshot(d)) {
		/* Nothing of a part whose beginning the stream lacks is fed. */
		d->f->orphan_start = true;
		return true;
	}
	add_event(d->f, d->m->continues_prev ? EV_SNAP_RESUME : EV_SNAP_BEGIN,
	    0, NULL);
	return true;
}

static bool
decode_watermark(struct decoder *d, uint64_t nitems)
{
	struct packdata_frame *f = d->f;
	struct packdata_mark *w;

	if (!d->snap || d->snap_end)
		return bad(d, "W record outside a snapshot");
	if (nitems != 3)
		return bad(d, "W record with %" PRIu64 " items", nitems);
	if (f->nmarks == f->marks_cap) {
		f->marks_cap = f->marks_cap ? f->marks_cap * 2 : 16;
		f->marks = xreallocarray(f->marks, f->marks_cap, sizeof(*f->marks));
	}
	w = &f->marks[f->nmarks];
	if (!decode_node(d, w->origin, "W", false))
		return false;
	if (!cborrec_next_uint(&d->cur, &w->lsn))
		return bad(d, "W record without an LSN");
	for (size_t i = 0; i < f->nmarks; i++)
		if (strcmp(f->marks[i].origin, w->origin) == 0)
			return bad(d, "a second W record of origin %s", w->origin);
	if (!f->orphan_start)
		add_event(f, EV_WATERMARK, (uint32_t)f->nmarks, NULL);
	f->nmarks++;
	return true;
}

/* E: the snapshot's last record, with the rows of all its frames. */
static bool
decode_snapshot_end(struct decoder *d, uint64_t nitems)
{
	char source[NODE_MAX + 1];
	uint64_t rows, had;

	if (!d->snap || d->snap_end)
		return bad(d, "E record outside a snapshot");
	if (nitems != 3)
		return bad(d, "E record with %" PRIu64 " items", nitems);
	if (!decode_node(d, source, "E", true))
		return false;
	if (!cborrec_next_uint(&d->cur, &rows))
		return bad(d, "E record without a row count");
	/* Taken alone, a frame that continues a snapshot cannot tell. */
	had = d->split != NULL && d->m->continues_prev ? d->split->snap_rows : 0;
	if ((d->split != NULL || !d->m->continues_prev) && !d->f->orphan_start &&
	    rows != had + d->nrows)
		return bad(d, "the snapshot of %s says it has %" PRIu64 " rows, "
		    "it has %" PRIu64, source, rows, had + d->nrows);
	d->snap_end = true;
	d->f->snap_ended = true;
	d->f->snap_rows = rows;
	if (!d->f->orphan_start)
		add_event(d->f, EV_SNAP_END, 0, NULL);
	return true;
}

static bool
decode_record(struct decoder *d)
{
	struct cborrec_item item;
	uint64_t type;

	d->record++;
	/* A few bytes of CBOR each, decoded at 16 or 8 bytes each: bounded
	 * whatever the content's size (a row's values are few). */
	if (d->record > limits.frame_records || d->f->nvals > limits.frame_records)
		return bad(d, "more records or values than the frame-records "
		    "limit (%" PRIu64 "; --limit frame-records=N raises it)",
		    limits.frame_records);
	if (cborrec_next(&d->cur, &item) != 1 || item.kind != CBORREC_ARRAY ||
	    item.u == 0)
		return bad(d, "not a record (malformed CBOR, or not an array)");
	if (!cborrec_next_uint(&d->cur, &type))
		return bad(d, "record without a type");
	if (d->m->snapshot && d->record > 1 && !d->snap)
		return bad(d, "a snapshot frame that does not start with its S "
		    "record");
	if (d->snap_end)
		return bad(d, "a record after the snapshot's E record");
	switch (type) {
	case PACKDATA_TABLE: return decode_table(d, item.u);
	case PACKDATA_BEGIN: return decode_begin(d, item.u);
	case PACKDATA_ROW: return decode_row(d, item.u);
	case PACKDATA_COMMIT: return decode_commit(d, item.u);
	case PACKDATA_SINCE: return decode_since(d, item.u);
	case PACKDATA_SNAPSHOT: return decode_snapshot(d, item.u);
	case PACKDATA_WATERMARK: return decode_watermark(d, item.u);
	case PACKDATA_SNAPSHOT_END: return decode_snapshot_end(d, item.u);
	default: return bad(d, "unknown record type %" PRIu64, type);
	}
}

/* After the last record: the frame against its manifest. */
/* After the last record of a snapshot frame: the frame against its manifest. */
static bool
check_snapshot_totals(struct decoder *d)
{
	const struct manifest *m = d->m;

	if (!d->snap)
		return bad(d, "snapshot frame without its S record");
	if (d->snap_end == m->continues_next)
		return bad(d, d->snap_end ? "manifest says the snapshot goes on, "
		    "but it ends here" : "snapshot has no E record");
	if (d->nrows != m->nrows)
		return bad(d, "frame holds %" PRIu64 " rows, its manifest says %"
		    PRIu64, d->nrows, m->nrows);
	if (d->ntables != m->ntables)
		return bad(d, "frame declares %zu tables, its manifest %zu",
		    d->ntables, m->ntables);
	return true;
}

static bool
check_totals(struct decoder *d)
{
	const struct manifest *m = d->m;

	d->record++;
	if (m->snapshot)
		return check_snapshot_totals(d);
	if (!d->any)
		return bad(d, "frame holds no transaction");
	if (d->open != m->continues_next)
		return bad(d, d->open ? "last transaction has no C record" :
		    "manifest says the last transaction goes on, but it ends here");
	if (d->ntxns != m->ntxns || d->nrows != m->nrows)
		return bad(d, "frame holds %" PRIu64 " transactions and %" PRIu64
		    " rows, its manifest says %" PRIu64 " and %" PRIu64,
		    d->ntxns, d->nrows, m->ntxns, m->nrows);
	if (d->first != m->first_lsn || d->last != m->last_lsn)
		return bad(d, "LSNs do not match the manifest's first and last");
	if (d->ntables != m->ntables)
		return bad(d, "frame declares %zu tables, its manifest %zu",
		    d->ntables, m->ntables);
	if (d->since != (m->prev_lsn != CLAIM_NONE))
		return bad(d, "manifest has a prev_lsn but the frame no P record");
	return true;
}

/*
 * The frame's records as the previous frame left things: a transaction
 * split across frames that this one does not continue has lost its next
 * part; the reader drops it (packread.c), and this frame starts afresh.
 */
static void
check_start(struct decoder *d)
{
	if (d->split != NULL && !d->m->continues_prev) {
		d->split->open = false;
		d->split->snap_open = false;
	}
}

/* What the next frame must continue: the transaction this one leaves open. */
static void
carry_split(const struct decoder *d, struct packdata_split *split)
{
	if (d->m->snapshot) {
		split->open = false;
		split->snap_open = !d->snap_end && !d->f->orphan_start;
		split->snap = d->f->snap;
		split->snap_rows = (d->m->continues_prev ? split->snap_rows : 0) +
		    d->nrows;
		split->part = d->m->part + 1;
		return;
	}
	split->snap_open = false;
	/* The next part of an orphan is an orphan too. */
	split->open = d->open && !d->orphan;
	if (d->open) {
		split->txn = *d->txn;
		split->part = d->m->continues_prev && d->m->ntxns == 0 ?
		    d->m->part + 1 : 1;
	}
}

enum read_result
packdata_check(const void *content, size_t len, const struct manifest *m,
    struct catalog *cat, struct packdata_split *split,
    struct packdata_frame *f, char *err, size_t errlen)
{
	struct decoder d = {
		.m = m, .cat = cat, .split = split, .f = f,
		.err = err, .errlen = errlen
	};
	bool ok;

	f->nevents = f->nvals = f->ntxns = f->nmarks = 0;
	f->content = content;
	f->orphan_start = false;
	f->snap_ended = false;
	f->snap_rows = 0;
	memset(&f->snap, 0, sizeof(f->snap));
	cborrec_cursor_init(&d.cur, content, len);
	check_start(&d);
	ok = true;
	while (ok && d.cur.pos < d.cur.len)
		ok = decode_record(&d);
	ok = ok && check_totals(&d);
	if (ok && split != NULL)
		carry_split(&d, split);
	if (ok && d.orphan)
		drop_orphan(&d);
	/* An orphan part of a snapshot: checked, nothing of it fed. */
	if (ok && m->snapshot && f->orphan_start)
		f->nevents = f->nvals = 0;
	idmap_free(&d.ids);
	return ok ? READ_OK : READ_BAD_DATA;
}
