/*
 * packframe.c: the pack writer's open frame, compressed and written out.
 *
 * Committed transactions go straight into a streaming zstd compressor; the
 * frame's compressed bytes are held until the frame closes, because the
 * manifest that precedes them carries their length and SHA-256.  The frame
 * also keeps the tables it declares: the manifest lists them, and the sink
 * need not declare them again in the frame (packwrite.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framesig.h"
#include "packdata.h"
#include "packframe.h"
#include "common/log.h"
#include "common/xalloc.h"

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

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
packframe_limit_restart(struct packframe *f)
{
	f->limit = f->max_bytes < FIRST_FRAME_BYTES ?
	    f->max_bytes : FIRST_FRAME_BYTES;
}

static void
frame_limit_grow(struct packframe *f)
{
	f->limit = f->limit > f->max_bytes / 2 ? f->max_bytes : f->limit * 2;
}

bool
packframe_init(struct packframe *f, int fd, const char *what, int level,
    size_t max_bytes, const struct sshprivkey *key)
{
	memset(f, 0, sizeof(*f));
	if ((f->cctx = ZSTD_createCCtx()) == NULL) {
		log_error("cannot create a zstd compression context");
		return false;
	}
	ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_compressionLevel, level);
	/* Every data frame carries zstd's checksum of its content. */
	ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_checksumFlag, 1);
	/*
	 * Compress in a thread of its own, while this one parses and encodes
	 * the next transactions (ignored where libzstd lacks threads).  Jobs
	 * of 1 MiB let the two overlap within a frame, not only across them;
	 * each job reloads half the window before it (overlapLog 8), which
	 * keeps the output within 2% of single-threaded zstd's.  On the
	 * benchmark's payments: 0.35 s instead of 0.45 s, 6.5 B/row.
	 */
	ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_nbWorkers, 1);
	ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_jobSize, JOB_BYTES);
	ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_overlapLog, 8);
	f->key = key;
	f->fd = fd;
	f->what = xstrdup(what);
	f->max_bytes = max_bytes;
	packframe_limit_restart(f);
	buf_init(&f->zout);
	buf_init(&f->held);
	buf_init(&f->head);
	return true;
}

void
packframe_free(struct packframe *f)
{
	ZSTD_freeCCtx(f->cctx);
	buf_free(&f->zout);
	buf_free(&f->held);
	buf_free(&f->head);
	free(f->tables);
	free(f->defined);
	manifest_chain_free(&f->chain);
	free(f->what);
}

int64_t
packframe_age_ms(const struct packframe *f)
{
	return now_ms() - f->opened_ms;
}

bool
packframe_declares(const struct packframe *f, const struct table *t)
{
	return t->name_id < f->nnames &&
	    f->defined[t->name_id] == t->def_id + 1;
}

void
packframe_add_table(struct packframe *f, const struct table *t)
{
	unsigned n = f->nnames;

	if (t->name_id >= n) {
		f->nnames = t->name_id + 64;
		f->defined = xreallocarray(f->defined, f->nnames,
		    sizeof(unsigned));
		memset(f->defined + n, 0, (f->nnames - n) * sizeof(unsigned));
	}
	f->defined[t->name_id] = t->def_id + 1;
	if (f->ntables == f->tables_cap) {
		f->tables_cap = f->tables_cap ? f->tables_cap * 2 : 16;
		f->tables = xreallocarray(f->tables, f->tables_cap,
		    sizeof(*f->tables));
	}
	f->tables[f->ntables++] = t;
}

