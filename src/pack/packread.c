/*
 * packread.c: pack streams in, frame by frame.
 *
 * A frame's bytes are checked whole (framecheck.h), then its records
 * against its manifest (packdata.h); only then does any transaction of it
 * reach a sink.  Memory is bounded by the frame size, not the stream: a
 * stream reader holds the frame it feeds and the one fetched after it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "framecheck.h"
#include "packdata.h"
#include "packread.h"
#include "prefetch.h"
#include "common/log.h"
#include "common/xalloc.h"

bool
pack_detect(const unsigned char *data, size_t len)
{
	static const unsigned char magic[4] = { 0x5E, 0x2A, 0x4D, 0x18 };
	size_t n = len < 4 ? len : 4;

	return len > 0 && memcmp(data, magic, n) == 0;
}

enum read_result
pack_peek_frame(struct input *in, struct manifest *m, struct buf *frame,
    uint64_t *offset, bool *got)
{
	struct frame_error err;
	enum read_result r;
	size_t len;

	r = frame_read(in, m, offset, &len, got, &err);
	if (r == READ_BAD_DATA)
		log_error("%s", err.text);
	if (r != READ_OK || !*got) {
		/* The caller frees only the manifests it was given. */
		manifest_free(m);
		return r;
	}
	*frame = (struct buf){ .data = in->buf + in->start, .len = len,
	    .cap = len };
	return r;
}

enum read_result
pack_next_frame(struct input *in, struct manifest *m, struct buf *raw,
    uint64_t *offset, bool *got)
{
	struct buf frame;
	enum read_result r = pack_peek_frame(in, m, &frame, offset, got);

	if (r != READ_OK || !*got)
		return r;
	if (raw != NULL) {
		buf_reset(raw);
		buf_append(raw, frame.data, frame.len);
	}
	input_skip(in, frame.len);
	return r;
}

/*
 * Before a checked frame's transactions: its prev_lsn as a continuity claim
 * (P record), unless the frames before it in the stream (chain) say as much
 * already, so that pack | pack -d gives back change text byte for byte.
 * The first frame of an origin in the stream always says it, a claim or
 * CLAIM_NONE (format 1).
 */
static enum read_result
feed_since(const struct manifest *m, struct manifest_chain *chain,
    const struct change_sink *sink)
{
	lsn_t *end = manifest_chain_at(chain, m->origin);
	bool said = *end != CLAIM_NONE && m->prev_lsn == *end;

	*end = m->prev_lsn == CLAIM_NONE ? CLAIM_NONE : m->last_lsn;
	if (said || sink->since == NULL ||
	    sink->since(sink->ctx, m->origin, m->prev_lsn))
		return READ_OK;
	return READ_SINK_FAILED;
}

enum read_result
pack_check_bytes(const struct manifest *m, const struct buf *raw,
    const struct signers *signers, const char *what, uint64_t offset)
{
	struct frame_error err;

	if (frame_check_bytes(m, (const unsigned char *)raw->data, raw->len,
	    signers, what, offset, &err))
		return READ_OK;
	log_error("%s", err.text);
	return READ_BAD_DATA;
}

void
pack_checker_free(struct pack_checker *pc)
{
	ZSTD_freeDCtx(pc->dctx);
	buf_free(&pc->content);
	packdata_frame_free(&pc->f);
	pc->dctx = NULL;
}

/* The records of a decompressed frame taken alone, then into sink, if any. */
static enum read_result
check_alone(struct pack_checker *pc, const struct manifest *m,
    struct catalog *cat, const struct change_sink *sink, const char *what,
    uint64_t offset)
{
	enum read_result r;
	char err[600];

	r = packdata_check(pc->content.data, pc->content.len, m, cat, NULL,
	    &pc->f, err, sizeof(err));
	if (r == READ_BAD_DATA) {
		frame_error_set(&pc->err, what, offset, "%s", err);
		log_error("%s", pc->err.text);
	}
	if (r == READ_OK && sink != NULL)
		r = packdata_feed(&pc->f, sink);
	return r;
}

