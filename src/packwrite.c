/*
 * packwrite.c: the pack writer, a change_sink that emits frames.
 *
 * The open transaction is encoded into its own buffer (txn) and reaches the
 * frame only at commit, so abort just forgets the buffer.  Committed
 * transactions go straight into a streaming zstd compressor; the frame's
 * compressed bytes are held until the frame closes, because the manifest
 * that precedes them carries their length and SHA-256.  Memory is thus
 * bounded by the frame size: the compressed frame, plus one transaction's
 * CBOR, which a transaction larger than a frame never exceeds either, since
 * it is cut into parts of a frame each (manifest continues_prev/next).
 *
 * Table definitions: a frame must decode alone, so it declares (T record)
 * every table before its first row there.  Rows name a table by its
 * catalog name_id, unique per name in the stream: a transaction encoded
 * while one frame was open can thus move into the next frame unchanged,
 * with the T records it had relied on (borrowed) written in front of it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zstd.h>

#include "log.h"
#include "manifest.h"
#include "packdata.h"
#include "packwrite.h"
#include "xalloc.h"

/* zstd's unit of work for its thread. */
#define JOB_BYTES (1 << 20)
/*
 * The size bound of a stream's first frame, and of the first after the
 * input paused; each frame after it may be twice the one before, up to
 * frame_bytes.  The program downstream can do nothing until a frame is
 * whole, so a burst that began with a frame of frame_bytes would leave it
 * idle for that long; the small frames cost a few percent more bytes on
 * their few megabytes only.
 */
#define FIRST_FRAME_BYTES (64 << 10)

struct frame {
	uint64_t cbor;		/* CBOR bytes fed to the compressor */
	char origin[NODE_MAX + 1];
	lsn_t prev_lsn, first_lsn, last_lsn;
	uint64_t ntxns, nrows;
	bool continues_prev;
	uint32_t part;
	const struct table **tables;	/* T records, in frame order */
	size_t ntables, tables_cap;
	unsigned *defined;	/* by name_id: def_id + 1 declared in the frame */
	int64_t opened_ms;	/* when its first transaction came in */
};

struct packwriter {
	int fd;
	char *what;
	struct packwriter_options opts;
	size_t limit;		/* the open frame's size bound */
	struct input *in;
	ZSTD_CCtx *cctx;
	struct buf zout;	/* the compressed data frame so far */
	struct buf held;	/* the frame's CBOR not yet given to zstd */
	struct buf head;	/* manifest; borrowed T records */
	struct frame frame;
	struct manifest_chain chain;	/* where each origin's frames ended */
	unsigned nnames;	/* size of the by-name_id arrays */
	/* The open transaction. */
	struct txn txn;
	struct buf txnbuf;
	uint64_t txn_rows;
	uint32_t parts;		/* frames already written of it (split) */
	unsigned *txn_defined;	/* by name_id, as frame.defined */
	unsigned *touched;	/* name_ids set in txn_defined */
	size_t ntouched;
	const struct table **borrowed;	/* declared by the frame, not txnbuf */
	size_t nborrowed;
	const struct table **declared;	/* T records inside txnbuf, in order */
	size_t ndeclared, declared_cap;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
frame_limit_restart(struct packwriter *pw)
{
	pw->limit = pw->opts.frame_bytes < FIRST_FRAME_BYTES ?
	    pw->opts.frame_bytes : FIRST_FRAME_BYTES;
}

static void
frame_limit_grow(struct packwriter *pw)
{
	pw->limit = pw->limit > pw->opts.frame_bytes / 2 ?
	    pw->opts.frame_bytes : pw->limit * 2;
}

struct packwriter *
packwriter_new(int fd, const char *what, const struct packwriter_options *opts,
    struct input *in)
{
	struct packwriter *pw = xcalloc(1, sizeof(*pw));

