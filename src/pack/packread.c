/*
 * packread.c: pack streams in, frame by frame.
 *
 * A frame's bytes are checked whole (framecheck.h), then its records
 * against its manifest (packdata.h); only then does any transaction of it
 * reach a sink.  Memory is bounded by the frame size, not the stream: a
 * stream reader holds the frame it feeds and the one fetched after it.
 */
#include <inttypes.h>
#include <string.h>

#include <zstd.h>

#include "framecheck.h"
#include "packdata.h"
#include "packread.h"
#include "prefetch.h"
#include "common/log.h"

bool
pack_detect(const unsigned char *data, size_t len)
{
	static const unsigned char magic[4] = { 0x5E, 0x2A, 0x4D, 0x18 };
	size_t n = len < 4 ? len : 4;

	return len > 0 && memcmp(data, magic, n) == 0;
}

enum read_result
pack_next_frame(struct input *in, struct manifest *m, struct buf *raw,
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
	if (raw != NULL) {
		buf_reset(raw);
		buf_append(raw, in->buf + in->start, len);
	}
	input_skip(in, len);
	return r;
}

/*
 * Before a checked frame's transactions: its prev_lsn as a continuity claim
 * (P record), unless the frames before it in the stream (chain) say as much
 * already, so that pack | pack -d gives back change text byte for byte.
 */
static enum read_result
feed_since(const struct manifest *m, struct manifest_chain *chain,
    const struct change_sink *sink)
{
	lsn_t *end;
	bool claim;

	if (chain == NULL)
		return READ_OK;
	end = manifest_chain_at(chain, m->origin);
	claim = m->prev_lsn != 0 && m->prev_lsn != *end;
	*end = m->last_lsn;
	if (!claim || sink->since == NULL ||
	    sink->since(sink->ctx, m->origin, m->prev_lsn))
		return READ_OK;
	return READ_SINK_FAILED;
}

enum read_result
pack_check_digest(const struct manifest *m, const struct buf *raw,
    const char *what, uint64_t offset)
{
	struct frame_error err;

	if (frame_check_digest(m, (const unsigned char *)raw->data, raw->len,
	    what, offset, &err))
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
	if (r == READ_BAD_DATA)
		log_error("%s: frame at byte %" PRIu64 ": %s", what, offset, err);
	if (r == READ_OK && sink != NULL)
		r = packdata_feed(&pc->f, sink);
	return r;
}

enum read_result
pack_check_frame(struct pack_checker *pc, const struct manifest *m,
    const struct buf *raw, struct catalog *cat,
    const struct change_sink *sink, const char *what, uint64_t offset)
{
	struct frame_error err;

	if (sink != NULL && (m->continues_prev || m->continues_next)) {
		log_error("%s: frame at byte %" PRIu64 ": holds a part of a split "
		    "transaction, which cannot be applied alone", what, offset);
		return READ_BAD_DATA;
	}
	if (pc->dctx == NULL && (pc->dctx = ZSTD_createDCtx()) == NULL) {
		log_error("cannot create a zstd decompression context");
		return READ_IO_ERROR;
	}
	if (!frame_unpack(pc->dctx, m, (const unsigned char *)raw->data,
	    raw->len, &pc->content, what, offset, &err)) {
		log_error("%s", err.text);
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

/*
 * Feed a checked frame of a stream to sink.  *open is the transaction the
 * sink has begun and the frame leaves open (it goes on in the next frame),
 * NULL when none; the sink has aborted it when feeding fails.
 */
static enum read_result
feed_frame(struct prefetched *s, struct manifest_chain *chain,
    const struct change_sink *sink, struct txn *open, bool *inside)
{
	enum read_result r;

	if ((r = feed_since(&s->m, chain, sink)) != READ_OK)
		return r;
	if ((r = packdata_feed(&s->f, sink)) != READ_OK) {
		*inside = false;
		return r;
	}
	*inside = s->m.continues_next;
	if (*inside)
		*open = s->f.txns[s->f.ntxns - 1];
	return READ_OK;
}

static enum read_result
run(struct input *in, struct catalog *cat, const struct change_sink *sink,
    bool threads)
{
	struct manifest_chain chain = { .n = 0 };
	struct prefetched *s;
	struct prefetch *p;
	enum read_result r;
	struct txn open;
	bool inside = false;
	char lsn[LSN_BUFSIZE];

	if ((p = prefetch_start(in, cat, threads)) == NULL)
		return READ_IO_ERROR;
	while ((r = take_frame(p, sink, inside, &s)) == READ_OK && s->got)
		if ((r = feed_frame(s, &chain, sink, &open, &inside)) != READ_OK)
			break;
	prefetch_stop(p);
	if (r == READ_OK && inside) {
		log_warn("%s: transaction of origin %s, LSN %s is split across "
		    "frames and its last part is missing at end of input; dropped",
		    in->name, open.origin, lsn_format(open.lsn, lsn));
		r = READ_BAD_DATA;
	}
	/* A split transaction the sink has begun must not stay half-fed. */
	if (r != READ_OK && inside)
		sink->abort(sink->ctx);
	manifest_chain_free(&chain);
	return r;
}

enum read_result
packread_run(struct input *in, struct catalog *cat,
    const struct change_sink *sink)
{
	return run(in, cat, sink, false);
}

enum read_result
packread_run_pipelined(struct input *in, struct catalog *cat,
    const struct change_sink *sink)
{
	return run(in, cat, sink, true);
}
