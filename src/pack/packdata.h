/*
 * packdata.h: the records inside a pack's data frame.
 *
 * A data frame's content is a CBOR sequence (RFC 8742) of arrays, one per
 * record, mirroring change text (pgmesh-format(5) has the details):
 *
 *	[0, id, table, column, type, ...]       T: a table definition
 *	[1, origin, lsn, commit_time, xid]      B: begin
 *	[2, id, value, ...]                     I: a row (strings or null)
 *	[3]                                     C: commit
 *	[4, lsn]                                P: the manifest's prev_lsn
 *	[5, source, taken]                      S: a snapshot (part) begins
 *	[6, origin, lsn]                        W: a snapshot's watermark
 *	[7, source, rows]                       E: the snapshot ends
 *
 * A frame holds transactions or one part of a snapshot (its manifest has
 * the key "snapshot"), never both.
 * Rows name their table by the id of a T record earlier in the same
 * frame, so every frame decodes on its own.
 *
 * packencode.c writes the records; packcheck.c checks a frame of them,
 * packdata.c feeds a checked one to a sink.
 */
#ifndef PGMESH_PACKDATA_H
#define PGMESH_PACKDATA_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"
#include "common/buf.h"
#include "common/catalog.h"
#include "common/change.h"

struct packdata_event;
struct packdata_vref;

enum packdata_record {
	PACKDATA_TABLE = 0,
	PACKDATA_BEGIN = 1,
	PACKDATA_ROW = 2,
	PACKDATA_COMMIT = 3,
	PACKDATA_SINCE = 4,
	PACKDATA_SNAPSHOT = 5,
	PACKDATA_WATERMARK = 6,
	PACKDATA_SNAPSHOT_END = 7
};

void packdata_put_table(struct buf *b, const struct table *t);
void packdata_put_begin(struct buf *b, const struct txn *txn);
void packdata_put_row(struct buf *b, const struct table *t,
    const struct value *vals);
void packdata_put_commit(struct buf *b);
void packdata_put_since(struct buf *b, lsn_t prev_lsn);
void packdata_put_snapshot(struct buf *b, const struct snapshot *s);
void packdata_put_watermark(struct buf *b, const char *origin, lsn_t lsn);
void packdata_put_snapshot_end(struct buf *b, const struct snapshot *s,
    uint64_t rows);

/*
 * A transaction split across frames, between its frames: the reader of a
 * stream carries it from one frame to the next.
 */
struct packdata_split {
	bool open;		/* the last frame ended inside this txn */
	struct txn txn;
	uint32_t part;		/* the part the next frame must carry */
	/* Or inside this snapshot, of which the frames so far held rows. */
	bool snap_open;
	struct snapshot snap;
	uint64_t snap_rows;
};

/* A watermark of a snapshot frame. */
struct packdata_mark {
	char origin[NODE_MAX + 1];
	lsn_t lsn;
};

/*
 * A checked frame, ready to feed a sink: its records as events, with the
 * values as offsets into the frame's content.  Reused from frame to frame,
 * so it grows to the largest frame's needs and no further.
 */
struct packdata_frame {
	struct packdata_event *events;
	size_t nevents, events_cap;
	struct packdata_vref *vals;
	size_t nvals, vals_cap;
	struct txn *txns;
	size_t ntxns, txns_cap;
	struct value *row;	/* one row's values while feeding */
	size_t row_cap;
	/* A snapshot frame's: the snapshot, its watermarks in the frame, and
	 * with snap_ended the row count its E record says it holds. */
	struct snapshot snap;
	struct packdata_mark *marks;
	size_t nmarks, marks_cap;
	bool snap_ended;
	uint64_t snap_rows;
	const char *content;	/* the content it was decoded from */
	/* Its first part continues a transaction the stream did not begin
	 * (what came before was pruned, or is missing): that part is checked
	 * but not fed, and txns[0] is that transaction. */
	bool orphan_start;
};

void packdata_frame_free(struct packdata_frame *f);

/*
 * Check the content of one data frame against its manifest m: records
 * well formed, every row of a declared table (declared into cat) with the
 * right number of values, transactions whole but for the split ones the
 * manifest announces, and the manifest's counts, LSNs and tables equal to
 * what the records hold.  split (NULL: take the frame alone) says what the
 * previous frame left open, and is carried on to what this one leaves open.
 * On success f holds the frame's records, valid while content is; on
 * READ_BAD_DATA, err says what is wrong.
 */
enum read_result packdata_check(const void *content, size_t len,
    const struct manifest *m, struct catalog *cat,
    struct packdata_split *split, struct packdata_frame *f,
    char *err, size_t errlen);

/*
 * Feed a checked frame's transactions to sink: a frame that continues a
 * split transaction feeds it on from where the previous frame stopped, one
 * that ends inside one leaves it begun.  READ_SINK_FAILED when the sink
 * refused (it reported why), after the transaction open in this frame, if
 * any, was aborted.
 */
enum read_result packdata_feed(struct packdata_frame *f,
    const struct change_sink *sink);

#endif
