/*
 * link.h: one destination of a fan-out, with its own queue of frames and
 * its own pace.  Frames are shared between links by reference count; a
 * link writes them without blocking, so a slow or dead destination only
 * ever holds up itself.
 */
#ifndef PGMESH_LINK_H
#define PGMESH_LINK_H

#include <poll.h>
#include <stdbool.h>

#include "linkops.h"
#include "linkstate.h"
#include "sshcmd.h"

/* The descriptors a link may wait on: its stream, and its kind's own. */
#define LINK_POLLFDS (1 + LINK_KIND_FDS)

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
/*
 * What l waits for, in p[0..LINK_POLLFDS) for poll() (fd -1 where
 * nothing); returns the milliseconds until l's deadline, or -1.  A link
 * past its deadline fails here.
 */
int link_watch(struct link *l, struct pollfd p[LINK_POLLFDS]);
/* After poll: move l on by what became ready in p. */
void link_ready(struct link *l, const struct pollfd p[LINK_POLLFDS]);
/* The one line at the end. */
void link_report(const struct link *l);

#endif
