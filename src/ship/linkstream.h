/*
 * linkstream.h: the pack stream of an ssh or tcp link, written without
 * blocking.
 */
#ifndef PGMESH_LINKSTREAM_H
#define PGMESH_LINKSTREAM_H

#include "linkstate.h"

/* Write queued frames to l->fd until it would block, skipping the ones
 * the destination already holds.  A failed write fails the link. */
void linkstream_pump(struct link *l);

#endif
