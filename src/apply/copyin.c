/*
 * copyin.c: COPY FROM STDIN with libpq, in blocking mode: PQputCopyData
 * queues and sends as the socket takes it, so a caller handing over large
 * pieces keeps the server busy while it prepares the next one.
 */
#include <stdio.h>

#include "copyin.h"

/*
 * Rows go to the server in COPY messages of at most this size.  The server
 * reads a whole message before it parses any of it, so a message much
 * larger than the socket's buffer leaves it waiting on the transfer; one
 * well under it is parsed while the next is written.  (1 MiB messages made
 * apply 1.1-1.4x a plain COPY; 32 KiB ones about 1.0x.)
 */
#define PUT_BYTES (32 * 1024)

bool
copyin_start(PGconn *c, const struct table *t, const char *target,
    bool begin, struct dberror *err)
{
	struct buf sql;
	PGresult *res;
	bool ok;

	buf_init(&sql);
	if (begin)
		buf_puts(&sql, "BEGIN; ");
	buf_puts(&sql, "COPY ");
	if (target != NULL)
		buf_puts(&sql, target);
	ok = (target != NULL || dbconn_quote_table(c, &sql, t, err));
	buf_puts(&sql, " (");
	ok = ok && dbconn_quote_columns(c, &sql, t, NULL, err);
	buf_puts(&sql, ") FROM STDIN");
	buf_putc(&sql, '\0');
	if (!ok) {
		buf_free(&sql);
		return false;
	}
	res = PQexec(c, sql.data);
	buf_free(&sql);
	ok = PQresultStatus(res) == PGRES_COPY_IN;
	if (!ok)
		dbconn_error(c, res, err);
	PQclear(res);
	return ok;
}

bool
copyin_put(PGconn *c, const char *data, size_t len, struct dberror *err)
{
	while (len > 0) {
		size_t n = len < PUT_BYTES ? len : PUT_BYTES;

		if (PQputCopyData(c, data, (int)n) != 1) {
			dbconn_error(c, NULL, err);
			return false;
		}
		data += n;
		len -= n;
	}
	return true;
}

bool
copyin_put_segment(PGconn *c, struct applylog *l,
    const struct applylog_seg *s, struct dberror *err)
{
	for (uint64_t off = s->start; off < s->end;) {
		size_t n = s->end - off > SIZE_MAX ? SIZE_MAX :
		    (size_t)(s->end - off);
		const char *p = spill_view(&l->data, off, &n);

		if (p == NULL) {
			*err = (struct dberror){ .sqlstate = "58030" };
			snprintf(err->message, sizeof(err->message),
			    "the rows of a large transaction could not be "
			    "read back from its temporary file");
			return false;
		}
		if (!copyin_put(c, p, n, err))
			return false;
		off += n;
	}
	return true;
}

bool
copyin_end(PGconn *c, struct dberror *err)
{
	PGresult *res;
	bool ok = true;

	if (PQputCopyEnd(c, NULL) != 1) {
		dbconn_error(c, NULL, err);
		return false;
	}
	/* Read every result, so that no error is left for the next command. */
	while ((res = PQgetResult(c)) != NULL) {
		if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
			dbconn_error(c, res, err);
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}
