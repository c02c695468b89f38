/*
 * packread.h: reading pack streams.
 *
 * Three levels, for three kinds of reader:
 *
 *   pack_next_frame   the manifest and the raw bytes of one frame, nothing
 *                     decompressed (ship forwards frames as they are).
 *   pack_check_bytes  the frame's bytes against its manifest: length and
 *                     SHA-256, and its signature when given signers (ship,
 *                     which forwards frames as they are).
 *   pack_check_frame  the data frame against its manifest: length, SHA-256,
 *                     signature, zstd checksum, CBOR, whole records
 *                     (verify).
 *   packread_run      a whole stream into a change_sink (apply, pack -d):
 *                     each frame checked entirely before any of its
 *                     transactions reaches the sink; pipelined, the
 *                     checking of the next frames overlaps the feeding.
 *
 * Errors are reported with the input's name and the frame's byte offset.
 * Every level checks signatures when it is given a signers file, in one
 * place (framecheck.h): a frame that is not signed by a key listed for its
 * origin is a bad frame like a damaged one, whoever reads it.
 */
#ifndef PGMESH_PACKREAD_H
#define PGMESH_PACKREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "framecheck.h"
#include "manifest.h"
#include "packdata.h"
#include "common/buf.h"
#include "common/catalog.h"
#include "common/change.h"
#include "common/input.h"
#include "common/signers.h"

/* Does the buffered start of the input look like a pack stream? */
bool pack_detect(const unsigned char *data, size_t len);

/*
 * Read the next frame: its manifest into *m and, when raw is not NULL, the
 * frame's bytes exactly as they were (manifest and data frame) into raw.
 * *offset is the frame's offset in the input.  Returns READ_OK with
 * *got = true, READ_OK with *got = false at a clean end of input,
 * READ_BAD_DATA (reported) for a bad or truncated frame, READ_IO_ERROR.
 */
enum read_result pack_next_frame(struct input *in, struct manifest *m,
    struct buf *raw, uint64_t *offset, bool *got);

/*
 * The same, the frame's bytes left in the input's buffer: *frame views
 * them (never to be grown or freed) until the caller moves past them with
 * input_skip(in, frame->len).  A receiver that passes frames on as they
 * are so holds each frame once, not twice.
 */
enum read_result pack_peek_frame(struct input *in, struct manifest *m,
    struct buf *frame, uint64_t *offset, bool *got);

/*
 * Are a frame's bytes (raw, as pack_next_frame returned them) exactly those
 * its manifest describes, and signed by its origin when signers is not
 * NULL?  READ_OK, or READ_BAD_DATA after log_error.
 */
enum read_result pack_check_bytes(const struct manifest *m,
    const struct buf *raw, const struct signers *signers, const char *what,
    uint64_t offset);

/*
 * What checking frame after frame reuses (a zstd context, the decompressed
 * content, the decoded records), so that memory is allocated and touched
 * once, not once per frame.  Zeroed is ready (signatures not checked); free
 * it after the last.
 */
struct pack_checker {
	const struct signers *signers;	/* NULL: signatures not checked */
	struct frame_error err;	/* why the last bad frame was (as logged) */
	ZSTD_DCtx *dctx;
	struct buf content;
	struct packdata_frame f;
};
void pack_checker_free(struct pack_checker *pc);

/*
 * Check a frame read by pack_next_frame (raw as it returned it) without
 * applying anything; when sink is not NULL, feed it the frame's records
 * after the whole frame proved good.  what and offset name the frame in
 * messages.  With a sink, a frame holding part of a split transaction is
 * refused (READ_BAD_DATA): a part cannot be applied alone.
 */
enum read_result pack_check_frame(struct pack_checker *pc,
    const struct manifest *m, const struct buf *raw, struct catalog *cat,
    const struct change_sink *sink, const char *what, uint64_t offset);

/*
 * A stream read from several inputs one after the other (the files of a
 * spool), as one: a transaction split across frames may span inputs, and
 * the chain of each origin's frames carries on.  Each input is fed until
 * its end or its first damaged frame (reported; the caller may go on with
 * the next input, and the frames after it start from what came before
 * it).  packread_close drops a split transaction still open and says
 * READ_INCOMPLETE when a transaction was cut short anywhere.
 */
struct packread_options {
	/* In a pipeline of three threads (prefetch.h): about twice the
	 * throughput on two cores, a few thread wakeups more of latency
	 * (pack -d).  Without, a frame reaches the sink as soon as it
	 * arrives (apply, whose speed is the database's). */
	bool threads;
	const struct signers *signers;	/* NULL: signatures not checked */
};

struct packread;
struct packread *packread_open(struct catalog *cat,
    const struct change_sink *sink, const struct packread_options *o);
enum read_result packread_input(struct packread *r, struct input *in);
enum read_result packread_close(struct packread *r);

/*
 * A whole pack stream into sink.  Calls sink->idle between frames when the
 * next one is not already there.
 */
enum read_result packread_run(struct input *in, struct catalog *cat,
    const struct change_sink *sink, const struct packread_options *o);

#endif
