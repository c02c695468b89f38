/*
 * peek.c: the SQL decoding path.  The query's values (slot, end position,
 * publication) travel as parameters of set_config() and are read back by
 * current_setting() inside the COPY, since COPY itself takes none.
 *
 * The COPY binary format as it arrives, one CopyData message per row (the
 * header rides along with the first row, the trailer comes alone):
 *
 *	header   "PGCOPY\n\377\r\n\0", Int32 flags, Int32 extension length,
 *	         extension bytes
 *	row      Int16 field count (1), Int32 length, the bytea's bytes:
 *	         one pgoutput message
 *	trailer  Int16 -1
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "peek.h"
#include "pgconn.h"

static const char copy_signature[11] = "PGCOPY\n\377\r\n";

static const char set_query[] =
    "SELECT pg_catalog.set_config('pgmesh.capture_slot', $1, false), "
    "pg_catalog.set_config('pgmesh.capture_upto', $2, false), "
    "pg_catalog.set_config('pgmesh.capture_publication', $3, false)";

static const char copy_query[] =
    "COPY (SELECT data FROM pg_catalog.pg_logical_slot_peek_binary_changes("
    "pg_catalog.current_setting('pgmesh.capture_slot'), "
    "pg_catalog.current_setting('pgmesh.capture_upto')::pg_catalog.pg_lsn, "
    "NULL, 'proto_version', '1', 'publication_names', "
    "pg_catalog.current_setting('pgmesh.capture_publication'))) "
    "TO STDOUT (FORMAT binary)";

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static bool
start_copy(PGconn *conn, const struct peek_options *opt)
{
	/* publication_names is a list of identifiers: quote the name. */
	char upto[LSN_BUFSIZE], *publication = pgconn_quote_ident(conn,
	    opt->publication);
	const char *params[] = { opt->slot, lsn_format(opt->upto, upto),
	    publication };
	PGresult *res;
	bool ok;

	if (publication == NULL)
		return false;
	res = pgconn_query(conn, "cannot set up decoding", set_query, 3, params);
	free(publication);
	if (res == NULL)
		return false;
	PQclear(res);
	res = PQexec(conn, copy_query);
	ok = PQresultStatus(res) == PGRES_COPY_OUT;
	if (!ok)
		log_error("cannot decode slot %s: %s", opt->slot,
		    pgconn_result_error(res));
	PQclear(res);
	return ok;
}

/*
 * One CopyData message: the header if *header is not yet seen, then rows
 * or the trailer.  Returns false after log_error (or p's false).
 */
static bool
decode_copy_data(struct pgoutput *p, const unsigned char *d, size_t len,
    bool *header)
{
	size_t pos = 0;

	if (!*header) {
		if (len < 19 || memcmp(d, copy_signature, 11) != 0 ||
		    len - 19 < get32(d + 15))
			goto bad;
		pos = 19 + get32(d + 15);
		*header = true;
	}
	while (pos < len) {
		uint32_t n;

		if (len - pos < 2)
			goto bad;
		if (d[pos] == 0xff && d[pos + 1] == 0xff) {
			if (pos + 2 != len)
				goto bad;
			return true;
		}
		if (d[pos] != 0 || d[pos + 1] != 1 || len - pos - 2 < 4)
			goto bad;
		n = get32(d + pos + 2);
		pos += 6;
		if (n == UINT32_MAX || len - pos < n)
			goto bad;
		if (!pgoutput_decode(p, (const char *)d + pos, n))
			return false;
		pos += n;
	}
	return true;
bad:
	log_error("malformed COPY data from the server");
	return false;
}

/* The COPY ended: its result says whether all went well. */
static enum stream_end
finish_copy(PGconn *conn, const char *slot)
{
	PGresult *res = PQgetResult(conn);
	enum stream_end end = STREAM_DONE;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		end = PQstatus(conn) == CONNECTION_BAD ? STREAM_LOST : STREAM_FAILED;
		log_error("decoding slot %s: %s", slot, res != NULL ?
		    pgconn_result_error(res) : pgconn_error(conn));
	}
	PQclear(res);
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
	return end;
}

enum stream_end
peek_drain(PGconn *conn, const struct peek_options *opt, struct pgoutput *p)
{
	bool header = false;

	if (!start_copy(conn, opt))
		return PQstatus(conn) == CONNECTION_BAD ? STREAM_LOST :
		    STREAM_FAILED;
	for (;;) {
		char *data;
		int len;
		bool ok;

		if (*opt->stop)
			return STREAM_STOPPED;
		len = PQgetCopyData(conn, &data, 1);
		if (len == 0) {
			int waited = pgconn_wait(conn, -1);

			if (waited < 0)
				return STREAM_LOST;
			if (waited > 0 && !PQconsumeInput(conn)) {
				log_error("connection lost: %s", pgconn_error(conn));
				return STREAM_LOST;
			}
			continue;
		}
		if (len == -1)
			return finish_copy(conn, opt->slot);
		if (len < 0) {
			log_error("decoding slot %s: %s", opt->slot,
			    pgconn_error(conn));
			return STREAM_LOST;
		}
		ok = decode_copy_data(p, (const unsigned char *)data,
		    (size_t)len, &header);
		PQfreemem(data);
		if (!ok)
			return STREAM_FAILED;
	}
}
