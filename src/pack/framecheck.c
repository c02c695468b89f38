/*
 * framecheck.c: one frame of a pack stream, read and its bytes checked.
 *
 * A frame is read whole before anything of it is believed: the manifest
 * (bounded by MANIFEST_MAX_LEN) says how long the data frame is, the data
 * frame is read into the input buffer, its SHA-256 compared with the
 * manifest's, its signature checked when the reader was given signers,
 * then it is decompressed entirely (zstd checks its own content checksum
 * at the frame's end).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "framecheck.h"
#include "framesig.h"
#include "common/limits.h"
#include "common/log.h"

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

void
frame_error_set(struct frame_error *err, const char *what, uint64_t offset,
    const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(err->text, sizeof(err->text),
	    "%s: frame at byte %" PRIu64 ": ", what, offset);
	err->why = n < sizeof(err->text) ? n : sizeof(err->text) - 1;
	if (n >= sizeof(err->text))
		return;
	va_start(ap, fmt);
	vsnprintf(err->text + n, sizeof(err->text) - n, fmt, ap);
	va_end(ap);
}

/* The manifest at the input's next byte into *m; *at_end at a clean end
 * of input instead. */
static enum read_result
read_manifest(struct input *in, struct manifest *m, uint64_t offset,
    struct frame_error *err, bool *at_end)
{
	const unsigned char *p;
	const char *why;
	uint32_t mlen;
	ssize_t have;

	*at_end = false;
	if ((have = input_fill(in, MANIFEST_HEADER_LEN)) <= 0) {
		*at_end = have == 0;
		return have < 0 ? READ_IO_ERROR : READ_OK;
	}
	p = (const unsigned char *)in->buf + in->start;
	if ((size_t)have < MANIFEST_HEADER_LEN || get_le32(p) != MANIFEST_MAGIC) {
		frame_error_set(err, in->name, offset, "%s",
		    (size_t)have < MANIFEST_HEADER_LEN ? "truncated manifest" :
		    "not a pack frame (no pgmesh manifest there)");
		return READ_BAD_DATA;
	}
	mlen = get_le32(p + 4);
	if (mlen > MANIFEST_MAX_LEN || mlen > limits.manifest) {
		frame_error_set(err, in->name, offset, "manifest of %" PRIu32
		    " bytes is above the manifest limit (%" PRIu64 "; --limit "
		    "manifest=SIZE raises it)", mlen, limits.manifest);
		return READ_BAD_DATA;
	}
	if ((have = input_fill(in, MANIFEST_HEADER_LEN + (size_t)mlen)) < 0)
		return READ_IO_ERROR;
	if ((size_t)have < MANIFEST_HEADER_LEN + mlen) {
		frame_error_set(err, in->name, offset, "truncated manifest");
		return READ_BAD_DATA;
	}
	p = (const unsigned char *)in->buf + in->start;
	if (!manifest_decode(p + MANIFEST_HEADER_LEN, mlen, m, &why)) {
		frame_error_set(err, in->name, offset, "%s", why);
		return READ_BAD_DATA;
	}
	return READ_OK;
}

enum read_result
frame_read(struct input *in, struct manifest *m, uint64_t *offset,
    size_t *len, bool *got, struct frame_error *err)
{
	enum read_result r;
	ssize_t have;
	bool at_end;

	*got = false;
	*offset = input_tell(in);
	memset(m, 0, sizeof(*m));
	r = read_manifest(in, m, *offset, err, &at_end);
	if (r != READ_OK || at_end)
		return r;
	if (m->data_len < 6 || m->data_len > PACK_MAX_DATA ||
	    m->data_len > ZSTD_compressBound((size_t)limits.frame_content)) {
		frame_error_set(err, in->name, *offset, "data frame length %" PRIu64
		    " out of range", m->data_len);
		return READ_BAD_DATA;
	}
	/* Refused before a byte of it is read or decompressed, so that even a
	 * receiver that only checks digests stores and passes on no bomb. */
	if (m->nrows > limits.frame_records) {
		frame_error_set(err, in->name, *offset, "its manifest announces %"
		    PRIu64 " rows, above the frame-records limit (%" PRIu64
		    "; --limit frame-records=N raises it)", m->nrows,
		    limits.frame_records);
		return READ_BAD_DATA;
	}
	if (m->content_len > limits.frame_content) {
		frame_error_set(err, in->name, *offset, "its manifest announces %"
		    PRIu64 " bytes of content, above the frame-content limit (%"
		    PRIu64 "; --limit frame-content=SIZE raises it)",
		    m->content_len, limits.frame_content);
		return READ_BAD_DATA;
	}
	*len = (size_t)(m->manifest_len + m->data_len);
	if ((have = input_fill(in, *len)) < 0)
		return READ_IO_ERROR;
	if ((size_t)have < *len) {
		frame_error_set(err, in->name, *offset, "truncated: its manifest "
		    "announces %" PRIu64 " bytes of data, the input ends after %zu",
		    m->data_len, (size_t)have - (size_t)m->manifest_len);
		return READ_BAD_DATA;
	}
	*got = true;
	return READ_OK;
}