enum read_result
pack_check_frame(struct pack_checker *pc, const struct manifest *m,
    const struct buf *raw, struct catalog *cat,
    const struct change_sink *sink, const char *what, uint64_t offset)
{
	if (sink != NULL && (m->continues_prev || m->continues_next ||
	    m->snapshot)) {
		frame_error_set(&pc->err, what, offset, "%s", m->snapshot ?
		    "holds a snapshot, which only pgmesh-apply --snapshot-from "
		    "takes" : "holds a part of a split transaction, which "
		    "cannot be applied alone");
		log_error("%s", pc->err.text);
		return READ_BAD_DATA;
	}
	if (pc->dctx == NULL && (pc->dctx = frame_dctx_new()) == NULL)
		return READ_IO_ERROR;
	if (!frame_unpack(pc->dctx, m, (const unsigned char *)raw->data,
	    raw->len, pc->signers, &pc->content, what, offset, &pc->err)) {
		log_error("%s", pc->err.text);
		return READ_BAD_DATA;
	}
	return check_alone(pc, m, cat, sink, what, offset);
}

/*
 * The next frame of a stream, telling sink first when the input has gone
 * idle, which it may only be told between transactions (change.h): never
 * inside one split across frames.  A frame that failed its byte checks is
 * reported here, in stream order.
 */
static enum read_result
take_frame(struct prefetch *p, const struct change_sink *sink,
    bool inside_txn, struct prefetched **s)
{
	bool may_idle = sink->idle != NULL && !inside_txn;

	if ((*s = prefetch_next(p, !may_idle)) == NULL) {
		if (!sink->idle(sink->ctx))
			return READ_SINK_FAILED;
		*s = prefetch_next(p, true);
	}
	if ((*s)->result == READ_BAD_DATA)
		log_error("%s", (*s)->err.text);
	return (*s)->result;
}

/* What a stream's frames have fed the sink so far, input after input. */
struct feeding {
	struct manifest_chain chain;	/* where each origin's frames ended */
	struct txn open;	/* a split transaction the sink has begun */
	bool inside;		/* ... and the frames left it open */
	struct snapshot snap;	/* or a snapshot, when inside_snap */
	bool inside_snap;
	bool incomplete;	/* a transaction was cut short and dropped */
	char *name;		/* the input, for messages (a copy: a
				 * message at close outlives the input) */
};

struct packread {
	struct catalog *cat;
	const struct change_sink *sink;
	struct packread_options o;
	bool started;		/* the sink was told a stream begins */
	struct packdata_split split;	/* what the last frame left open */
	struct feeding fd;
};

/* The split transaction the sink has begun lost its next part: drop it. */
static void
drop_open(struct feeding *fd, const struct change_sink *sink, const char *why)
{
	char lsn[LSN_BUFSIZE];

	if (fd->inside_snap)
		log_warn("%s: the snapshot of %s spans frames and its %s; "
		    "dropped", fd->name, fd->snap.source, why);
	else
		log_warn("%s: transaction of origin %s, LSN %s is split across "
		    "frames and its %s; dropped", fd->name, fd->open.origin,
		    lsn_format(fd->open.lsn, lsn), why);
	sink->abort(sink->ctx);
	fd->inside = fd->inside_snap = false;
	fd->incomplete = true;
}

/* A frame whose first part continues a transaction never begun here. */
static void
note_orphan(struct feeding *fd, const struct prefetched *s)
{
	char lsn[LSN_BUFSIZE];

	if (s->m.snapshot)
		log_warn("%s: frame at byte %" PRIu64 " continues a snapshot of "
		    "%s whose first part is not in this stream; that part is "
		    "left out", fd->name, s->offset, s->m.origin);
	else
		log_warn("%s: frame at byte %" PRIu64 " continues transaction "
		    "of origin %s, LSN %s, whose first part is not in this "
		    "stream; that part is left out", fd->name, s->offset,
		    s->m.origin, lsn_format(s->m.first_lsn, lsn));
	fd->incomplete = true;
}

