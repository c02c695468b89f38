/*
 * link_int.h: each kind's part of a link, for link.c (the stream written
 * without blocking, the report), from linkssh.c (the resume protocol over ssh),
 * linktcp.c (a raw stream over tcp) and linkspool.c (a local spool,
 * stored into directly).  Nothing else includes this.
 */
#ifndef PGMESH_LINK_INT_H
#define PGMESH_LINK_INT_H

#include <stdbool.h>

#include "link.h"

/* Each kind's part of link_start and link_close (link_pump writes to
 * l->fd for ssh and tcp alike). */
void link_ssh_start(struct link *l, const struct ssh_settings *ssh);
/* End the stream; the receiver's "done" ends the link. */
void link_ssh_close(struct link *l);

void link_tcp_start(struct link *l, int timeout);
void link_tcp_close(struct link *l);

void link_spool_start(struct link *l);
/* Store every queued frame: a local spool never makes us wait. */
void link_spool_store(struct link *l);
/* Sync the spool and take its heads as acknowledged; false (the link
 * failed) when that does not work. */
bool link_spool_close(struct link *l);

#endif