	pw->fd = fd;
	pw->what = xstrdup(what);
	pw->opts = *opts;
	pw->in = in;
	frame_limit_restart(pw);
	if ((pw->cctx = ZSTD_createCCtx()) == NULL) {
		log_error("cannot create a zstd compression context");
		free(pw->what);
		free(pw);
		return NULL;
	}
	ZSTD_CCtx_setParameter(pw->cctx, ZSTD_c_compressionLevel, opts->level);
	/* Every data frame carries zstd's checksum of its content. */
	ZSTD_CCtx_setParameter(pw->cctx, ZSTD_c_checksumFlag, 1);
	/*
	 * Compress in a thread of its own, while this one parses and encodes
	 * the next transactions (ignored where libzstd lacks threads).  Jobs
	 * of 1 MiB let the two overlap within a frame, not only across them;
	 * each job reloads half the window before it (overlapLog 8), which
	 * keeps the output within 2% of single-threaded zstd's.  On the
	 * benchmark's payments: 0.35 s instead of 0.45 s, 6.5 B/row.
	 */
	ZSTD_CCtx_setParameter(pw->cctx, ZSTD_c_nbWorkers, 1);
	ZSTD_CCtx_setParameter(pw->cctx, ZSTD_c_jobSize, JOB_BYTES);
	ZSTD_CCtx_setParameter(pw->cctx, ZSTD_c_overlapLog, 8);
	buf_init(&pw->zout);
	buf_init(&pw->held);
	buf_init(&pw->head);
	buf_init(&pw->txnbuf);
	return pw;
}

void
packwriter_free(struct packwriter *pw)
{
	if (pw == NULL)
		return;
	ZSTD_freeCCtx(pw->cctx);
	buf_free(&pw->zout);
	buf_free(&pw->held);
	buf_free(&pw->head);
	buf_free(&pw->txnbuf);
	free(pw->frame.tables);
	free(pw->frame.defined);
	free(pw->txn_defined);
	free(pw->touched);
	free(pw->borrowed);
	free(pw->declared);
	manifest_chain_free(&pw->chain);
	free(pw->what);
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
	pw->frame.defined = xreallocarray(pw->frame.defined, pw->nnames,
	    sizeof(unsigned));
	pw->txn_defined = xreallocarray(pw->txn_defined, pw->nnames,
	    sizeof(unsigned));
	pw->touched = xreallocarray(pw->touched, pw->nnames, sizeof(unsigned));
	pw->borrowed = xreallocarray(pw->borrowed, pw->nnames,
	    sizeof(*pw->borrowed));
	memset(pw->frame.defined + n, 0, (pw->nnames - n) * sizeof(unsigned));
	memset(pw->txn_defined + n, 0, (pw->nnames - n) * sizeof(unsigned));
}

/* Compress data into the open frame (mode ZSTD_e_end closes it). */
static bool
compress(struct packwriter *pw, const void *data, size_t len,
    ZSTD_EndDirective mode)
{
	ZSTD_inBuffer zin = { data, len, 0 };
	size_t left;

	do {
		size_t room = ZSTD_CStreamOutSize();
		ZSTD_outBuffer zout = { buf_reserve(&pw->zout, room), room, 0 };

		left = ZSTD_compressStream2(pw->cctx, &zout, &zin, mode);
		if (ZSTD_isError(left)) {
			log_error("zstd: %s", ZSTD_getErrorName(left));
			return false;
		}
		pw->zout.len += zout.pos;
	} while (zin.pos < zin.size || (mode == ZSTD_e_end && left != 0));
	return true;
}

/*
 * Give CBOR to the compressor a job at a time.  Until a job's worth is
 * there it is held back, so that a frame smaller than that reaches zstd
 * whole, with ZSTD_e_end, and zstd compresses it right here instead of
 * handing it to its worker thread and waiting for it: a lone transaction
 * flushed when the input goes idle is one thread wakeup sooner out.
 */
static bool
compress_held(struct packwriter *pw, const struct buf *cbor)
{
	bool ok = true;

	buf_append(&pw->held, cbor->data, cbor->len);
	if (pw->held.len >= JOB_BYTES) {
		ok = compress(pw, pw->held.data, pw->held.len, ZSTD_e_continue);
		buf_reset(&pw->held);
	}
	return ok;
}

static void
frame_add_table(struct frame *f, const struct table *t)
{
	if (f->ntables == f->tables_cap) {
		f->tables_cap = f->tables_cap ? f->tables_cap * 2 : 16;
		f->tables = xreallocarray(f->tables, f->tables_cap,
		    sizeof(*f->tables));
	}
	f->tables[f->ntables++] = t;
}

/* Write the manifest, then the data frame. */
static bool
write_frame(struct packwriter *pw, bool continues_next)
{
	struct frame *f = &pw->frame;
	struct manifest m = { .version = PACK_FORMAT_VERSION };
	char first[LSN_BUFSIZE], last[LSN_BUFSIZE];
	bool ok;

	memcpy(m.origin, f->origin, sizeof(m.origin));
	m.prev_lsn = f->prev_lsn;
	m.first_lsn = f->first_lsn;
	m.last_lsn = f->last_lsn;
	m.ntxns = f->ntxns;
	m.nrows = f->nrows;
	m.continues_prev = f->continues_prev;
	m.continues_next = continues_next;
	m.part = f->part;
	m.ntables = f->ntables;
	m.tables = xcalloc(f->ntables + 1, sizeof(*m.tables));
	m.table_ncols = xcalloc(f->ntables + 1, sizeof(*m.table_ncols));
	m.table_cols = xcalloc(f->ntables + 1, sizeof(*m.table_cols));
	for (size_t i = 0; i < f->ntables; i++) {
		m.tables[i] = f->tables[i]->name;
		m.table_ncols[i] = f->tables[i]->ncols;
		m.table_cols[i] = f->tables[i]->cols;
	}
	m.data_len = pw->zout.len;
	ok = sha256(pw->zout.data, pw->zout.len, m.sha256);
	buf_reset(&pw->head);
	manifest_encode(&m, &pw->head);
	free(m.tables);
	free(m.table_ncols);
	free(m.table_cols);
	if (!ok) {
		log_error("SHA-256 failed");
		return false;
	}
	log_verbose("frame: origin %s, LSN %s to %s, %" PRIu64 " transactions, "
	    "%" PRIu64 " rows, %zu bytes", m.origin, lsn_format(m.first_lsn, first),
	    lsn_format(m.last_lsn, last), m.ntxns, m.nrows,
	    pw->head.len + pw->zout.len);
	/* One write for the whole frame: a reader woken by the manifest
	 * alone would only have to wait again for the rest. */
	buf_append(&pw->head, pw->zout.data, pw->zout.len);
	return buf_write_fd(&pw->head, pw->fd, pw->what);
}

/* Close the open frame, if any, and write it out. */
static bool
close_frame(struct packwriter *pw, bool continues_next)
{
	struct frame *f = &pw->frame;
	bool ok;

	if (f->cbor == 0)
		return true;
	ok = compress(pw, pw->held.data, pw->held.len, ZSTD_e_end) &&
	    write_frame(pw, continues_next);
	buf_reset(&pw->held);
	frame_limit_grow(pw);
	/* The next frame of this origin, a further part of a split
	 * transaction too, continues where this one ends. */
	*manifest_chain_at(&pw->chain, f->origin) = f->last_lsn;
	if (!ok)	/* start the next frame afresh, whatever zstd holds */
		ZSTD_CCtx_reset(pw->cctx, ZSTD_reset_session_only);
	buf_reset(&pw->zout);
	f->cbor = 0;
	f->ntxns = f->nrows = 0;
	f->ntables = 0;
	f->continues_prev = false;
	f->part = 0;
	if (pw->nnames > 0)
		memset(f->defined, 0, pw->nnames * sizeof(unsigned));
	return ok;
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
frame_add_txn(struct packwriter *pw)
{
	struct frame *f = &pw->frame;

	buf_reset(&pw->head);
	if (f->cbor == 0) {
		memcpy(f->origin, pw->txn.origin, sizeof(f->origin));
		f->prev_lsn = *manifest_chain_at(&pw->chain, f->origin);
		f->first_lsn = pw->txn.lsn;
		f->continues_prev = pw->parts > 0;
		f->part = pw->parts;
		f->opened_ms = now_ms();
		if (f->prev_lsn != 0)
			packdata_put_since(&pw->head, f->prev_lsn);
	}
	/* What it relied on is declared again only in a frame opened since. */
	for (size_t i = 0; i < pw->nborrowed; i++) {
		const struct table *t = pw->borrowed[i];

		if (f->defined[t->name_id] == t->def_id + 1)
			continue;
		packdata_put_table(&pw->head, t);
		frame_add_table(f, t);
	}
	for (size_t i = 0; i < pw->ndeclared; i++)
		frame_add_table(f, pw->declared[i]);
	for (size_t i = 0; i < pw->ntouched; i++)
		f->defined[pw->touched[i]] = pw->txn_defined[pw->touched[i]];
	txn_forget_tables(pw);
	f->cbor += pw->head.len + pw->txnbuf.len;
	f->ntxns += pw->parts == 0;
	f->nrows += pw->txn_rows;
	f->last_lsn = pw->txn.lsn;
	pw->txn_rows = 0;
	if (!compress_held(pw, &pw->head) || !compress_held(pw, &pw->txnbuf))
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
	if (!frame_add_txn(pw) || !close_frame(pw, true))
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
	    !close_frame(pw, false))
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
		if (pw->frame.defined[id] == want) {
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

static bool
sink_row(void *ctx, const struct table *t, const struct value *vals)
{
	struct packwriter *pw = ctx;

	txn_declare(pw, t);
	packdata_put_row(&pw->txnbuf, t, vals);
	pw->txn_rows++;
	if (pw->frame.cbor + pw->txnbuf.len <= pw->limit)
		return true;
	/* The frame is full with this transaction: close what is committed,
	 * and cut the transaction itself when it is larger than a frame. */
	if (!close_frame(pw, false))
		return false;
	return pw->txnbuf.len < pw->opts.frame_bytes || txn_write_part(pw);
}

static bool
sink_commit(void *ctx, const struct txn *txn)
{
	struct packwriter *pw = ctx;

	(void)txn;
	packdata_put_commit(&pw->txnbuf);
	if (pw->frame.cbor > 0 &&
	    pw->frame.cbor + pw->txnbuf.len > pw->limit &&
	    !close_frame(pw, false))
		return false;
	if (!frame_add_txn(pw))
		return false;
	pw->parts = 0;
	return pw->frame.cbor < pw->limit || close_frame(pw, false);
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
	left = pw->frame.opened_ms + pw->opts.frame_ms - now_ms();
	if (left > 0 && pw->in != NULL && input_ready(pw->in, (int)left))
		return true;
	if (!close_frame(pw, false))
		return false;
	frame_limit_restart(pw);
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
	struct frame *f = &pw->frame;

	if (f->cbor > 0 && strcmp(f->origin, origin) == 0) {
		if (lsn == f->last_lsn)
			return true;	/* the frames say so already */
		if (!close_frame(pw, false))
			return false;
	}
	*manifest_chain_at(&pw->chain, origin) = lsn;
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
	};
}

bool
packwriter_finish(struct packwriter *pw)
{
	return close_frame(pw, false);
}
