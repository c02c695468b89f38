/*
 * linkops.h: what differs between kinds of destination, as a table of
 * functions each kind fills in (linkssh.c, linktcp.c, linkspool.c).
 * link.c chooses a link's table once, at link_start, and calls through it;
 * the kinds never call link.c, only what lies below both (linkstate.h).
 */
#ifndef PGMESH_LINKOPS_H
#define PGMESH_LINKOPS_H

#include <poll.h>
#include <stdint.h>

#include "linkstate.h"
#include "sshcmd.h"

/* The most descriptors a kind waits on besides its stream: ssh's stdout
 * and stderr. */
#define LINK_KIND_FDS 2

struct link_ops {
	/* Spawn ssh, connect, or open the spool (tcp takes ssh's connect
	 * timeout); the link is FAILED when that does not work. */
	void (*start)(struct link *l, const struct ssh_settings *ssh);
	/* Write or store queued frames until the destination would block. */
	void (*pump)(struct link *l);
	/* No more frames will come: end the stream.  The link is DONE, or
	 * waits for the receiver's word (ACK), or FAILED. */
	void (*close)(struct link *l);

	/* The rest may be NULL: the kind has nothing of the sort. */

	/* Free what start set up in l->kind_state. */
	void (*free)(struct link *l);

	/* Fill p[0..LINK_KIND_FDS) with the kind's own descriptors to wait
	 * on, fd -1 where there is none. */
	void (*watch)(const struct link *l, struct pollfd *p);
	/* After poll: read what became readable in p. */
	void (*ready)(struct link *l, const struct pollfd *p);
	/* Fail the link when now is past its deadline; else the
	 * milliseconds until the deadline, or -1 when there is none. */
	int (*deadline)(struct link *l, uint64_t now);
};

#endif
