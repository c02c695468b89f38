/*
 * packread.c: pack streams in, frame by frame.
 *
 * A frame is read whole before anything of it is believed: the manifest
 * (bounded by MANIFEST_MAX_LEN) says how long the data frame is, the data
 * frame is read into the input buffer, its SHA-256 compared with the
 * manifest's, then it is decompressed entirely (zstd checks its own content
 * checksum at the frame's end) and its records are checked against the
 * manifest.  Only then does any transaction of it reach a sink.  Memory is
 * bounded by the frame size, not the stream: one frame is held at a time.
 */
#include <inttypes.h>
#include <string.h>

#include <openssl/evp.h>
#include <zstd.h>

#include "log.h"
#include "packdata.h"
#include "packread.h"

/* The largest data frame, compressed or not, a reader accepts: a frame
 * holds at least one row, and PostgreSQL's own limit for one value is 1 GB. */
#define PACK_MAX_DATA (UINT64_C(1) << 30)

#define ZSTD_MAGIC 0xFD2FB528u

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

bool
pack_detect(const unsigned char *data, size_t len)
{
	static const unsigned char magic[4] = { 0x5E, 0x2A, 0x4D, 0x18 };
	size_t n = len < 4 ? len : 4;

	return len > 0 && memcmp(data, magic, n) == 0;
}

/*
 * Read the next frame into the input buffer and decode its manifest; the
 * frame's bytes stay at in->buf + in->start for *len bytes until the caller
 * skips them.
 */
static enum read_result
read_frame(struct input *in, struct manifest *m, uint64_t *offset,
    size_t *len, bool *got)
{
	const unsigned char *p;
	const char *err;
	uint32_t mlen;
	ssize_t have;

	*got = false;
	*offset = input_tell(in);
	memset(m, 0, sizeof(*m));
	if ((have = input_fill(in, MANIFEST_HEADER_LEN)) <= 0)
		return have < 0 ? READ_IO_ERROR : READ_OK;
	p = (const unsigned char *)in->buf + in->start;
	if ((size_t)have < MANIFEST_HEADER_LEN || get_le32(p) != MANIFEST_MAGIC) {
		log_error("%s: frame at byte %" PRIu64 ": %s", in->name, *offset,
		    (size_t)have < MANIFEST_HEADER_LEN ? "truncated manifest" :
		    "not a pack frame (no pgmesh manifest there)");
		return READ_BAD_DATA;
	}
	mlen = get_le32(p + 4);
	if (mlen > MANIFEST_MAX_LEN) {
		log_error("%s: frame at byte %" PRIu64 ": manifest of %" PRIu32
		    " bytes is larger than allowed", in->name, *offset, mlen);
		return READ_BAD_DATA;
	}
	if ((have = input_fill(in, MANIFEST_HEADER_LEN + (size_t)mlen)) < 0)
		return READ_IO_ERROR;
	if ((size_t)have < MANIFEST_HEADER_LEN + mlen) {
		log_error("%s: frame at byte %" PRIu64 ": truncated manifest",
		    in->name, *offset);
		return READ_BAD_DATA;
	}
	p = (const unsigned char *)in->buf + in->start;
	if (!manifest_decode(p + MANIFEST_HEADER_LEN, mlen, m, &err)) {
		log_error("%s: frame at byte %" PRIu64 ": %s", in->name, *offset, err);
		return READ_BAD_DATA;
	}
	if (m->data_len < 6 || m->data_len > PACK_MAX_DATA) {
		log_error("%s: frame at byte %" PRIu64 ": data frame length %"
		    PRIu64 " out of range", in->name, *offset, m->data_len);
		return READ_BAD_DATA;
	}
	*len = (size_t)(m->manifest_len + m->data_len);
	if ((have = input_fill(in, *len)) < 0)
		return READ_IO_ERROR;
	if ((size_t)have < *len) {
		log_error("%s: frame at byte %" PRIu64 ": truncated: its manifest "
		    "announces %" PRIu64 " bytes of data, the input ends after %zu",
		    in->name, *offset, m->data_len, (size_t)have -
		    (size_t)m->manifest_len);
		return READ_BAD_DATA;
	}
	*got = true;
	return READ_OK;
}

