/*
 * shipproto.h: what a receiving pgmesh-ship tells the sender over ssh: the
 * per-origin positions ("heads", spool/heads.h) its spool holds.
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
 * A frame it reads whole and finds bad (damaged, or not signed by its
 * origin) is never stored; it says so at once and reads on:
 *
 *	refused ORIGIN FIRST LAST WHY	the frame of those LSNs is not
 *					stored, WHY the rest of the line
 *
 * Once every frame is durably stored the receiver answers
 *
 *	have ORIGIN LSN			its heads after storing
 *	done FRAMES BYTES		frames and bytes stored
 *
 * and exits, with status 65 when it refused a frame.
 */
#ifndef PGMESH_SHIPPROTO_H
#define PGMESH_SHIPPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/lsn.h"
#include "common/node.h"
#include "spool/heads.h"

#define SHIPPROTO_GREETING "pgmesh-ship 1"
#define SHIPPROTO_PING "ping\n"
#define SHIPPROTO_PING_LEN 5
/* The longest reason a refused line carries (lines are at most 1024). */
#define SHIPPROTO_WHY_MAX 768

enum shipmsg_kind {
	SHIPMSG_GREETING,
	SHIPMSG_HAVE,
	SHIPMSG_READY,
	SHIPMSG_PONG,
	SHIPMSG_DONE,
	SHIPMSG_REFUSED,
	SHIPMSG_BAD
};

struct shipmsg {
	enum shipmsg_kind kind;
	struct head head;	/* SHIPMSG_HAVE; SHIPMSG_REFUSED: its last LSN */
	lsn_t first;		/* SHIPMSG_REFUSED */
	char why[SHIPPROTO_WHY_MAX];	/* SHIPMSG_REFUSED */
	uint64_t frames;	/* SHIPMSG_DONE */
	uint64_t bytes;
};

/* Parse one line (without its newline). */
void shipproto_parse(const char *line, struct shipmsg *msg);
/* Append "have" lines for every head. */
void shipproto_put_heads(struct buf *out, const struct heads *h);
/* Append the "refused" line of a frame of origin from first to last, why
 * (control characters sent as '?', so that it stays one line). */
void shipproto_put_refused(struct buf *out, const char *origin, lsn_t first,
    lsn_t last, const char *why);

#endif
