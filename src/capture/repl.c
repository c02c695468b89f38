/*
 * repl.c: the walsender stream, in the shape of PostgreSQL's
 * pg_recvlogical: asynchronous PQgetCopyData, a wait on the socket no
 * longer than the next status update is due, and these CopyData messages:
 *
 *	server 'w' XLogData      Int64 start, Int64 end of WAL on the server,
 *	                         Int64 send time, then one pgoutput message
 *	server 'k' keepalive     Int64 end of WAL, Int64 send time,
 *	                         Byte1 1 when the server wants a reply now
 *	client 'r' status        Int64 written, Int64 flushed, Int64 applied,
 *	                         Int64 send time, Byte1 reply wanted (34 bytes)
 *
 * Times are microseconds since 2000-01-01.  The flushed position is the
 * one that counts: the server takes it as confirmed, may recycle the WAL
 * before it, and will never send what lies before it again.  capture
 * confirms only what its consumer said it holds durably (--after), never
 * what it wrote to a pipe, and says it once, in the first status update.
 * Later updates report no flushed position at all (0, "invalid"): a
 * walsender that is shutting down waits until the flushed position, or
 * when there is none the written one, equals what it sent, so a flushed
 * position held at --after would keep the server from ever stopping.  As
 * written, capture reports the end of WAL the server last said it sent,
 * which confirms nothing.  A status update goes at least every
 * STATUS_SECONDS, and at once when a keepalive asks for one, so that
 * wal_sender_timeout never ends a quiet stream.
 *
 * It also goes whenever capture has read all there is and the written
 * position moved: a walsender about to wait for WAL pings every client
 * whose written position is behind what it sent, and it does so before
 * sending the next transaction.  Without these updates every commit on
 * the source would reach capture a keepalive (and a wakeup) late.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "repl.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/timestamp.h"

#define STATUS_SECONDS 10

static int64_t
pg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 -
	    PG_EPOCH_OFFSET_US;
}

static void
put64(char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (char)(v & 0xff);
}

static uint64_t
get64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | (unsigned char)p[i];
	return v;
}

static bool
send_status(PGconn *conn, lsn_t received, lsn_t confirm)
{
	char msg[34];

	msg[0] = 'r';
	put64(msg + 1, received);
	put64(msg + 9, confirm);
	put64(msg + 17, confirm);
	put64(msg + 25, (uint64_t)pg_now());
	msg[33] = 0;
	if (PQputCopyData(conn, msg, sizeof(msg)) <= 0 || PQflush(conn) != 0) {
		log_error("cannot send a status update: %s", pgconn_error(conn));
		return false;
	}
	return true;
}

bool
repl_start(PGconn *conn, const struct repl_options *opt,
    enum stream_end *failure)
{
	char cmd[512], lsn[LSN_BUFSIZE];
	char *slot = pgconn_quote_ident(conn, opt->slot);
	char *pub = pgconn_quote_ident(conn, opt->publication);
	PGresult *res;

	/* A replication command takes no parameters.  Both names are
	 * quoted identifiers (publication_names is itself a list of them),
	 * and the publication, checked to be a plain name, holds no quote
	 * that could end the string around it. */
	if (slot == NULL || pub == NULL) {
		free(slot);
		free(pub);
		*failure = stream_failure(conn, NULL);
		return false;
	}
	snprintf(cmd, sizeof(cmd), "START_REPLICATION SLOT %s LOGICAL %s "
	    "(proto_version '1', messages 'true', publication_names '%s')", slot,
	    lsn_format(opt->start, lsn), pub);
	free(slot);
	free(pub);
	res = PQexec(conn, cmd);
	if (PQresultStatus(res) != PGRES_COPY_BOTH) {
		log_error("cannot stream from slot %s: %s", opt->slot,
		    pgconn_result_error(res));
		/* A slot is held by one session at a time: another capture,
		 * or the walsender of one that is gone but not yet noticed. */
		*failure = stream_failure(conn, res);
		PQclear(res);
		return false;
	}
	PQclear(res);
	if (!send_status(conn, 0, opt->confirm)) {
		*failure = stream_failure(conn, NULL);
		return false;
	}
	return true;
}

/*
 * End the stream in good order: CopyDone, then read what the server still
 * sends until its own CopyDone, and the final results, so that an error
 * the server reports last is not lost.
 */
static enum stream_end
finish_streaming(PGconn *conn, enum stream_end end)
{
	PGresult *res;
	char *data;
	int n;

	if (PQputCopyEnd(conn, NULL) <= 0 || PQflush(conn) != 0)
		return end;
	while ((n = PQgetCopyData(conn, &data, 0)) > 0)
		PQfreemem(data);
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_FATAL_ERROR)
			log_warn("at the end of streaming: %s",
			    pgconn_result_error(res));
		PQclear(res);
	}
	return end;
}

/* The server ended the copy or the connection broke. */
static enum stream_end
stream_lost(PGconn *conn)
{
	PGresult *res = PQgetResult(conn);

	const char *why = res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR ?
	    pgconn_result_error(res) : pgconn_error(conn);

	log_error("streaming stopped: %s", *why != '\0' ? why :
	    "the server ended the stream");
	PQclear(res);
	return STREAM_LOST;
}

/* The stream's positions: the end of WAL the server said it sent, and
 * the last one capture reported as written. */
struct positions {
	lsn_t received;
	lsn_t reported;
};

static bool
report_written(PGconn *conn, struct positions *pos)
{
	pos->reported = pos->received;
	return send_status(conn, pos->received, 0);
}

static bool
handle_message(PGconn *conn, struct pgoutput *p, const char *msg, int len,
    struct positions *pos)
{
	if (msg[0] == 'k' && len >= 18) {
		if (get64(msg + 1) > pos->received)
			pos->received = get64(msg + 1);
		return msg[17] == 0 || report_written(conn, pos);
	}
	if (msg[0] == 'w' && len >= 25) {
		if (get64(msg + 1) > pos->received)
			pos->received = get64(msg + 1);
		return pgoutput_decode(p, msg + 25, (size_t)len - 25);
	}
	log_error("unexpected message '%c' in the replication stream", msg[0]);
	return false;
}

enum stream_end
repl_stream(PGconn *conn, const struct repl_options *opt, struct pgoutput *p)
{
	time_t next_status = time(NULL) + STATUS_SECONDS;
	struct positions pos = { 0, 0 };

	for (;;) {
		char *msg;
		int len;
		bool ok;

		if (*opt->stop)
			return finish_streaming(conn, STREAM_STOPPED);
		if (time(NULL) >= next_status) {
			if (!report_written(conn, &pos))
				return STREAM_LOST;
			next_status = time(NULL) + STATUS_SECONDS;
		}
		len = PQgetCopyData(conn, &msg, 1);
		if (len == 0 && pos.received > pos.reported &&
		    !report_written(conn, &pos))
			return STREAM_LOST;
		if (len == 0) {
			time_t left = next_status - time(NULL);
			int waited = pgconn_wait(conn, left > 0 ? (int)left * 1000 : 0);

			if (waited < 0)
				return STREAM_LOST;
			if (waited > 0 && !PQconsumeInput(conn)) {
				log_error("connection lost: %s", pgconn_error(conn));
				return STREAM_LOST;
			}
			continue;
		}
		if (len < 0)
			return stream_lost(conn);
		ok = handle_message(conn, p, msg, len, &pos);
		PQfreemem(msg);
		if (!ok)
			return finish_streaming(conn, STREAM_FAILED);
	}
}
