/*
 * emit.h: decoded transactions out as change text, whole or not at all.
 *
 * A change text B record carries the transaction's identity, and for a
 * local transaction that is its commit end LSN, which pgoutput sends only
 * with Commit.  So nothing of a transaction is written before its commit
 * has been decoded: rows collect in memory and, past a few megabytes, in an
 * unlinked temporary file (like PostgreSQL's own reorder buffer), and at
 * commit the emitter writes B, the rows and C in one go.  A transaction cut
 * off by a lost connection or a signal is simply dropped: no reader ever
 * sees part of one, and memory stays flat however big a transaction is.
 *
 * The emitter also decides what is emitted: only transactions with rows,
 * whose commit record starts at or after the position asked for (so that
 * a resumed stream never repeats one), and not from an excluded origin.
 *
 * Before the first local transaction it writes, it says where the local
 * node's stream starts (a P record): every local transaction committed
 * after that position follows, which is what lets a consumer downstream
 * (pack's manifests, verify) tell a missing frame from a quiet node.
 * Relayed transactions (applied here by pgmesh-apply) go out as the source
 * transactions their group mark names, with the claims it proves
 * (relay.h).
 */
#ifndef PGMESH_EMIT_H
#define PGMESH_EMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "outthread.h"
#include "relay.h"
#include "pgoutput.h"
#include "common/buf.h"
#include "common/change.h"
#include "common/lsn.h"
#include "common/spill.h"
#include "common/textwrite.h"

struct emit_options {
	const char *node;		/* this node: origin of local transactions */
	const char *const *exclude;	/* origins not to emit */
	int nexclude;
	bool local_only;		/* emit only origin == node */
	lsn_t after;			/* emit commits starting at or after this */
	bool flush_each;		/* write out at every commit (--follow) */
	int fd;				/* where change text goes */
};

struct emitter {
	struct emit_options opt;
	struct textwriter w;
	struct buf out;			/* whole transactions not yet written */
	struct spill body;		/* rows of the open transaction */
	struct relay relay;		/* relayed transactions split */
	struct outthread *writer;	/* NULL: out is written to opt.fd here */
	unsigned *saved;		/* w.written as it was at begin */
	unsigned nsaved;
	lsn_t skip_below;		/* emit only commits starting here or later */
	lsn_t since;			/* P record still to write, or CLAIM_NONE */
	lsn_t local_at;			/* where a P record of this node would
					 * claim from now */
	bool skip;			/* the open transaction is not emitted */
	bool from_origin;		/* its identity came with an Origin */
	bool foreign_noticed;		/* said once: non-pgmesh origins */
	bool mark_noticed;		/* said once: a mark not honoured */
	bool write_failed;		/* output or temporary file: I/O error */
	bool bad_relay;			/* a group mark refused, reported */
	struct txn txn;
	uint64_t txn_rows;
	/* Progress, for -v and the summary. */
	uint64_t ntxns, nrows;
	lsn_t last_end;			/* local end LSN of the last emitted */
	struct txn last_local;		/* the last of this node's emitted */
	bool has_local;
	double started, reported;
};

void emitter_init(struct emitter *e, const struct emit_options *opt);
void emitter_free(struct emitter *e);
/* The local node's stream starts after start (0: with the node's first
 * transaction). */
void emitter_since(struct emitter *e, lsn_t start);
struct pgoutput_events emitter_events(struct emitter *e);

/* Forget the open transaction (lost connection, signal); never fails. */
void emitter_drop(struct emitter *e);
/* Write out every whole transaction buffered; false after log_error. */
bool emitter_flush(struct emitter *e);
/* At -v, say on stderr what was captured and how fast. */
void emitter_summary(const struct emitter *e);

#endif
