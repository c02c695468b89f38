/*
 * applyfail.h: how apply stops, and the messages that say why.
 *
 * A failure is about the data (a transaction the destination refuses,
 * named by origin, LSN and table, then rejected or the end of apply) or
 * about the database (gone, busy, a privilege missing, a statement of ours
 * refused).  The status says which; the program's main turns it into an
 * exit code.
 */
#ifndef PGMESH_APPLYFAIL_H
#define PGMESH_APPLYFAIL_H

#include "applylog.h"
#include "dbconn.h"
#include "common/buf.h"
#include "common/change.h"

enum apply_status {
	APPLY_OK,
	APPLY_STOPPED,		/* a transaction failed, reported (EX_DATAERR) */
	APPLY_LOST,		/* the database went away, is busy, or was
				 * short of something: try later (EX_TEMPFAIL) */
	APPLY_NO_PERMISSION,	/* origin functions refused (EX_NOPERM) */
	APPLY_IO_ERROR,		/* the rejects file (EX_IOERR) */
	APPLY_INTERNAL		/* the server refused a statement of ours (EX_SOFTWARE) */
};

/* Say why apply stops on err in what ("COMMIT", "origin a", ...), and
 * return the status it stops with. */
enum apply_status applyfail_report(const struct dberror *err,
    const char *what);

/* Start msg naming lt's failure in table t (NULL: none):
 * "origin a, LSN 0/16B3F08, table public.payments: ". */
void applyfail_name_txn(struct buf *msg, const struct applylog_txn *lt,
    const struct table *t);

#endif
