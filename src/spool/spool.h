/*
 * spool.h: a spool directory, the store-and-forward unit of ship, apply
 * and verify.
 *
 * A spool holds one file per pack frame (manifest and data frame, exactly as
 * pack wrote them), in a subdirectory per origin node, named by the frame's
 * LSN range in fixed-width hexadecimal so that name order is LSN order,
 * and after "@" its continuity claim (the manifest's prev_lsn; no "@" for
 * a frame of format 1 that makes none):
 *
 *	SPOOL/a/00000000016B3F08-00000000016C0000@00000000016B3E00.pack
 *
 * The frames of a transaction split across frames share LSNs, so their
 * names say more: ".N" after the range for the Nth continuation part, and
 * "+" when the frame's last transaction goes on in the next frame:
 *
 *	SPOOL/a/00000000016C1000-00000000016D0000+@00000000016C0000.pack
 *	SPOOL/a/00000000016D0000-00000000016D0000.1+@00000000016D0000.pack
 *	SPOOL/a/00000000016D0000-00000000016E2000.2@00000000016D0000.pack
 *
 * Everything a spool reader needs to chain frames (spool/chain.h) is in
 * the names, so reading a spool's position never opens a frame.
 *
 * Files appear atomically (written under a temporary name starting with
 * ".tmp-PID-", fsynced, renamed): a reader never sees a partial frame, and
 * ignores names starting with "."; the temporary file of a writer that
 * died is removed by the next reader.  The renames become durable with
 * spool_sync, once per batch rather than once per frame: a writer syncs
 * before it says what it stored, and whoever reads a spool's position
 * syncs first.
 *
 * A file that no reader can use (a name that is not a frame's, a damaged
 * frame, impossible LSNs) is moved into SPOOL/.quarantine/ORIGIN/, with a
 * message, and every other frame goes on being used.
 */
#ifndef PGMESH_SPOOL_H
#define PGMESH_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/lsn.h"
#include "common/node.h"
#include "pack/manifest.h"

struct spool_entry {
	char origin[NODE_MAX + 1];
	lsn_t prev_lsn;		/* manifest.prev_lsn: CLAIM_NONE for none */
	lsn_t first_lsn;
	lsn_t last_lsn;
	uint32_t part;		/* manifest.part */
	bool continues_next;	/* manifest.continues_next */
	char *path;
};

/* All frames of the spool, sorted by origin, then first LSN, part, last LSN
 * and claim.  A file whose name is not a frame's is quarantined.  False
 * after log_error (no such directory). */
bool spool_list(const char *dir, struct spool_entry **entries, size_t *n);
void spool_entries_free(struct spool_entry *entries, size_t n);

/* Store one frame (raw bytes from pack_next_frame) atomically; a frame
 * already present is left as it is.  SPOOL_NO_ROOM when storing it would
 * leave less free space than the spool-free limit (limits.h), nothing
 * written: worth trying again once there is room. */
enum spool_store_result { SPOOL_STORED, SPOOL_NO_ROOM, SPOOL_FAILED };
enum spool_store_result spool_store(const char *dir,
    const struct manifest *m, const struct buf *raw);

/* Make every frame stored so far durable (fsync of the spool's
 * directories).  False after log_error. */
bool spool_sync(const char *dir);

/*
 * Move the file at path, which a reader found it cannot use (why), into
 * the spool's quarantine folder.  False after log_error (the file is then
 * to be left alone).
 */
bool spool_quarantine(const char *dir, const char *origin, const char *path,
    const char *why);

#endif