/* A snapshot frame for a sink that takes none: refused as text's S is. */
static enum read_result
refuse_snapshot(const struct feeding *fd, const struct prefetched *s)
{
	log_error("%s: frame at byte %" PRIu64 ": a snapshot (from node %s) "
	    "where none is taken (pgmesh-apply takes one with "
	    "--snapshot-from)", fd->name, s->offset, s->m.origin);
	return READ_BAD_DATA;
}

/*
 * Feed a checked frame of a stream to sink.  A split transaction the
 * frames before left open, which this one does not continue, is dropped;
 * a part whose beginning the stream never had is left out (packcheck.c).
 * The frame's claim then tells the sink what it lacks.
 */
static enum read_result
feed_frame(struct prefetched *s, struct feeding *fd,
    const struct change_sink *sink)
{
	enum read_result r;

	if ((fd->inside || fd->inside_snap) &&
	    (!s->m.continues_prev || s->f.orphan_start))
		drop_open(fd, sink, "next part is missing");
	if (s->m.snapshot && sink->snapshot_begin == NULL)
		return refuse_snapshot(fd, s);
	if (s->f.orphan_start)
		note_orphan(fd, s);
	/* A snapshot claims nothing, and breaks no claim: the transactions
	 * after it go on from those before it (pgmesh-format(5)). */
	if (!s->m.snapshot &&
	    (r = feed_since(&s->m, &fd->chain, sink)) != READ_OK)
		return r;
	if ((r = packdata_feed(&s->f, sink)) != READ_OK) {
		fd->inside = fd->inside_snap = false;
		return r;
	}
	if (s->m.snapshot) {
		fd->inside_snap = s->m.continues_next && !s->f.orphan_start;
		fd->snap = s->f.snap;
		return READ_OK;
	}
	fd->inside = s->m.continues_next && !s->f.orphan_start;
	if (fd->inside)
		fd->open = s->f.txns[s->f.ntxns - 1];
	return READ_OK;
}

struct packread *
packread_open(struct catalog *cat, const struct change_sink *sink,
    const struct packread_options *o)
{
	struct packread *r = xcalloc(1, sizeof(*r));

	r->cat = cat;
	r->sink = sink;
	r->o = *o;
	return r;
}

enum read_result
packread_input(struct packread *r, struct input *in)
{
	const struct change_sink *sink = r->sink;
	struct prefetched *s;
	struct prefetch *p;
	enum read_result res;

	/* A new stream: its first input starts it. */
	if (!r->started && sink->restart != NULL && !sink->restart(sink->ctx))
		return READ_SINK_FAILED;
	r->started = true;
	free(r->fd.name);
	r->fd.name = xstrdup(in->name);
	if ((p = prefetch_start(in, r->cat, &r->split, r->o.signers,
	    r->o.threads)) == NULL)
		return READ_IO_ERROR;
	while ((res = take_frame(p, sink, r->fd.inside || r->fd.inside_snap,
	    &s)) == READ_OK && s->got)
		if ((res = feed_frame(s, &r->fd, sink)) != READ_OK)
			break;
	prefetch_stop(p);
	/* The frames after a damaged one start from what came before it. */
	if (res != READ_OK && (r->fd.inside || r->fd.inside_snap) &&
	    res != READ_BAD_DATA)
		drop_open(&r->fd, sink, "feeding stopped");
	return res;
}

enum read_result
packread_close(struct packread *r)
{
	enum read_result res = READ_OK;

	if (r == NULL)
		return READ_OK;
	if (r->fd.inside || r->fd.inside_snap)
		drop_open(&r->fd, r->sink, "last part is missing at end of input");
	if (r->fd.incomplete)
		res = READ_INCOMPLETE;
	manifest_chain_free(&r->fd.chain);
	free(r->fd.name);
	free(r);
	return res;
}

enum read_result
packread_run(struct input *in, struct catalog *cat,
    const struct change_sink *sink, const struct packread_options *o)
{
	struct packread *r = packread_open(cat, sink, o);
	enum read_result res = packread_input(r, in);
	enum read_result end = packread_close(r);

	return res == READ_OK ? end : res;
}
