/*
 * link.h: one destination of a fan-out, with its own queue of frames and
 * its own pace.  Frames are shared between links by reference count; a
 * link writes them without blocking, so a slow or dead destination only
 * ever holds up itself.
 */
#ifndef PGMESH_LINK_H
#define PGMESH_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "linkstate.h"
#include "sshcmd.h"

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
/* Fail a link whose receiver has not greeted by its deadline; returns
 * the milliseconds until the nearest deadline of l, or -1. */
int link_check_deadline(struct link *l, uint64_t now);
/* The one line at the end. */
void link_report(const struct link *l);

#endif
