/*
 * linkops.h: what differs between kinds of destination, as a table of
 * functions each kind fills in (linkssh.c, linktcp.c, linkspool.c).
 * link.c chooses a link's table once, at link_start, and calls through it;
 * the kinds never call link.c, only what lies below both (linkstate.h).
 */
#ifndef PGMESH_LINKOPS_H
#define PGMESH_LINKOPS_H

#include "linkstate.h"
#include "sshcmd.h"

struct link_ops {
	/* Spawn ssh, connect, or open the spool (tcp takes ssh's connect
	 * timeout); the link is FAILED when that does not work. */
	void (*start)(struct link *l, const struct ssh_settings *ssh);
	/* Write or store queued frames until the destination would block. */
	void (*pump)(struct link *l);
	/* No more frames will come: end the stream.  The link is DONE, or
	 * waits for the receiver's word (ACK), or FAILED. */
	void (*close)(struct link *l);
};

#endif
