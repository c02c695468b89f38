/*
 * packwrite.c: the pack writer, a change_sink that emits frames (packframe.c
 * compresses and writes them).
 *
 * The open transaction is encoded into its own buffer (txn) and reaches the
 * frame only at commit, so abort just forgets the buffer.  Memory is
 * bounded by the frame size: the compressed frame (held until it closes),
 * plus one transaction's CBOR, which a transaction larger than a frame never
 * exceeds either, since it is cut into parts of a frame each (manifest
 * continues_prev/next).
 *
 * Table definitions: a frame must decode alone, so it declares (T record)
 * every table before its first row there.  Rows name a table by its
 * catalog name_id, unique per name in the stream: a transaction encoded
 * while one frame was open can thus move into the next frame unchanged,
 * with the T records it had relied on (borrowed) written in front of it.
 *
 * A snapshot goes the same way as a transaction larger than a frame: its
 * records gather in txnbuf, and each time they fill a frame they are
 * written as a frame of their own that says the snapshot goes on, so a
 * snapshot of any size takes a frame's memory.  Its frames hold nothing
 * else, and each starts with the S record again (pgmesh-format(5)).
 */
#include <stdlib.h>
#include <string.h>

#include "packdata.h"
#include "packframe.h"
#include "packwrite.h"
#include "common/xalloc.h"

struct packwriter {
	struct packwriter_options opts;
	struct input *in;
	struct packframe frame;
	unsigned nnames;	/* size of the by-name_id arrays */
	/* The open transaction. */
	struct txn txn;
	struct buf txnbuf;
	uint64_t txn_rows;
	uint32_t parts;		/* frames already written of it (split) */
	unsigned *txn_defined;	/* by name_id: def_id + 1 it relies on */
	unsigned *touched;	/* name_ids set in txn_defined */
	size_t ntouched;
	const struct table **borrowed;	/* declared by the frame, not txnbuf */
	size_t nborrowed;
	const struct table **declared;	/* T records inside txnbuf, in order */
	size_t ndeclared, declared_cap;
	struct buf redeclared;	/* borrowed T records a new frame lacks */
	/* The open snapshot, when in_snap: txn and parts do not apply. */
	bool in_snap;
	struct snapshot snap;
};

struct packwriter *
packwriter_new(int fd, const char *what, const struct packwriter_options *opts,
    struct input *in)
{
	struct packwriter *pw = xcalloc(1, sizeof(*pw));

	if (!packframe_init(&pw->frame, fd, what, opts->level,
	    opts->frame_bytes, opts->key)) {
		free(pw);
		return NULL;
	}
	pw->opts = *opts;
	pw->in = in;
	buf_init(&pw->txnbuf);
	buf_init(&pw->redeclared);
	return pw;
}

void
packwriter_free(struct packwriter *pw)
{
	if (pw == NULL)
		return;
	packframe_free(&pw->frame);
	buf_free(&pw->txnbuf);
	buf_free(&pw->redeclared);
	free(pw->txn_defined);
	free(pw->touched);
	free(pw->borrowed);
	free(pw->declared);
	free(pw);
}

/* Room for name_id in the arrays indexed by it. */
static void
grow_names(struct packwriter *pw, unsigned name_id)
{
	unsigned n = pw->nnames;

	if (name_id < n)
		return;
	pw->nnames = name_id + 64;
	pw->txn_defined = xreallocarray(pw->txn_defined, pw->nnames,
	    sizeof(unsigned));
	pw->touched = xreallocarray(pw->touched, pw->nnames, sizeof(unsigned));
	pw->borrowed = xreallocarray(pw->borrowed, pw->nnames,
	    sizeof(*pw->borrowed));
	memset(pw->txn_defined + n, 0, (pw->nnames - n) * sizeof(unsigned));
}

/* Forget the open transaction's table bookkeeping. */
static void
txn_forget_tables(struct packwriter *pw)
{
	for (size_t i = 0; i < pw->ntouched; i++)
		pw->txn_defined[pw->touched[i]] = 0;
	pw->ntouched = 0;
	pw->nborrowed = 0;
	pw->ndeclared = 0;
}

