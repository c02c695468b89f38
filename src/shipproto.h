/*
 * shipproto.h: what a receiving pgmesh-ship tells the sender over ssh, and
 * the per-origin positions ("heads") that this talk is about.
 *
 * Over ssh the receiver speaks first, in text lines on its stdout:
 *
 *	pgmesh-ship 1			greeting and protocol version
 *	have ORIGIN LSN			per origin: everything up to LSN is held
 *	ready				the sender may stream now
 *
 * The sender then writes "ping" and a newline, and right after it the
 * frames back to back (a plain pack stream: no per-frame round trip), and
 * closes the receiver's stdin.  The receiver answers the ping at once with
 *
 *	pong				the sender's round-trip time
 *
 * (a pack stream starts with a zstd magic number, never with "ping", so
 * the line is told apart from frames; it is only sent after a greeting).
 * Once every frame is durably stored the receiver answers
 *
 *	have ORIGIN LSN			its heads after storing
 *	done FRAMES BYTES		frames and bytes stored
 *
 * and exits.
 */
#ifndef PGMESH_SHIPPROTO_H
#define PGMESH_SHIPPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "lsn.h"
#include "manifest.h"
#include "node.h"

#define SHIPPROTO_GREETING "pgmesh-ship 1"
#define SHIPPROTO_PING "ping\n"
#define SHIPPROTO_PING_LEN 5

struct head {
	char origin[NODE_MAX + 1];
	lsn_t lsn;
};

/* A small set of heads, one per origin (a network has a few dozen). */
struct heads {
	struct head *v;
	size_t n;
};

void heads_init(struct heads *h);
void heads_free(struct heads *h);
/* The head of origin, 0 when none is known. */
lsn_t heads_get(const struct heads *h, const char *origin);
/* Raise origin's head to lsn (never lowers it). */
void heads_raise(struct heads *h, const char *origin, lsn_t lsn);
/* Everything a spool holds, per origin (as spool_head counts it). */
bool heads_from_spool(const char *dir, struct heads *h);
/* "ORIGIN LSN, ORIGIN LSN" for messages ("nothing" when empty). */
void heads_describe(const struct heads *h, struct buf *out);

/*
 * The LSN up to which a frame holds whole transactions: a frame whose
 * last transaction continues in the next frame does not hold that one.
 * A head is the highest such LSN of a spool, so it never claims a split
 * transaction before its last part arrived.  (A sender skips a frame only
 * when its last LSN is at or below the head.)
 */
lsn_t frame_whole_lsn(lsn_t last_lsn, bool continues_next);

enum shipmsg_kind {
	SHIPMSG_GREETING,
	SHIPMSG_HAVE,
	SHIPMSG_READY,
	SHIPMSG_PONG,
	SHIPMSG_DONE,
	SHIPMSG_BAD
};

struct shipmsg {
	enum shipmsg_kind kind;
	struct head head;	/* SHIPMSG_HAVE */
	uint64_t frames;	/* SHIPMSG_DONE */
	uint64_t bytes;
};

/* Parse one line (without its newline). */
void shipproto_parse(const char *line, struct shipmsg *msg);
/* Append "have" lines for every head. */
void shipproto_put_heads(struct buf *out, const struct heads *h);

#endif