bool
frame_check_not_snapshot(const struct manifest *m, const char *what,
    uint64_t offset, struct frame_error *err)
{
	if (!m->snapshot)
		return true;
	frame_error_set(err, what, offset, "a snapshot of node %s, which "
	    "spools and ship do not carry (pipe it to pgmesh-apply "
	    "--snapshot-from)", m->origin);
	return false;
}

ZSTD_DCtx *
frame_dctx_new(void)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	int log = 10;	/* zstd's least window, 1 KiB */

	if (dctx == NULL) {
		log_error("cannot create a zstd decompression context");
		return NULL;
	}
	/* The window a frame may ask for is what decompressing it holds in
	 * memory: no more than the content a frame may have (at most 1 GiB,
	 * a window log of 30). */
	while ((UINT64_C(1) << log) < limits.frame_content)
		log++;
	ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, log);
	return dctx;
}

/*
 * Decompress one whole zstd frame of len bytes into content, which may
 * hold at most limit bytes: a few kilobytes of zstd can stand for
 * gigabytes, so the bound is enforced as the bytes come out, not after.
 */
static const char *
decompress(ZSTD_DCtx *dctx, const unsigned char *data, size_t len,
    uint64_t limit, struct buf *content)
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
		if (content->len > limit)
			return "data frame decompresses to more than its manifest's "
			    "content_len (or the frame-content limit)";
		/* 0: the frame is complete and its checksum matched. */
		if (ret == 0)
			return NULL;
		if (zin.pos == zin.size && zout.pos < zout.size)
			return "data frame is truncated";
	}
}

/* A signature refused: the message names the frame by its origin and
 * LSNs too, as the frame's position alone means nothing to the
 * administrator of the key (err->why still points at the reason). */
static void
name_frame(struct frame_error *err, const char *what, uint64_t offset,
    const struct manifest *m, const char *why)
{
	char first[LSN_BUFSIZE], last[LSN_BUFSIZE];
	size_t at;

	frame_error_set(err, what, offset, "origin %s, LSN %s to %s: ",
	    m->origin, lsn_format(m->first_lsn, first),
	    lsn_format(m->last_lsn, last));
	at = strlen(err->text);
	snprintf(err->text + at, sizeof(err->text) - at, "%s", why);
	err->why = at;
}

bool
frame_check_bytes(const struct manifest *m, const unsigned char *frame,
    size_t len, const struct signers *signers, const char *what,
    uint64_t offset, struct frame_error *err)
{
	unsigned char sha[SHA256_LEN];
	char why[sizeof(err->text) - 64];

	if (len != m->manifest_len + m->data_len) {
		frame_error_set(err, what, offset, "%zu bytes, its manifest says %"
		    PRIu64, len, m->manifest_len + m->data_len);
		return false;
	}
	if (!sha256(frame + m->manifest_len, (size_t)m->data_len, sha)) {
		frame_error_set(err, what, offset, "SHA-256 failed");
		return false;
	}
	/* In constant time, as every digest and signature is compared. */
	if (CRYPTO_memcmp(sha, m->sha256, SHA256_LEN) != 0) {
		frame_error_set(err, what, offset, "data frame does not match the "
		    "SHA-256 of its manifest (damaged)");
		return false;
	}
	if (signers != NULL && !framesig_check(signers, m,
	    frame + MANIFEST_HEADER_LEN, why, sizeof(why))) {
		name_frame(err, what, offset, m, why);
		return false;
	}
	return true;
}

bool
frame_unpack(ZSTD_DCtx *dctx, const struct manifest *m,
    const unsigned char *frame, size_t len, const struct signers *signers,
    struct buf *content, const char *what, uint64_t offset,
    struct frame_error *err)
{
	/* Format 1 declares no content length; frame_read refused a format
	 * 2 content_len above the limit. */
	uint64_t limit = m->version == 1 ? limits.frame_content : m->content_len;
	const char *why = NULL;

	if (!frame_check_bytes(m, frame, len, signers, what, offset, err))
		return false;
	why = decompress(dctx, frame + m->manifest_len, (size_t)m->data_len,
	    limit, content);
	if (why == NULL && m->version > 1 && content->len != m->content_len)
		why = "data frame decompresses to less than its manifest's "
		    "content_len";
	if (why != NULL) {
		frame_error_set(err, what, offset, "%s", why);
		return false;
	}
	return true;
}