/* Move the open transaction's CBOR into the frame (opening it if need be). */
static bool
txn_move_to_frame(struct packwriter *pw)
{
	struct packframe *f = &pw->frame;
	bool ok;

	/* What it relied on is declared again only in a frame opened since. */
	buf_reset(&pw->redeclared);
	for (size_t i = 0; i < pw->nborrowed; i++) {
		const struct table *t = pw->borrowed[i];

		if (packframe_declares(f, t))
			continue;
		packdata_put_table(&pw->redeclared, t);
		packframe_add_table(f, t);
	}
	for (size_t i = 0; i < pw->ndeclared; i++)
		packframe_add_table(f, pw->declared[i]);
	txn_forget_tables(pw);
	ok = packframe_add_txn(f, &pw->txn, pw->parts, &pw->redeclared,
	    &pw->txnbuf, pw->txn_rows);
	pw->txn_rows = 0;
	if (!ok)
		return false;
	buf_reset(&pw->txnbuf);
	return true;
}

/*
 * The open transaction outgrew a frame: write what it has so far as a
 * frame of its own that says it goes on, and start its next part with its
 * B record again, so that every part names the transaction it belongs to.
 */
static bool
txn_write_part(struct packwriter *pw)
{
	if (!txn_move_to_frame(pw) || !packframe_close(&pw->frame, true))
		return false;
	pw->parts++;
	packdata_put_begin(&pw->txnbuf, &pw->txn);
	return true;
}

static bool
sink_begin(void *ctx, const struct txn *txn)
{
	struct packwriter *pw = ctx;

	/* One origin per frame: routing and progress go by the manifest. */
	if (pw->frame.cbor > 0 && strcmp(pw->frame.origin, txn->origin) != 0 &&
	    !packframe_close(&pw->frame, false))
		return false;
	pw->txn = *txn;
	pw->txn_rows = 0;
	pw->parts = 0;
	buf_reset(&pw->txnbuf);
	packdata_put_begin(&pw->txnbuf, txn);
	return true;
}

/* Declare t in the transaction, unless the frame or the txn already has. */
static void
txn_declare(struct packwriter *pw, const struct table *t)
{
	unsigned want = t->def_id + 1, id = t->name_id;

	grow_names(pw, id);
	if (pw->txn_defined[id] == want)
		return;
	if (pw->txn_defined[id] == 0) {
		pw->touched[pw->ntouched++] = id;
		if (packframe_declares(&pw->frame, t)) {
			pw->borrowed[pw->nborrowed++] = t;
			pw->txn_defined[id] = want;
			return;
		}
	}
	if (pw->ndeclared == pw->declared_cap) {
		pw->declared_cap = pw->declared_cap ? pw->declared_cap * 2 : 16;
		pw->declared = xreallocarray(pw->declared, pw->declared_cap,
		    sizeof(*pw->declared));
	}
	pw->declared[pw->ndeclared++] = t;
	pw->txn_defined[id] = want;
	packdata_put_table(&pw->txnbuf, t);
}

/* The snapshot's records so far into a frame of their own, closed. */
static bool
snap_write_part(struct packwriter *pw, bool continues_next)
{
	struct packframe *f = &pw->frame;
	bool ok;

	for (size_t i = 0; i < pw->ndeclared; i++)
		packframe_add_table(f, pw->declared[i]);
	txn_forget_tables(pw);
	ok = packframe_add_snapshot(f, &pw->snap, pw->parts, &pw->txnbuf,
	    pw->txn_rows) && packframe_close(f, continues_next);
	buf_reset(&pw->txnbuf);
	pw->txn_rows = 0;
	pw->parts++;
	if (continues_next)
		packdata_put_snapshot(&pw->txnbuf, &pw->snap);
	return ok;
}

static bool
sink_snapshot_begin(void *ctx, const struct snapshot *s)
{
	struct packwriter *pw = ctx;

	if (!packframe_close(&pw->frame, false))
		return false;
	pw->in_snap = true;
	pw->snap = *s;
	pw->parts = 0;
	pw->txn_rows = 0;
	txn_forget_tables(pw);
	buf_reset(&pw->txnbuf);
	packdata_put_snapshot(&pw->txnbuf, s);
	return true;
}

static bool
sink_watermark(void *ctx, const char *origin, lsn_t lsn)
{
	struct packwriter *pw = ctx;

	packdata_put_watermark(&pw->txnbuf, origin, lsn);
	return true;
}

