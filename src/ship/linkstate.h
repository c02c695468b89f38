/*
 * linkstate.h: what every kind of link shares, below link.c and the kinds
 * themselves (linkssh.c, linktcp.c, linkspool.c): where the link stands and
 * how it failed, its queue of frames, the clock its report is timed with,
 * and the resume test that skips what the destination already holds.
 */
#ifndef PGMESH_LINKSTATE_H
#define PGMESH_LINKSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dest.h"
#include "framequeue.h"
#include "common/lsn.h"
#include "spool/heads.h"

enum link_state {
	LINK_GREET,		/* ssh: waiting for the receiver's heads */
	LINK_SEND,		/* streaming frames */
	LINK_ACK,		/* ssh: stream closed, waiting for "done" */
	LINK_DONE,
	LINK_FAILED
};

/* Why a link failed, for the program to judge (src/cmd/ship.c). */
enum link_outcome {
	LINK_OK,		/* it has not failed */
	LINK_CANT_START,	/* ssh could not be run */
	LINK_UNREACHABLE,	/* no tcp connection */
	LINK_LOST,		/* the stream broke, or ssh gave up */
	LINK_NOT_RECEIVER,	/* what answered over ssh is not a receiver */
	LINK_REFUSED,		/* the receiver found what it got bad */
	LINK_BAD_FRAME,		/* a frame to send failed its check */
	LINK_FELL_BEHIND,	/* dropped to keep up with the others */
	LINK_CANT_CREATE,	/* a local spool that cannot be made */
	LINK_IO,		/* a spool that cannot be read or written */
};

struct link_ops;

struct link {
	const struct dest *d;
	const struct link_ops *ops;	/* its kind's, from link_start on */
	void *kind_state;	/* and what that kind keeps of its own */
	enum link_state state;
	int fd;			/* frames go here; -1 for a local spool */
	struct heads have;	/* receiver's heads before we sent */
	struct heads acked;	/* and after: valid when acks and DONE */
	bool acks;		/* this kind of destination acknowledges */
	const char *const *exclude;	/* origins never sent to it */
	int nexclude;

	struct framequeue q;	/* frames waiting */
	size_t woff;		/* bytes of the head frame already written */

	enum link_outcome outcome;
	char *failure;		/* what it was, for the report */
	uint64_t frames, bytes, skipped;
	uint64_t refused;	/* frames the receiver refused as bad */
	uint64_t t_start, t_ready, t_eof, t_end, rtt_usec;
};

/* Microseconds on a clock that only goes forward. */
uint64_t link_now(void);

/* Fail with an outcome and a message (kept for the report); the stream's
 * descriptor is closed.  A link fails once: later failures are ignored. */
void link_fail(struct link *l, enum link_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The destination has everything it was sent. */
void link_done(struct link *l);

/*
 * Resume: does the destination hold every transaction of origin up to
 * last_lsn, the last LSN of a frame?  Then that frame is skipped, and
 * counted as such.
 */
bool link_skips(struct link *l, const char *origin, lsn_t last_lsn);

#endif
