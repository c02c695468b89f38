/*
 * packencode.c: the records of a data frame, encoded (their layout is in
 * packdata.h, byte by byte in pgmesh-format(5)).
 */
#include <string.h>

#include "cborrec.h"
#include "packdata.h"

void
packdata_put_table(struct buf *b, const struct table *t)
{
	cborrec_put_array(b, 3 + 2 * (size_t)t->ncols);
	cborrec_put_uint(b, PACKDATA_TABLE);
	/* The name's number in the writer's catalog: unique per name in the
	 * stream, so a frame never needs to renumber (see packwrite.c). */
	cborrec_put_uint(b, t->name_id);
	cborrec_put_string(b, t->name, strlen(t->name));
	for (int i = 0; i < t->ncols; i++) {
		cborrec_put_string(b, t->cols[i].name, strlen(t->cols[i].name));
		cborrec_put_string(b, t->cols[i].type, strlen(t->cols[i].type));
	}
}

void
packdata_put_begin(struct buf *b, const struct txn *txn)
{
	cborrec_put_array(b, 5);
	cborrec_put_uint(b, PACKDATA_BEGIN);
	cborrec_put_string(b, txn->origin, strlen(txn->origin));
	cborrec_put_uint(b, txn->lsn);
	cborrec_put_int(b, txn->commit_time);
	cborrec_put_uint(b, txn->xid);
}

void
packdata_put_row(struct buf *b, const struct table *t, const struct value *vals)
{
	cborrec_put_array(b, 2 + (size_t)t->ncols);
	cborrec_put_uint(b, PACKDATA_ROW);
	cborrec_put_uint(b, t->name_id);
	for (int i = 0; i < t->ncols; i++) {
		if (vals[i].data == NULL)
			cborrec_put_null(b);
		else
			cborrec_put_string(b, vals[i].data, vals[i].len);
	}
}

void
packdata_put_commit(struct buf *b)
{
	cborrec_put_array(b, 1);
	cborrec_put_uint(b, PACKDATA_COMMIT);
}

/*
 * The manifest's prev_lsn again, as the frame's first record: the manifest
 * has no checksum of its own, and every claim it makes is checked against
 * the records, which the SHA-256 and zstd's checksum cover.
 */
void
packdata_put_since(struct buf *b, lsn_t prev_lsn)
{
	cborrec_put_array(b, 2);
	cborrec_put_uint(b, PACKDATA_SINCE);
	cborrec_put_uint(b, prev_lsn);
}

/*
 * A snapshot's records.  S starts every frame of a snapshot (again in a
 * frame that continues it, as B does a split transaction's), so that
 * each names the snapshot it belongs to; E ends the last.
 */
void
packdata_put_snapshot(struct buf *b, const struct snapshot *s)
{
	cborrec_put_array(b, 3);
	cborrec_put_uint(b, PACKDATA_SNAPSHOT);
	cborrec_put_string(b, s->source, strlen(s->source));
	cborrec_put_int(b, s->taken);
}

void
packdata_put_watermark(struct buf *b, const char *origin, lsn_t lsn)
{
	cborrec_put_array(b, 3);
	cborrec_put_uint(b, PACKDATA_WATERMARK);
	cborrec_put_string(b, origin, strlen(origin));
	cborrec_put_uint(b, lsn);
}

void
packdata_put_snapshot_end(struct buf *b, const struct snapshot *s,
    uint64_t rows)
{
	cborrec_put_array(b, 3);
	cborrec_put_uint(b, PACKDATA_SNAPSHOT_END);
	cborrec_put_string(b, s->source, strlen(s->source));
	cborrec_put_uint(b, rows);
}
