/*
 * applymark.c: what a destination transaction holds, as a group mark.
 *
 * The rows a source transaction inserted here are its rows less those
 * already there (duplicates, counted by the staging path): exactly the
 * rows the destination transaction's WAL holds for it, in the order the
 * log sent them.
 */
#include "applymark.h"
#include "common/groupmark.h"

void
applymark_build(struct buf *out, const struct applylog *l,
    const struct applylog_txn *last, lsn_t prev)
{
	buf_reset(out);
	groupmark_put_group(out, last->txn.origin, prev);
	for (const struct applylog_txn *lt = l->txns; lt <= last; lt++) {
		struct groupmark_txn t = { lt->txn.lsn, lt->txn.commit_time,
		    lt->rejected ? 0 : lt->nrows - lt->dups, lt->rejected };

		groupmark_put_txn(out, &t);
	}
	buf_putc(out, '\0');
}
