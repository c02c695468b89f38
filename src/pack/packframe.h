/*
 * packframe.h: the pack writer's open frame, which packwrite.c's sink fills
 * with committed transactions and packframe.c compresses and writes out
 * (manifest + data frame).  Nothing but packwrite.c includes this.
 */
#ifndef PGMESH_PACKFRAME_H
#define PGMESH_PACKFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "manifest.h"
#include "common/buf.h"
#include "common/change.h"
#include "common/sshprivkey.h"

struct packframe {
	/* What the sink goes by; its P records set chain. */
	uint64_t cbor;		/* CBOR bytes given to it; 0: no frame open */
	size_t limit;		/* the open frame's size bound */
	char origin[NODE_MAX + 1];
	lsn_t last_lsn;
	struct manifest_chain chain;	/* where each origin's frames ended */

	/* The rest of the manifest. */
	lsn_t prev_lsn, first_lsn;
	uint64_t ntxns, nrows;
	bool continues_prev;
	uint32_t part;
	bool snapshot;		/* a snapshot's frame, taken at taken */
	int64_t taken;
	const struct table **tables;	/* T records, in frame order */
	size_t ntables, tables_cap;
	unsigned *defined;	/* by name_id: def_id + 1 declared in it */
	unsigned nnames;	/* size of defined */
	int64_t opened_ms;	/* when its first transaction came in */

	/* Writing it out. */
	const struct sshprivkey *key;	/* signs each manifest; or NULL */
	int fd;
	char *what;
	size_t max_bytes;	/* the limit's ceiling */
	ZSTD_CCtx *cctx;
	struct buf zout;	/* the compressed data frame so far */
	struct buf held;	/* the frame's CBOR not yet given to zstd */
	struct buf head;	/* the manifest */
};

/*
 * Make f write frames to fd (named what in messages), compressed at level,
 * their size bound growing up to max_bytes of CBOR, signed by key unless
 * it is NULL; false, reported, when zstd cannot.
 */
bool packframe_init(struct packframe *f, int fd, const char *what, int level,
    size_t max_bytes, const struct sshprivkey *key);
void packframe_free(struct packframe *f);

/* Bound the next frame as the first of a stream (the input paused). */
void packframe_limit_restart(struct packframe *f);
/* Milliseconds since the open frame's first transaction came in. */
int64_t packframe_age_ms(const struct packframe *f);

/* Does the open frame declare t (this definition of its name)? */
bool packframe_declares(const struct packframe *f, const struct table *t);
/* The CBOR added next holds t's T record: the manifest lists t. */
void packframe_add_table(struct packframe *f, const struct table *t);
/*
 * Add txn's CBOR to the frame, opening one for it if none is open: first
 * tables, the T records the frame needs again, then cbor, holding nrows
 * rows.  part is the part of a split txn that cbor is, 0 for the first or
 * only one.
 */
bool packframe_add_txn(struct packframe *f, const struct txn *txn,
    uint32_t part, const struct buf *tables, const struct buf *cbor,
    uint64_t nrows);
/*
 * The same for one part of snapshot s, in a frame of its own (opened for
 * it: none may be open), holding nrows of its rows.
 */
bool packframe_add_snapshot(struct packframe *f, const struct snapshot *s,
    uint32_t part, const struct buf *cbor, uint64_t nrows);
/*
 * Close the open frame, if any, and write it out; continues_next says that
 * its last transaction goes on in the next frame.  False after a failure
 * was reported; the next frame starts afresh all the same.
 */
bool packframe_close(struct packframe *f, bool continues_next);

#endif
