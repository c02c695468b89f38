/*
 * applyfail.c: database errors told apart by what they mean for apply,
 * and failing transactions named.
 */
#include "applyfail.h"
#include "common/log.h"
#include "common/lsn.h"

enum apply_status
applyfail_report(const struct dberror *err, const char *what)
{
	if (err->lost) {
		log_error("%s: connection to the database lost: %s", what,
		    err->message);
		return APPLY_LOST;
	}
	if (dbconn_temporary(err)) {
		log_error("%s: %s (try again later)", what, err->message);
		return APPLY_LOST;
	}
	if (dbconn_is(err, SQLSTATE_INSUFFICIENT_PRIVILEGE)) {
		log_error("%s: %s (replication origins need a superuser, or "
		    "GRANT EXECUTE on the pg_replication_origin_* functions)",
		    what, err->message);
		return APPLY_NO_PERMISSION;
	}
	if (dbconn_is(err, SQLSTATE_OBJECT_IN_USE)) {
		log_error("%s: %s (is another pgmesh-apply running?)", what,
		    err->message);
		return APPLY_LOST;
	}
	log_error("%s: %s", what, err->message);
	return APPLY_INTERNAL;
}

void
applyfail_name_txn(struct buf *msg, const struct applylog_txn *lt,
    const struct table *t)
{
	char lsn[LSN_BUFSIZE];

	buf_reset(msg);
	buf_puts(msg, "origin ");
	buf_puts(msg, lt->txn.origin);
	buf_puts(msg, ", LSN ");
	buf_puts(msg, lsn_format(lt->txn.lsn, lsn));
	if (t != NULL) {
		buf_puts(msg, ", table ");
		buf_puts(msg, t->name);
	}
	buf_puts(msg, ": ");
}
