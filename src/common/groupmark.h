/*
 * groupmark.h: where a relay's destination transaction splits back into
 * the source transactions it applied.
 *
 * pgmesh-apply commits many source transactions of one origin in one
 * destination transaction (group commit).  So that a capture of that
 * database can emit them again one by one, with their own identity, apply
 * writes a group mark into the same transaction, as a transactional
 * logical decoding message (pg_logical_emit_message) with the prefix
 * GROUPMARK_PREFIX, just before it commits.  Its content is text, one
 * record per line, fields separated by tabs (pgmesh-format(5)):
 *
 *	G  origin  prev          the group: its origin, and the origin's
 *	                         progress before it ("-": no claim, a replay)
 *	A  lsn  commit-time  rows  a source transaction applied, with the
 *	                         number of rows it inserted here
 *	R  lsn  commit-time      one set aside (--rejects): not applied
 *
 * in the order apply wrote them, which is the order of the rows in the
 * destination transaction.
 */
#ifndef PGMESH_GROUPMARK_H
#define PGMESH_GROUPMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "change.h"
#include "lsn.h"
#include "node.h"

#define GROUPMARK_PREFIX "pgmesh.group"

struct groupmark_txn {
	lsn_t lsn;
	int64_t commit_time;
	uint64_t rows;		/* inserted here; 0 when rejected */
	bool rejected;
};

struct groupmark {
	char origin[NODE_MAX + 1];
	lsn_t prev;		/* CLAIM_NONE: the group claims nothing */
	struct groupmark_txn *txns;
	size_t ntxns;
	size_t cap;
};

/* Writing, for apply: the G record, then one record per transaction. */
void groupmark_put_group(struct buf *out, const char *origin, lsn_t prev);
void groupmark_put_txn(struct buf *out, const struct groupmark_txn *t);

void groupmark_init(struct groupmark *m);
void groupmark_free(struct groupmark *m);
/*
 * Read a mark's content into m: a G record, then at least one transaction,
 * LSNs increasing and above prev.  False, with what is wrong in why, when
 * it is not such a mark.
 */
bool groupmark_parse(struct groupmark *m, const char *text, size_t len,
    const char **why);
/* Rows of every transaction of m, together. */
uint64_t groupmark_rows(const struct groupmark *m);

#endif