static bool
sink_snapshot_end(void *ctx, const struct snapshot *s, uint64_t rows)
{
	struct packwriter *pw = ctx;

	packdata_put_snapshot_end(&pw->txnbuf, s, rows);
	pw->in_snap = false;
	if (!snap_write_part(pw, false))
		return false;
	pw->parts = 0;
	return true;
}

static bool
sink_row(void *ctx, const struct table *t, const struct value *vals)
{
	struct packwriter *pw = ctx;
	struct packframe *f = &pw->frame;

	if (pw->in_snap) {
		txn_declare(pw, t);
		packdata_put_row(&pw->txnbuf, t, vals);
		pw->txn_rows++;
		return pw->txnbuf.len < f->limit || snap_write_part(pw, true);
	}
	txn_declare(pw, t);
	packdata_put_row(&pw->txnbuf, t, vals);
	pw->txn_rows++;
	if (f->cbor + pw->txnbuf.len <= f->limit)
		return true;
	/* The frame is full with this transaction: close what is committed,
	 * and cut the transaction itself when it is larger than a frame. */
	if (!packframe_close(f, false))
		return false;
	return pw->txnbuf.len < pw->opts.frame_bytes || txn_write_part(pw);
}

static bool
sink_commit(void *ctx, const struct txn *txn)
{
	struct packwriter *pw = ctx;
	struct packframe *f = &pw->frame;

	(void)txn;
	packdata_put_commit(&pw->txnbuf);
	if (f->cbor > 0 && f->cbor + pw->txnbuf.len > f->limit &&
	    !packframe_close(f, false))
		return false;
	if (!txn_move_to_frame(pw))
		return false;
	pw->parts = 0;
	return f->cbor < f->limit || packframe_close(f, false);
}

static void
sink_abort(void *ctx)
{
	struct packwriter *pw = ctx;

	/*
	 * Parts of a split transaction already written stay written: their
	 * manifests say the transaction goes on, and a reader that never sees
	 * its last part drops it whole (pgmesh-format(5)).
	 */
	txn_forget_tables(pw);
	buf_reset(&pw->txnbuf);
	pw->txn_rows = 0;
	pw->parts = 0;
	pw->in_snap = false;
}

/*
 * The input has nothing more for now.  Wait for more until the open frame
 * is frame_ms old, then close it: a transaction written into pack's input
 * is on its way downstream within frame_ms, without waiting for EOF.
 */
static bool
sink_idle(void *ctx)
{
	struct packwriter *pw = ctx;
	int64_t left;

	if (pw->frame.cbor == 0)
		return true;
	left = pw->opts.frame_ms - packframe_age_ms(&pw->frame);
	if (left > 0 && pw->in != NULL && input_ready(pw->in, (int)left))
		return true;
	if (!packframe_close(&pw->frame, false))
		return false;
	packframe_limit_restart(&pw->frame);
	return true;
}

/*
 * A continuity claim (P record) for origin: it becomes the prev_lsn of the
 * origin's next frame.  An open frame of origin that the claim does not
 * simply continue is closed first, so that the claim starts a frame.
 */
static bool
sink_since(void *ctx, const char *origin, lsn_t lsn)
{
	struct packwriter *pw = ctx;
	struct packframe *f = &pw->frame;

	if (f->cbor > 0 && strcmp(f->origin, origin) == 0) {
		if (lsn == f->last_lsn)
			return true;	/* the frames say so already */
		if (!packframe_close(f, false))
			return false;
	}
	*manifest_chain_at(&f->chain, origin) = lsn;
	return true;
}

/*
 * A new stream: the claims of the one before do not carry over.  The open
 * frame is closed first, since closing sets its origin's chain.
 */
static bool
sink_restart(void *ctx)
{
	struct packwriter *pw = ctx;

	if (!packframe_close(&pw->frame, false))
		return false;
	manifest_chain_free(&pw->frame.chain);
	return true;
}

struct change_sink
packwriter_sink(struct packwriter *pw)
{
	return (struct change_sink){
		.ctx = pw,
		.begin = sink_begin,
		.row = sink_row,
		.commit = sink_commit,
		.abort = sink_abort,
		.idle = sink_idle,
		.since = sink_since,
		.restart = sink_restart,
		.snapshot_begin = sink_snapshot_begin,
		.watermark = sink_watermark,
		.snapshot_end = sink_snapshot_end,
	};
}

bool
packwriter_finish(struct packwriter *pw)
{
	return packframe_close(&pw->frame, false);
}
