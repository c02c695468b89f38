/*
 * streamcheck.h: check pack streams, change text and spool directories
 * without applying them, and sum them up per origin.
 *
 * What is checked, and reported as a problem with the input's name and
 * byte offset (line, for change text):
 *
 *   - each pack frame against its manifest: data length, SHA-256, zstd
 *     frame and content checksum, CBOR well-formed, records whole, and
 *     the manifest's claims (LSN range, counts of transactions and rows);
 *     given signers, its signature by a key listed for its origin;
 *   - change text record by record (pgmesh-format(5));
 *   - transactions whole: a C record for every B; a transaction split over
 *     frames has every part, in order (manifest part numbers);
 *   - LSN order: within one origin, every transaction's LSN is above the
 *     one before it, across frames, files and inputs;
 *   - spools: every frame's file name matches its manifest, and frames of
 *     one origin do not overlap;
 *   - gaps: a frame's prev_lsn (a P record's LSN, in change text) says
 *     where the one before it of its origin ended; when another frame of
 *     that origin came before it in the run and ended elsewhere, frames
 *     are missing in between (or the two overlap).  The first frame of an
 *     origin may continue from anywhere: a pruned spool, or a consumer
 *     that held the earlier frames already.
 *
 *   - a snapshot's frames (pgmesh-format(5)): each checked as any frame,
 *     their parts in order, the last with its E record, whose row count
 *     is what the frames hold; summed up one line per snapshot.  Spools
 *     never hold them.
 *
 * After a bad frame the check goes on with the next one (the manifest
 * says where it ends), so one run reports every problem.
 */
#ifndef PGMESH_STREAMCHECK_H
#define PGMESH_STREAMCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "originsum.h"
#include "common/buf.h"
#include "common/change.h"
#include "common/signers.h"

enum check_status {
	CHECK_OK,		/* checked; problems counted in problems */
	CHECK_NO_INPUT,		/* could not open an input (reported) */
	CHECK_IO_ERROR		/* a read failed (reported) */
};

/* A snapshot read in pack frames: the one open, or one seen whole. */
struct snapshot_summary {
	struct snapshot snap;
	uint64_t frames, rows, marks;
	uint32_t part;		/* of its last frame so far */
	bool whole;
	char *where;		/* its last frame so far, for messages */
};

struct streamcheck {
	struct origin_summary *origins;	/* sorted by origin name */
	size_t norigins;
	struct snapshot_summary *snaps;	/* in the order they began */
	size_t nsnaps;
	bool snap_open;		/* the last of snaps awaits its next part */
	uint64_t problems;
	/* Set after init, or NULL: a frame not signed by a key listed for
	 * its origin is a bad frame, and change text a problem (it cannot
	 * be signed). */
	const struct signers *signers;
};

void streamcheck_init(struct streamcheck *sc);
void streamcheck_free(struct streamcheck *sc);

/* The summary of origin, created when new (lag sets applied before). */
struct origin_summary *streamcheck_origin(struct streamcheck *sc,
    const char *origin);

/* Check a file, a spool directory, or "-" (stdin). */
enum check_status streamcheck_path(struct streamcheck *sc, const char *path);

/* After the last input: report split transactions and snapshots whose
 * end never came. */
void streamcheck_finish(struct streamcheck *sc);

/* The per-origin summary, one line each, and the problem count. */
void streamcheck_print(const struct streamcheck *sc, bool lag, struct buf *out);

#endif
