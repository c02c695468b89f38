/*
 * link.h: one destination of a fan-out, with its own queue of frames and
 * its own pace.  Frames are shared between links by reference count; a
 * link writes them without blocking, so a slow or dead destination only
 * ever holds up itself.
 */
#ifndef PGMESH_LINK_H
#define PGMESH_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dest.h"
#include "framequeue.h"
#include "shipproto.h"
#include "sshcmd.h"
#include "transport.h"
#include "common/buf.h"

enum link_state {
	LINK_GREET,		/* ssh: waiting for the receiver's heads */
	LINK_SEND,		/* streaming frames */
	LINK_ACK,		/* ssh: stream closed, waiting for "done" */
	LINK_DONE,
	LINK_FAILED
};

struct link {
	const struct dest *d;
	enum link_state state;
	struct child ssh;	/* ssh only */
	int fd;			/* frames go here; -1 for a local spool */
	struct heads have;	/* receiver's heads before we sent */
	struct heads acked;	/* and after: valid when acks and DONE */
	bool acks;		/* this kind of destination acknowledges */
	const char *const *exclude;	/* origins never sent to it */
	int nexclude;

	struct framequeue q;	/* frames waiting */
	size_t woff;		/* bytes of the head frame already written */
	size_t cursor;		/* spool source: next entry to load */

	struct buf lines;	/* ssh stdout, up to a whole line */
	char lasterr[256];	/* last line ssh wrote on stderr */
	bool greeted;
	bool got_done;

	int status;		/* EX_OK, or the failure's exit status */
	char *failure;		/* and what it was */
	uint64_t frames, bytes, skipped;
	uint64_t t_start, t_ready, t_ping, t_eof, t_end, rtt_usec;
	uint64_t greet_deadline;	/* ssh: fail when not greeted by then */
};

uint64_t link_now(void);

/* An idle link for d, safe to link_free. */
void link_init(struct link *l, const struct dest *d,
    const char *const *exclude, int nexclude);
/* Start the destination (spawn ssh, connect, open the spool).  The link is
 * FAILED (reported at the end) when that does not work. */
void link_start(struct link *l, const struct ssh_settings *ssh);
void link_free(struct link *l);

/* Is origin for this destination at all (not excluded)? */
bool link_routes(const struct link *l, const char *origin);
void link_enqueue(struct link *l, struct frame *f);
/* Write (or store) queued frames until the destination would block. */
void link_pump(struct link *l);
/* No more frames will come: close the stream. */
void link_close(struct link *l);
/* ssh's stdout / stderr became readable. */
void link_read_lines(struct link *l);
void link_read_stderr(struct link *l);
/* Fail with a message (kept for the report) and a status. */
void link_fail(struct link *l, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fail a link whose receiver has not greeted by its deadline; returns
 * the milliseconds until the nearest deadline of l, or -1. */
int link_check_deadline(struct link *l, uint64_t now);
/* The one line at the end. */
void link_report(const struct link *l);

#endif