enum read_result
pack_next_frame(struct input *in, struct manifest *m, struct buf *raw,
    uint64_t *offset, bool *got)
{
	enum read_result r;
	size_t len;

	r = read_frame(in, m, offset, &len, got);
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

/* Decompress one whole zstd frame of len bytes into content. */
static const char *
decompress(ZSTD_DCtx *dctx, const unsigned char *data, size_t len,
    struct buf *content)
{
	ZSTD_inBuffer zin = { data, len, 0 };
	size_t ret;

	if (len < 6 || get_le32(data) != ZSTD_MAGIC)
		return "data frame is not a zstd frame";
	/* Without zstd's own checksum a damaged frame might decode: bit 2 of
	 * the frame header descriptor (the byte after the magic) says it is
	 * there (RFC 8878, 3.1.1.1.1). */
	if ((data[4] & 0x04) == 0)
		return "data frame has no content checksum";
	if (ZSTD_findFrameCompressedSize(data, len) != len)
		return "data frame's length does not match its manifest";
	ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
	buf_reset(content);
	for (;;) {
		ZSTD_outBuffer zout;
		size_t room = content->cap - content->len;

		if (room < ZSTD_DStreamOutSize())
			room = ZSTD_DStreamOutSize();
		zout = (ZSTD_outBuffer){ buf_reserve(content, room), room, 0 };
		ret = ZSTD_decompressStream(dctx, &zout, &zin);
		if (ZSTD_isError(ret))
			return ZSTD_getErrorName(ret);
		content->len += zout.pos;
		if (content->len > PACK_MAX_DATA)
			return "data frame decompresses to more than 1 GiB";
		/* 0: the frame is complete and its checksum matched. */
		if (ret == 0)
			return NULL;
		if (zin.pos == zin.size && zout.pos < zout.size)
			return "data frame is truncated";
	}
}

/*
 * Everything a frame's bytes can be checked for before its records: the
 * data frame's length and SHA-256, then zstd's frame and checksum.
 */
static bool
check_bytes(ZSTD_DCtx *dctx, const struct manifest *m, const unsigned char *frame,
    struct buf *content, const char *what, uint64_t offset)
{
	const unsigned char *data = frame + m->manifest_len;
	unsigned char sha[EVP_MAX_MD_SIZE];
	unsigned int shalen = 0;
	const char *err;

	if (!EVP_Digest(data, (size_t)m->data_len, sha, &shalen, EVP_sha256(), NULL) ||
	    shalen != SHA256_LEN) {
		log_error("%s: frame at byte %" PRIu64 ": SHA-256 failed", what, offset);
		return false;
	}
	if (memcmp(sha, m->sha256, SHA256_LEN) != 0) {
		log_error("%s: frame at byte %" PRIu64 ": data frame does not match "
		    "the SHA-256 of its manifest (damaged)", what, offset);
		return false;
	}
	if ((err = decompress(dctx, data, (size_t)m->data_len, content)) != NULL) {
		log_error("%s: frame at byte %" PRIu64 ": %s", what, offset, err);
		return false;
	}
	return true;
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

/*
 * Check the records of a decompressed frame, then feed them to sink; chain
 * (NULL: the frame alone) is where the stream's frames of each origin
 * ended so far.
 */
static enum read_result
decode_frame(const struct manifest *m, const struct buf *content,
    struct catalog *cat, const struct change_sink *sink,
    struct packdata_split *split, struct manifest_chain *chain,
    struct packdata_frame *f, const char *what, uint64_t offset)
{
	enum read_result r;
	char err[600];

	r = packdata_check(content->data, content->len, m, cat, split, f,
	    err, sizeof(err));
	if (r == READ_BAD_DATA)
		log_error("%s: frame at byte %" PRIu64 ": %s", what, offset, err);
	if (r == READ_OK && sink != NULL)
		r = feed_since(m, chain, sink);
	if (r == READ_OK && sink != NULL)
		r = packdata_feed(f, m, sink, split);
	return r;
}

enum read_result
pack_check_frame(const struct manifest *m, const struct buf *raw,
    struct catalog *cat, const struct change_sink *sink, const char *what,
    uint64_t offset)
{
	struct packdata_frame f = { .events = NULL };
	ZSTD_DCtx *dctx;
	struct buf content;
	enum read_result r = READ_BAD_DATA;

	if (raw->len != m->manifest_len + m->data_len) {
		log_error("%s: frame at byte %" PRIu64 ": %zu bytes, its manifest "
		    "says %" PRIu64, what, offset, raw->len,
		    m->manifest_len + m->data_len);
		return READ_BAD_DATA;
	}
	if (sink != NULL && (m->continues_prev || m->continues_next)) {
		log_error("%s: frame at byte %" PRIu64 ": holds a part of a split "
		    "transaction, which cannot be applied alone", what, offset);
		return READ_BAD_DATA;
	}
	if ((dctx = ZSTD_createDCtx()) == NULL) {
		log_error("cannot create a zstd decompression context");
		return READ_IO_ERROR;
	}
	buf_init(&content);
	if (check_bytes(dctx, m, (const unsigned char *)raw->data, &content,
	    what, offset))
		r = decode_frame(m, &content, cat, sink, NULL, NULL, &f, what,
		    offset);
	packdata_frame_free(&f);
	buf_free(&content);
	ZSTD_freeDCtx(dctx);
	return r;
}

/* One frame of a stream, checked whole, then into sink. */
static enum read_result
run_frame(struct input *in, ZSTD_DCtx *dctx, struct buf *content,
    struct packdata_frame *f, struct catalog *cat,
    const struct change_sink *sink, struct packdata_split *split,
    struct manifest_chain *chain, bool *got)
{
	struct manifest m;
	enum read_result r;
	uint64_t offset;
	size_t len;

	r = read_frame(in, &m, &offset, &len, got);
	if (r == READ_OK && *got) {
		if (!check_bytes(dctx, &m, (const unsigned char *)in->buf + in->start,
		    content, in->name, offset))
			r = READ_BAD_DATA;
		else
			r = decode_frame(&m, content, cat, sink, split, chain,
			    f, in->name, offset);
		input_skip(in, len);
	}
	manifest_free(&m);
	return r;
}

enum read_result
packread_run(struct input *in, struct catalog *cat,
    const struct change_sink *sink)
{
	struct packdata_split split = { .open = false };
	struct packdata_frame f = { .events = NULL };
	struct manifest_chain chain = { .n = 0 };
	struct buf content;
	ZSTD_DCtx *dctx;
	enum read_result r;
	char lsn[LSN_BUFSIZE];
	bool got;

	if ((dctx = ZSTD_createDCtx()) == NULL) {
		log_error("cannot create a zstd decompression context");
		return READ_IO_ERROR;
	}
	buf_init(&content);
	do {
		/* Idle only between transactions (change.h): never inside one
		 * that is split across frames. */
		if (sink->idle && !split.open && input_buffered(in) == 0 &&
		    !input_ready(in, 0) && !sink->idle(sink->ctx)) {
			r = READ_SINK_FAILED;
			break;
		}
		r = run_frame(in, dctx, &content, &f, cat, sink, &split, &chain,
		    &got);
	} while (r == READ_OK && got);
	if (r == READ_OK && split.open) {
		log_warn("%s: transaction of origin %s, LSN %s is split across "
		    "frames and its last part is missing at end of input; dropped",
		    in->name, split.txn.origin, lsn_format(split.txn.lsn, lsn));
		r = READ_BAD_DATA;
	}
	/* A split transaction the sink has begun must not stay half-fed. */
	if (r != READ_OK && split.open)
		sink->abort(sink->ctx);
	manifest_chain_free(&chain);
	packdata_frame_free(&f);
	buf_free(&content);
	ZSTD_freeDCtx(dctx);
	return r;
}
