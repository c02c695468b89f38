/*
 * fanout.h: one source of frames to several destinations at once.
 */
#ifndef PGMESH_FANOUT_H
#define PGMESH_FANOUT_H

#include <stddef.h>

#include "dest.h"
#include "link.h"
#include "sshcmd.h"
#include "common/input.h"
#include "common/signers.h"

struct fanout_settings {
	struct ssh_settings ssh;
	const char *const *exclude;	/* origins sent to nobody */
	int nexclude;
	/* Send only frames signed by a key listed for their origin; a frame
	 * that is not is a bad frame of the source.  NULL: not checked. */
	const struct signers *signers;
};

/* How the source fared; each destination's outcome is in its link. */
enum fanout_result {
	FANOUT_OK,
	FANOUT_NO_SOURCE,	/* the source spool cannot be listed */
	FANOUT_BAD_SOURCE,	/* a bad frame in the source (reported) */
	FANOUT_READ_FAILED,	/* reading stdin failed (reported) */
};

/*
 * Send the frames of in (a pack stream) or of spool (a spool directory:
 * exactly one of the two) to every destination.  links has n entries, one
 * per destination; after the call they hold each destination's outcome
 * (state, outcome, acknowledged heads), have been reported on stderr, and
 * are to be freed with link_free.
 */
enum fanout_result fanout_run(const struct fanout_settings *s, struct input *in,
    const char *spool, const struct dest *dests, struct link *links,
    size_t n);

#endif
