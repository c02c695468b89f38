/*
 * framecheck.h: one frame of a pack stream, read and its bytes checked.
 *
 * Everything that can be believed of a frame before its records are
 * decoded: the manifest, the data frame's length and SHA-256, and zstd's
 * own frame and content checksum, which decompressing verifies.  These
 * functions report what is wrong into a frame_error instead of logging it,
 * so that a reader thread can fetch frames ahead and the caller report a
 * frame's problem only when it reaches that frame.
 */
#ifndef PGMESH_FRAMECHECK_H
#define PGMESH_FRAMECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "manifest.h"
#include "common/buf.h"
#include "common/change.h"
#include "common/input.h"
#include "common/log.h"		/* PRINTFLIKE */
#include "common/signers.h"

/*
 * "NAME: frame at byte N: what is wrong", ready for log_error; what is
 * wrong alone, without where (for a receiver to tell its sender), starts
 * at text + why.
 */
struct frame_error {
	char text[640];
	size_t why;
};

/* Fill err with "WHAT: frame at byte OFFSET: " and the rest. */
void frame_error_set(struct frame_error *err, const char *what,
    uint64_t offset, const char *fmt, ...) PRINTFLIKE(4, 5);

/*
 * Read the next frame into the input buffer and decode its manifest into
 * *m (which the caller frees, also on failure); the frame's *len bytes stay
 * at in->buf + in->start until the caller skips them.  READ_OK with *got
 * false at a clean end of input; READ_BAD_DATA with err filled; or
 * READ_IO_ERROR, which the input reported itself.
 */
enum read_result frame_read(struct input *in, struct manifest *m,
    uint64_t *offset, size_t *len, bool *got, struct frame_error *err);

/*
 * Are the len bytes at frame exactly those its manifest m describes (its
 * length and the SHA-256 of its data frame), and, when signers is not
 * NULL, is the manifest signed by a key listed there for its origin
 * (framesig.h)?  False with err filled.  Every reader of frames, whatever
 * it does with them next, checks them here: a frame badly signed is
 * refused exactly like a damaged one.
 */
bool frame_check_bytes(const struct manifest *m, const unsigned char *frame,
    size_t len, const struct signers *signers, const char *what,
    uint64_t offset, struct frame_error *err);

/*
 * Is the frame not a snapshot's?  Spools and the links between them carry
 * transactions, which they file and resume by LSN; a snapshot has none
 * and goes from capture to apply through a pipe.  False with err filled.
 */
bool frame_check_not_snapshot(const struct manifest *m, const char *what,
    uint64_t offset, struct frame_error *err);

/* A zstd context for frame_unpack, its window bounded by the
 * frame-content limit; NULL after log_error. */
ZSTD_DCtx *frame_dctx_new(void);

/*
 * Check the len bytes of a frame at frame (its manifest m) with
 * frame_check_bytes and decompress its data frame into content.  False
 * with err filled when its length, SHA-256, signature or zstd's frame or
 * checksum is wrong; what and offset name the frame.
 */
bool frame_unpack(ZSTD_DCtx *dctx, const struct manifest *m,
    const unsigned char *frame, size_t len, const struct signers *signers,
    struct buf *content, const char *what, uint64_t offset,
    struct frame_error *err);

#endif
