/*
 * history.c: proving the consumer's position against this server's
 * commits.
 *
 * Commit times are compared as microseconds since the Unix epoch, as
 * change text and packs carry them and as the server computes them from
 * its own commit timestamp; the xid is the 32-bit one change text
 * carries, which is the one pg_xact_commit_timestamp() takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "common/buf.h"
#include "common/catalog.h"
#include "common/input.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/smallfile.h"
#include "common/timestamp.h"
#include "pack/packread.h"
#include "spool/chain.h"
#include "spool/spool.h"

#define MARKER_MAX 4096
#define HISTORY_MAX 4096
#define HISTORY_KEEP 2		/* transactions .history-NODE remembers */

static void
outbox_path(char path[PATH_MAX], const char *outbox, const char *kind,
    const char *node)
{
	snprintf(path, PATH_MAX, "%s/.%s-%s", outbox, kind, node);
}

/* Replace the file at path by data, durably (temporary file, fsync,
 * rename).  False after log_error. */
static bool
write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX + 32];
	int fd;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		log_error("cannot create %s: %s", tmp, strerror(errno));
		return false;
	}
	ok = write_all(fd, data, len, tmp);
	if (ok && fsync(fd) != 0) {
		log_error("fsync %s: %s", tmp, strerror(errno));
		ok = false;
	}
	close(fd);
	if (ok && rename(tmp, path) != 0) {
		log_error("cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	return ok;
}

/* A fork found before: say it again.  HISTORY_OK when there is none. */
static enum history_result
refused_before(const char *outbox, const char *node)
{
	char path[PATH_MAX];
	struct buf why;
	struct stat st;
	enum history_result r = HISTORY_FAILED;

	outbox_path(path, outbox, "forked", node);
	if (stat(path, &st) != 0 && errno == ENOENT)
		return HISTORY_OK;
	buf_init(&why);
	if (smallfile_read(path, MARKER_MAX, &why)) {
		log_error("%.*s (recorded in %s: node %s stays refused; recover "
		    "it under a new node name, see pgmesh-capture(1))",
		    (int)(why.len > 0 && why.data[why.len - 1] == '\n' ?
		    why.len - 1 : why.len), why.data, path, node);
		r = HISTORY_FORKED;
	}
	buf_free(&why);
	return r;
}

/* The transaction of the frame being read whose LSN is the head. */
struct head_reader {
	lsn_t head;
	struct txn open;
	struct txn found;
	bool have;
};

static bool
head_begin(void *ctx, const struct txn *txn)
{
	((struct head_reader *)ctx)->open = *txn;
	return true;
}

static bool
head_row(void *ctx, const struct table *t, const struct value *vals)
{
	(void)ctx;
	(void)t;
	(void)vals;
	return true;
}

static bool
head_commit(void *ctx, const struct txn *txn)
{
	struct head_reader *hr = ctx;

	if (txn->lsn == hr->head) {
		hr->found = hr->open;
		hr->have = true;
	}
	return true;
}

static void
head_abort(void *ctx)
{
	(void)ctx;
}

/* Read the frame at path for the head's transaction. */
static void
read_frame(const char *path, struct head_reader *hr)
{
	const struct change_sink sink = { .ctx = hr, .begin = head_begin,
	    .row = head_row, .commit = head_commit, .abort = head_abort };
	struct catalog *cat;
	struct input in;

	if (!input_open(&in, path))
		return;
	cat = catalog_new();
	/* The outbox is this node's own: no signature to check. */
	(void)packread_run(&in, cat, &sink, &(struct packread_options){ 0 });
	catalog_free(cat);
	input_close(&in);
}

/* The head's transaction from its frame in the outbox. */
static bool
from_frame(const char *outbox, const char *node, lsn_t head, struct txn *txn)
{
	struct head_reader hr = { .head = head };
	struct spool_entry *e;
	size_t n;

	if (!spool_list(outbox, &e, &n))
		return false;
	for (size_t i = 0; i < n && !hr.have; i++)
		if (strcmp(e[i].origin, node) == 0 &&
		    frame_whole_lsn(e[i].last_lsn, e[i].continues_next) == head)
			read_frame(e[i].path, &hr);
	spool_entries_free(e, n);
	*txn = hr.found;
	return hr.have;
}

/* One "LSN XID COMMIT-TIME" line of .history-NODE. */
static bool
parse_remembered(const char *line, struct txn *txn)
{
	char lsn[24], time[TIMESTAMP_BUFSIZE];
	unsigned long xid;

	if (sscanf(line, "%23s %lu %29[^\n]", lsn, &xid, time) != 3 ||
	    !lsn_parse(lsn, strlen(lsn), &txn->lsn) ||
	    !timestamp_parse(time, strlen(time), &txn->commit_time) ||
	    xid > UINT32_MAX)
		return false;
	txn->xid = (uint32_t)xid;
	return true;
}

/* The transactions .history-NODE remembers (at most HISTORY_KEEP). */
static size_t
remembered(const char *outbox, const char *node, struct txn *v)
{
	char path[PATH_MAX];
	struct buf text;
	size_t n = 0;
	struct stat st;

	outbox_path(path, outbox, "history", node);
	if (stat(path, &st) != 0)
		return 0;
	buf_init(&text);
	if (smallfile_read(path, HISTORY_MAX, &text)) {
		buf_putc(&text, '\0');
		for (char *line = text.data; line != NULL && *line != '\0' &&
		    n < HISTORY_KEEP; line = strchr(line, '\n'), line = line ?
		    line + 1 : NULL)
			if (parse_remembered(line, &v[n]))
				n++;
	}
	buf_free(&text);
	return n;
}

/* The head's transaction: from its frame, or as remembered. */
static bool
head_txn(const char *outbox, const char *node, lsn_t head, struct txn *txn)
{
	struct txn v[HISTORY_KEEP];
	size_t n;

	if (from_frame(outbox, node, head, txn))
		return true;
	n = remembered(outbox, node, v);
	for (size_t i = 0; i < n; i++)
		if (v[i].lsn == head) {
			*txn = v[i];
			return true;
		}
	return false;
}

/* Record the refusal in the outbox, and say it. */
static enum history_result
forked(const char *outbox, const char *node, const char *why)
{
	char path[PATH_MAX];
	struct buf text;

	outbox_path(path, outbox, "forked", node);
	buf_init(&text);
	buf_puts(&text, why);
	buf_putc(&text, '\n');
	(void)write_atomic(path, text.data, text.len);
	buf_free(&text);
	log_error("%s (recorded in %s: node %s stays refused; recover it "
	    "under a new node name, see pgmesh-capture(1))", why, path, node);
	return HISTORY_FORKED;
}

/*
 * What this server says of txn's xid: the commit time (microseconds) or
 * NULL, its WAL position and timeline.  Values NULL or "" after log_error.
 */
static PGresult *
server_side(PGconn *conn, const struct txn *txn)
{
	char xid[16];
	const char *params[] = { xid };

	snprintf(xid, sizeof(xid), "%" PRIu32, txn->xid);
	return pgconn_query(conn, "cannot read the commit timestamp",
	    "SELECT pg_catalog.current_setting('track_commit_timestamp') = 'on', "
	    "CASE WHEN pg_catalog.current_setting('track_commit_timestamp') = "
	    "'on' THEN (EXTRACT(epoch FROM "
	    "pg_catalog.pg_xact_commit_timestamp($1::pg_catalog.xid)) "
	    "* 1000000)::pg_catalog.int8 END, "
	    "pg_catalog.pg_current_wal_lsn(), "
	    "(SELECT timeline_id FROM pg_catalog.pg_control_checkpoint())",
	    1, params);
}

/* Is txn, the head of outbox for node, one of this server's? */
static enum history_result
compare(PGconn *conn, const char *outbox, const char *node,
    const struct txn *txn)
{
	PGresult *res = server_side(conn, txn);
	char lsn[LSN_BUFSIZE], at[TIMESTAMP_BUFSIZE], here[TIMESTAMP_BUFSIZE + 32];
	char why[1024];
	enum history_result r = HISTORY_OK;

	if (res == NULL)
		return HISTORY_FAILED;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		log_error("track_commit_timestamp is off: capture cannot prove "
		    "that the outbox's position is a point of this server's "
		    "history (set track_commit_timestamp = on and restart the "
		    "server)");
		PQclear(res);
		return HISTORY_UNKNOWN;
	}
	if (PQgetisnull(res, 0, 1))
		snprintf(here, sizeof(here), "has not committed");
	else
		snprintf(here, sizeof(here), "committed at %s",
		    timestamp_format(strtoll(PQgetvalue(res, 0, 1), NULL, 10),
		    at));
	if (PQgetisnull(res, 0, 1) ||
	    strtoll(PQgetvalue(res, 0, 1), NULL, 10) != txn->commit_time) {
		snprintf(why, sizeof(why), "outbox %s holds node %s up to LSN "
		    "%s, its transaction %" PRIu32 " committed at %s; on this "
		    "server (WAL at %s, timeline %s) transaction %" PRIu32 " %s: "
		    "this server's history is not the one its peers hold "
		    "(restored from a backup, or a standby promoted after "
		    "missing commits)", outbox, node, lsn_format(txn->lsn, lsn),
		    txn->xid, timestamp_format(txn->commit_time, at),
		    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3), txn->xid, here);
		r = forked(outbox, node, why);
	}
	PQclear(res);
	return r;
}

