/*
 * metrics.c: format the summary as Prometheus metrics and replace the file
 * atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/partial.h"
#include "common/xalloc.h"

/* A per-origin value: one of these per metric. */
enum field {
	F_FRAMES, F_TXNS, F_ROWS, F_LAST_LSN, F_APPLIED, F_LAG_BYTES, F_LAG_TXNS,
	F_HELD
};

static const struct {
	const char *name;
	const char *help;
	bool lag;		/* only with --lag */
} fields[] = {
	[F_FRAMES] = { "frames", "Pack frames read, per origin.", false },
	[F_TXNS] = { "transactions", "Transactions read, per origin.", false },
	[F_ROWS] = { "rows", "Rows read, per origin.", false },
	[F_LAST_LSN] = { "last_lsn", "Highest origin LSN read (as a number).", false },
	[F_APPLIED] = { "applied_lsn", "The destination's applied origin LSN.", true },
	[F_LAG_BYTES] = { "lag_bytes", "Newest LSN read minus the applied LSN.", true },
	[F_LAG_TXNS] = { "lag_transactions", "Transactions read that are not applied yet.", true },
	[F_HELD] = { "held_back_seconds", "How long a gap has held the origin back at the destination (0: not held).", true },
};

static uint64_t
field_value(const struct origin_summary *o, enum field f)
{
	lsn_t head = o->last_frame_lsn > o->last_lsn ? o->last_frame_lsn :
	    o->last_lsn;

	switch (f) {
	case F_FRAMES: return o->frames;
	case F_TXNS: return o->txns;
	case F_ROWS: return o->rows;
	case F_LAST_LSN: return head;
	case F_APPLIED: return o->applied;
	case F_LAG_BYTES: return head > o->applied ? head - o->applied : 0;
	case F_HELD: return origin_summary_held_seconds(o, time(NULL));
	default: return o->pending;
	}
}

static void
put_metric(struct buf *out, const char *name, const char *help, uint64_t v)
{
	char line[512];

	snprintf(line, sizeof(line), "# HELP pgmesh_verify_%s %s\n"
	    "# TYPE pgmesh_verify_%s gauge\npgmesh_verify_%s %" PRIu64 "\n",
	    name, help, name, name, v);
	buf_puts(out, line);
}

/* Origin names are [a-z0-9_-]: nothing in a label value needs escaping. */
static void
put_origins(struct buf *out, const struct streamcheck *sc, enum field f)
{
	char line[512];

	snprintf(line, sizeof(line), "# HELP pgmesh_verify_%s %s\n"
	    "# TYPE pgmesh_verify_%s gauge\n", fields[f].name, fields[f].help,
	    fields[f].name);
	buf_puts(out, line);
	for (size_t i = 0; i < sc->norigins; i++) {
		snprintf(line, sizeof(line), "pgmesh_verify_%s{origin=\"%s\"} %"
		    PRIu64 "\n", fields[f].name, sc->origins[i].origin,
		    field_value(&sc->origins[i], f));
		buf_puts(out, line);
	}
}

/*
 * Write content to a temporary file beside path, then rename it there: a
 * collector reading path sees the old metrics or the new, whole.  The
 * temporary file goes on failure, and on exit or a signal before the
 * rename.
 */
static bool
replace_file(const char *path, const struct buf *content)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp = xmalloc(strlen(path) + 16);
	struct stat st;
	bool ok;
	int fd;

	/* The rename would replace a link planted at path, never follow it;
	 * refusing says that someone planted it. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		log_error("%s: is a symbolic link; refusing to replace it", path);
		free(tmp);
		return false;
	}
	snprintf(tmp, strlen(path) + 16, "%.*s.%s.XXXXXX", (int)dirlen, path,
	    path + dirlen);
	fd = mkstemp(tmp);
	if (fd < 0) {
		log_error("%s: %s", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	partial_watch(tmp);
	/* mkstemp makes the file private; the collector runs as another user.
	 * write_all reports its own failure. */
	ok = write_all(fd, content->data, content->len, tmp);
	if (ok && (fchmod(fd, 0644) != 0 || fsync(fd) != 0)) {
		log_error("%s: %s", tmp, strerror(errno));
		ok = false;
	}
	if (close(fd) != 0 && ok) {
		log_error("%s: %s", tmp, strerror(errno));
		ok = false;
	}
	if (ok && rename(tmp, path) != 0) {
		log_error("rename %s to %s: %s", tmp, path, strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	partial_done();
	free(tmp);
	return ok;
}

bool
metrics_write_stream(const char *path, const struct streamcheck *sc,
    bool lag, bool ok)
{
	struct buf out;
	bool written;

	buf_init(&out);
	put_metric(&out, "success", "1 when every input could be checked.", ok);
	put_metric(&out, "problems", "Problems found in the inputs.",
	    sc->problems);
	put_metric(&out, "timestamp_seconds", "When this check ran.",
	    (uint64_t)time(NULL));
	for (enum field f = F_FRAMES; f <= F_HELD; f++)
		if (lag || !fields[f].lag)
			put_origins(&out, sc, f);
	written = replace_file(path, &out);
	buf_free(&out);
	return written;
}