/* Compress data into the open frame (mode ZSTD_e_end closes it). */
static bool
compress(struct packframe *f, const void *data, size_t len,
    ZSTD_EndDirective mode)
{
	ZSTD_inBuffer zin = { data, len, 0 };
	size_t left;

	do {
		size_t room = ZSTD_CStreamOutSize();
		ZSTD_outBuffer zout = { buf_reserve(&f->zout, room), room, 0 };

		left = ZSTD_compressStream2(f->cctx, &zout, &zin, mode);
		if (ZSTD_isError(left)) {
			log_error("zstd: %s", ZSTD_getErrorName(left));
			return false;
		}
		f->zout.len += zout.pos;
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
compress_held(struct packframe *f, const struct buf *cbor)
{
	bool ok = true;

	buf_append(&f->held, cbor->data, cbor->len);
	if (f->held.len >= JOB_BYTES) {
		ok = compress(f, f->held.data, f->held.len, ZSTD_e_continue);
		buf_reset(&f->held);
	}
	return ok;
}

/*
 * Open a frame for txn's origin, starting with part of txn.  Its first
 * record, the manifest's prev_lsn again (when its input made a claim),
 * goes straight into held: held is empty, as every closed frame leaves
 * it, so that record alone could never make a job for compress_held.
 */
static void
frame_open(struct packframe *f, const struct txn *txn, uint32_t part)
{
	memcpy(f->origin, txn->origin, sizeof(f->origin));
	f->prev_lsn = *manifest_chain_at(&f->chain, f->origin);
	f->first_lsn = txn->lsn;
	f->continues_prev = part > 0;
	f->part = part;
	f->opened_ms = now_ms();
	if (f->prev_lsn != CLAIM_NONE)
		packdata_put_since(&f->held, f->prev_lsn);
	f->cbor = f->held.len;
}

bool
packframe_add_txn(struct packframe *f, const struct txn *txn, uint32_t part,
    const struct buf *tables, const struct buf *cbor, uint64_t nrows)
{
	if (f->cbor == 0)
		frame_open(f, txn, part);
	f->cbor += tables->len + cbor->len;
	f->ntxns += part == 0;
	f->nrows += nrows;
	f->last_lsn = txn->lsn;
	return compress_held(f, tables) && compress_held(f, cbor);
}

/*
 * A snapshot's part opens a frame of its own: no LSNs, no claim, no P
 * record; a snapshot neither makes nor breaks the claims of transactions.
 */
bool
packframe_add_snapshot(struct packframe *f, const struct snapshot *s,
    uint32_t part, const struct buf *cbor, uint64_t nrows)
{
	memcpy(f->origin, s->source, sizeof(f->origin));
	f->snapshot = true;
	f->taken = s->taken;
	f->prev_lsn = CLAIM_NONE;
	f->first_lsn = f->last_lsn = 0;
	f->continues_prev = part > 0;
	f->part = part;
	f->opened_ms = now_ms();
	f->cbor = cbor->len;
	f->nrows = nrows;
	return compress_held(f, cbor);
}

/* Write the manifest, then the data frame. */
static bool
write_frame(struct packframe *f, bool continues_next)
{
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
	m.snapshot = f->snapshot;
	m.taken = f->taken;
	m.ntables = f->ntables;
	m.tables = xcalloc(f->ntables + 1, sizeof(*m.tables));
	m.table_ncols = xcalloc(f->ntables + 1, sizeof(*m.table_ncols));
	m.table_cols = xcalloc(f->ntables + 1, sizeof(*m.table_cols));
	for (size_t i = 0; i < f->ntables; i++) {
		m.tables[i] = f->tables[i]->name;
		m.table_ncols[i] = f->tables[i]->ncols;
		m.table_cols[i] = f->tables[i]->cols;
	}
	m.data_len = f->zout.len;
	m.content_len = f->cbor;
	if (!(ok = sha256(f->zout.data, f->zout.len, m.sha256)))
		log_error("SHA-256 failed");
	/* Signed last: the signature covers every other entry. */
	else if (f->key != NULL)
		ok = framesig_sign(f->key, &m);
	buf_reset(&f->head);
	manifest_encode(&m, &f->head);
	free(m.sig);
	free(m.tables);
	free(m.table_ncols);
	free(m.table_cols);
	if (!ok)
		return false;
	if (m.snapshot)
		log_verbose("frame: snapshot of %s, part %" PRIu32 ", %" PRIu64
		    " rows, %zu bytes", m.origin, m.part, m.nrows,
		    f->head.len + f->zout.len);
	else
		log_verbose("frame: origin %s, LSN %s to %s, %" PRIu64
		    " transactions, %" PRIu64 " rows, %zu bytes", m.origin,
		    lsn_format(m.first_lsn, first), lsn_format(m.last_lsn, last),
		    m.ntxns, m.nrows, f->head.len + f->zout.len);
	/* One write for the whole frame: a reader woken by the manifest
	 * alone would only have to wait again for the rest. */
	buf_append(&f->head, f->zout.data, f->zout.len);
	return buf_write_fd(&f->head, f->fd, f->what);
}

bool
packframe_close(struct packframe *f, bool continues_next)
{
	bool ok;

	if (f->cbor == 0)
		return true;
	ok = compress(f, f->held.data, f->held.len, ZSTD_e_end) &&
	    write_frame(f, continues_next);
	buf_reset(&f->held);
	frame_limit_grow(f);
	/* The next frame of this origin, a further part of a split
	 * transaction too, continues where this one ends; a snapshot's
	 * frames are not in the chain. */
	if (!f->snapshot)
		*manifest_chain_at(&f->chain, f->origin) = f->last_lsn;
	f->snapshot = false;
	if (!ok)	/* start the next frame afresh, whatever zstd holds */
		ZSTD_CCtx_reset(f->cctx, ZSTD_reset_session_only);
	buf_reset(&f->zout);
	f->cbor = 0;
	f->ntxns = f->nrows = 0;
	f->ntables = 0;
	f->continues_prev = false;
	f->part = 0;
	if (f->nnames > 0)
		memset(f->defined, 0, f->nnames * sizeof(unsigned));
	return ok;
}