enum history_result
history_check(PGconn *conn, const char *outbox, const char *node,
    lsn_t *head)
{
	enum history_result r = refused_before(outbox, node);
	struct heads h;
	struct txn txn;
	char lsn[LSN_BUFSIZE];

	if (r != HISTORY_OK)
		return r;
	heads_init(&h);
	if (!chain_heads(outbox, &h)) {
		heads_free(&h);
		return HISTORY_FAILED;
	}
	*head = heads_get(&h, node);
	heads_free(&h);
	if (*head == 0)
		return HISTORY_OK;	/* nothing held: nothing to contradict */
	if (!head_txn(outbox, node, *head, &txn)) {
		log_error("outbox %s holds node %s up to LSN %s, but neither its "
		    "frame nor %s/.history-%s names that transaction: capture "
		    "cannot prove it is of this server's history", outbox, node,
		    lsn_format(*head, lsn), outbox, node);
		return HISTORY_UNKNOWN;
	}
	return compare(conn, outbox, node, &txn);
}

bool
history_fresh(const char *outbox, const char *node, lsn_t genesis,
    lsn_t start)
{
	char g[LSN_BUFSIZE], s[LSN_BUFSIZE];

	if (genesis == 0 || start == genesis)
		return true;
	log_error("outbox %s holds nothing of node %s, whose history began at "
	    "LSN %s and whose slot stands at %s: the node's transactions went "
	    "into another outbox, or into this one before it was lost or put "
	    "back from a backup, and capture cannot prove where its peers "
	    "stand (recover the node under a new name, see pgmesh-capture(1))",
	    outbox, node, lsn_format(genesis, g), lsn_format(start, s));
	return false;
}

bool
history_remember(const char *outbox, const char *node, const struct txn *txn)
{
	struct txn v[HISTORY_KEEP];
	size_t n = remembered(outbox, node, v);
	char path[PATH_MAX], lsn[LSN_BUFSIZE], at[TIMESTAMP_BUFSIZE], line[128];
	struct buf text;
	bool ok;

	buf_init(&text);
	/* The newest last; the oldest goes when there are too many. */
	for (size_t i = n == HISTORY_KEEP ? 1 : 0; i < n; i++) {
		if (v[i].lsn == txn->lsn)
			continue;
		snprintf(line, sizeof(line), "%s %" PRIu32 " %s\n",
		    lsn_format(v[i].lsn, lsn), v[i].xid,
		    timestamp_format(v[i].commit_time, at));
		buf_puts(&text, line);
	}
	snprintf(line, sizeof(line), "%s %" PRIu32 " %s\n",
	    lsn_format(txn->lsn, lsn), txn->xid,
	    timestamp_format(txn->commit_time, at));
	buf_puts(&text, line);
	outbox_path(path, outbox, "history", node);
	ok = write_atomic(path, text.data, text.len);
	buf_free(&text);
	return ok;
}
