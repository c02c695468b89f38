/*
 * prefetch.h: the frames of a pack stream, read and checked ahead.
 *
 * Unpacking a frame takes three steps of comparable cost: reading it,
 * hashing and decompressing it (framecheck.h); checking its records
 * (packdata_check); feeding them to a sink.  With threads, two reader
 * threads do the first two steps of the frames after the one the caller
 * feeds; without, prefetch_next does them when asked.  The reader threads
 * own the input, the catalog the frames declare their tables into, and the
 * split transaction carried from frame to frame, until prefetch_stop; the
 * tables declared stay valid for the caller.
 */
#ifndef PGMESH_PREFETCH_H
#define PGMESH_PREFETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "framecheck.h"
#include "manifest.h"
#include "packdata.h"
#include "common/buf.h"
#include "common/catalog.h"
#include "common/input.h"
#include "common/signers.h"

/* One frame as the reader thread left it. */
struct prefetched {
	enum read_result result;	/* READ_BAD_DATA: err says why */
	bool got;			/* false at a clean end of input */
	struct manifest m;
	struct buf content;		/* the decompressed data frame */
	struct packdata_frame f;	/* its records, checked */
	uint64_t offset;
	struct frame_error err;
};

struct prefetch;

/*
 * Start fetching from in, checking signatures against signers unless it
 * is NULL; without threads, each frame is fetched when prefetch_next asks
 * for it, in the caller's thread.  NULL after log_error.
 */
struct prefetch *prefetch_start(struct input *in, struct catalog *cat,
    struct packdata_split *split, const struct signers *signers,
    bool threads);

/*
 * The next frame, valid until the next call.  The last one has got false
 * or a result other than READ_OK; nothing comes after it.  Without wait,
 * NULL when nothing is fetched yet and the reader thread is waiting for
 * input: the input has gone idle (input.h).
 */
struct prefetched *prefetch_next(struct prefetch *p, bool wait);

/* Stop the reader thread wherever it is and free everything. */
void prefetch_stop(struct prefetch *p);

#endif
