/*
 * manifest.h: what a pack frame says about itself.
 *
 * Every frame of a pack stream is a manifest (a CBOR map inside a zstd
 * skippable frame) followed by a data frame (a standard zstd frame).  Tools
 * route, deduplicate, resume and verify frames from the manifest alone,
 * without decompressing.  The byte layout is in man/pgmesh-format.5.
 */
#ifndef PGMESH_MANIFEST_H
#define PGMESH_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"
#include "common/buf.h"
#include "common/change.h"
#include "common/lsn.h"
#include "common/node.h"

/* Written: 2.  Read: 1 and 2 (pgmesh-format(5) says what changed). */
#define PACK_FORMAT_VERSION 2
#define PACK_FORMAT_OLDEST 1

struct manifest {
	unsigned version;
	char origin[NODE_MAX + 1];
	/*
	 * Continuity: the frame before this one of its origin ended at
	 * prev_lsn, so this frame's transactions are all those of the origin
	 * after it; 0 when they start with the origin's first transaction,
	 * CLAIM_NONE for no claim (format 1 only).  With continues_prev it is
	 * the LSN of the continued transaction, where the previous part's
	 * frame ended.
	 */
	lsn_t prev_lsn;
	lsn_t first_lsn;	/* LSN of the first transaction in the frame */
	lsn_t last_lsn;		/* LSN of the last one */
	uint64_t ntxns;		/* transactions begun in this frame */
	uint64_t nrows;
	/*
	 * A transaction too big for one frame is split: its first frame has
	 * continues_next, its middle and last frames continues_prev.  No part
	 * may be applied without the others (see pgmesh-format(5)).
	 */
	bool continues_prev;
	bool continues_next;
	/* With continues_prev: which part of the split transaction this frame
	 * starts with (1 for the second part, ...); 0 otherwise.  Spools need
	 * it to name the parts of one transaction apart (spool.h). */
	uint32_t part;
	size_t ntables;		/* qualified names of the tables it touches */
	char **tables;
	/* Parallel to tables: each one's columns, as its T record has them. */
	int *table_ncols;
	struct column **table_cols;
	uint64_t data_len;	/* bytes of the data frame that follows */
	unsigned char sha256[SHA256_LEN];	/* of those bytes */
	/* Bytes of the data frame's content, decompressed (format 2; 0 in
	 * format 1, where only decompressing tells). */
	uint64_t content_len;
	/* The origin's signature (format 2; NULL: unsigned), as decoded. */
	unsigned char *sig;
	size_t sig_len;
	/*
	 * A frame of a join snapshot (format 2, the key "snapshot"): its
	 * records are one part of the snapshot of node origin taken at
	 * taken, not transactions, so first_lsn and last_lsn are 0, ntxns
	 * is 0 and prev_lsn is CLAIM_NONE; continues_prev, continues_next
	 * and part chain the frames of one snapshot as those of a split
	 * transaction.  Only pgmesh-apply --snapshot-from takes them.
	 */
	bool snapshot;
	int64_t taken;		/* microseconds since the Unix epoch, UTC */
	uint64_t manifest_len;	/* bytes of the skippable frame, header included */
	/* Decoded: where the signed entries lie in the CBOR map, from the
	 * first key to the sig key (framesig.h), and how many there are. */
	size_t signed_from, signed_to;
	uint64_t nsigned;
};

/* The skippable frame's magic number (little-endian on the wire). */
#define MANIFEST_MAGIC 0x184D2A5Eu
#define MANIFEST_HEADER_LEN 8	/* magic and length */
#define MANIFEST_MAX_LEN (16u << 20)
#define MANIFEST_SIG_MAX 1024	/* an SSHSIG blob of an Ed25519 key: ~300 */

void manifest_free(struct manifest *m);

/* Append m as a whole skippable frame (header and CBOR map). */
void manifest_encode(const struct manifest *m, struct buf *out);

/*
 * Append what the origin signs of a manifest: its CBOR map without the sig
 * entry, that is the map's head for one entry fewer (in CBOR's shortest
 * form), then the entries before sig, exactly as they are.  The first form
 * is m's as manifest_encode writes it; the second that of a manifest
 * decoded into m from map, its CBOR map, unknown entries included.
 */
void manifest_encode_signed(const struct manifest *m, struct buf *out);
void manifest_signed_part(const struct manifest *m, const unsigned char *map,
    struct buf *out);

/*
 * Decode the CBOR map of a manifest (the skippable frame's content, len
 * bytes) into *m, which the caller frees with manifest_free even on
 * failure.  On failure *err says what is wrong.
 */
bool manifest_decode(const void *data, size_t len, struct manifest *m,
    const char **err);

/*
 * Where the frames of each origin have got to in one stream (the last LSN
 * of the last frame of each): what the next frame's prev_lsn is set from
 * (writer) or compared with (readers).  Origins are few: a plain array.
 */
struct manifest_chain {
	struct manifest_chain_end *ends;
	size_t n;
};

/* The slot of origin, CLAIM_NONE when the stream has said nothing of it. */
lsn_t *manifest_chain_at(struct manifest_chain *c, const char *origin);
void manifest_chain_free(struct manifest_chain *c);

#endif
