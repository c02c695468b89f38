/*
 * textread.c: parse change text, one record a line, fields split on tabs.
 * Values are unescaped in place in the input buffer, so a row costs no
 * allocation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copytext.h"
#include "log.h"
#include "textread.h"
#include "textwrite.h"
#include "timestamp.h"
#include "xalloc.h"

struct reader {
	struct input *in;
	struct catalog *cat;
	const struct change_sink *sink;
	uint64_t lineno;
	char **fields;		/* the current line, split */
	size_t *lens;
	size_t nfields;
	size_t cap;
	bool backslash;		/* the line has one: fields may need unescaping */
	struct value *vals;
	size_t nvals;
	const struct table *last;	/* the table of the previous I record */
	size_t last_len;
	bool open;		/* between B and C */
	bool in_snapshot;	/* between S and E */
	uint64_t snapshot_rows;	/* I records since S */
	struct snapshot snap;
	bool sink_failed;	/* the last false came from the sink */
	struct txn txn;
};

static bool PRINTFLIKE(2, 3)
bad(struct reader *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s:%" PRIu64 ": %s", r->in->name, r->lineno, msg);
	return false;
}

/* Note a sink's refusal, so it is not taken for bad input. */
static bool
sink_ok(struct reader *r, bool ok)
{
	r->sink_failed = !ok;
	return ok;
}

bool
textread_detect(const char *data, size_t len)
{
	static const char magic[] = "#pgmesh\t";
	size_t n = len < sizeof(magic) - 1 ? len : sizeof(magic) - 1;

	return len > 0 && memcmp(data, magic, n) == 0;
}

static void
split_fields(struct reader *r, char *line, size_t len)
{
	char *end = line + len;

	r->nfields = 0;
	r->backslash = memchr(line, '\\', len) != NULL;
	for (;;) {
		char *tab = memchr(line, '\t', (size_t)(end - line));
		char *stop = tab ? tab : end;

		if (r->nfields == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			r->fields = xreallocarray(r->fields, r->cap, sizeof(*r->fields));
			r->lens = xreallocarray(r->lens, r->cap, sizeof(*r->lens));
		}
		r->fields[r->nfields] = line;
		r->lens[r->nfields++] = (size_t)(stop - line);
		*stop = '\0';
		if (tab == NULL)
			return;
		line = tab + 1;
	}
}

static bool
is_null(struct reader *r, size_t i)
{
	return r->lens[i] == 2 && r->fields[i][0] == '\\' && r->fields[i][1] == 'N';
}

/* Unescape field i in place; what names the field in messages. */
static bool
unescape_field(struct reader *r, size_t i, const char *what)
{
	size_t bad_at;

	/* Most lines have nothing escaped: one look per line, not per field. */
	if (!r->backslash)
		return true;
	if (!copytext_unescape(r->fields[i], r->lens[i], &r->lens[i], &bad_at))
		return bad(r, "bad escape in %s (field %zu, byte %zu): only \\\\ \\t "
		    "\\n \\r and \\N are allowed", what, i + 1, bad_at + 1);
	r->fields[i][r->lens[i]] = '\0';
	return true;
}

/* A name (table, column, type): unescaped, never NULL, never empty. */
static bool
name_field(struct reader *r, size_t i, const char *what)
{
	if (is_null(r, i) || r->lens[i] == 0)
		return bad(r, "empty or NULL %s", what);
	return unescape_field(r, i, what);
}

/* A header starts a stream: no claim made before it holds after it. */
static bool
parse_header(struct reader *r)
{
	if (r->nfields != 2 || strcmp(r->fields[0], "#pgmesh") != 0)
		return bad(r, "not change text: the first line must be "
		    "\"#pgmesh<TAB>%d\"", CHANGETEXT_VERSION);
	if (strcmp(r->fields[1], "1") != 0)
		return bad(r, "change text version %s is not supported "
		    "(this pgmesh reads version %d)", r->fields[1],
		    CHANGETEXT_VERSION);
	if (r->sink->restart == NULL)
		return true;
	return sink_ok(r, r->sink->restart(r->sink->ctx));
}

static bool
parse_table(struct reader *r)
{
	struct column *cols;
	const char *err = NULL;
	int ncols;

	if (r->nfields < 2 || r->nfields % 2 != 0)
		return bad(r, "T record needs a table name and pairs of column "
		    "name and type (it has %zu fields)", r->nfields);
	if (!name_field(r, 1, "table name"))
		return false;
	ncols = (int)(r->nfields - 2) / 2;
	cols = xcalloc((size_t)ncols + 1, sizeof(*cols));
	for (int i = 0; i < ncols; i++) {
		if (!name_field(r, 2 + 2 * (size_t)i, "column name") ||
		    !name_field(r, 3 + 2 * (size_t)i, "column type")) {
			free(cols);
			return false;
		}
		cols[i].name = r->fields[2 + 2 * i];
		cols[i].type = r->fields[3 + 2 * i];
	}
	r->last = NULL;		/* the definition may have changed */
	if (catalog_define(r->cat, r->fields[1], ncols, cols, &err) == NULL)
		bad(r, "table %s: %s", r->fields[1], err);
	free(cols);
	return err == NULL;
}

/* Fields 1 and 2 of B, C and P: origin node and LSN. */
static bool
parse_identity(struct reader *r, struct txn *txn)
{
	if (!node_valid(r->fields[1], r->lens[1]))
		return bad(r, "bad origin node name \"%s\" "
		    "(want 1 to %d of a-z 0-9 _ -)", r->fields[1], NODE_MAX);
	memcpy(txn->origin, r->fields[1], r->lens[1] + 1);
	if (!lsn_parse(r->fields[2], r->lens[2], &txn->lsn))
		return bad(r, "bad LSN \"%s\" (want the form 0/16B3F08)",
		    r->fields[2]);
	return true;
}

static bool
parse_xid(struct reader *r, const char *s, uint32_t *xid)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > UINT32_MAX)
		return bad(r, "bad xid \"%s\"", s);
	*xid = (uint32_t)v;
	return true;
}

static bool
parse_begin(struct reader *r)
{
	char lsn[LSN_BUFSIZE];

	if (r->open)
		return bad(r, "B record inside the open transaction of origin "
		    "%s, LSN %s (its C record is missing)", r->txn.origin,
		    lsn_format(r->txn.lsn, lsn));
	if (r->in_snapshot)
		return bad(r, "B record inside the snapshot of %s (its E record "
		    "is missing)", r->snap.source);
	if (r->nfields != 5)
		return bad(r, "B record needs 5 fields, it has %zu", r->nfields);
	if (!parse_identity(r, &r->txn))
		return false;
	if (!timestamp_parse(r->fields[3], r->lens[3], &r->txn.commit_time))
		return bad(r, "bad commit time \"%s\" (want the form "
		    "2026-11-21 13:16:41.123456+00)", r->fields[3]);
	if (!parse_xid(r, r->fields[4], &r->txn.xid))
		return false;
	r->open = true;
	return sink_ok(r, r->sink->begin(r->sink->ctx, &r->txn));
}

/* The table an I record names: rows come in runs of one table, so the
 * previous one is tried before the catalog's hash table. */
static const struct table *
current_table(struct reader *r, const char *name, size_t len)
{
	if (r->last == NULL || r->last_len != len ||
	    memcmp(r->last->name, name, len) != 0) {
		r->last = catalog_lookup(r->cat, name, len);
		r->last_len = len;
	}
	return r->last;
}

static bool
parse_row(struct reader *r)
{
	const struct table *t;
	size_t ncols;

	if (!r->open && !r->in_snapshot)
		return bad(r, "I record outside a transaction or snapshot (no B "
		    "or S before it)");
	if (r->nfields < 2 || !name_field(r, 1, "table name"))
		return r->nfields < 2 ? bad(r, "I record without a table") : false;
	t = current_table(r, r->fields[1], r->lens[1]);
	if (t == NULL)
		return bad(r, "table %s has no T record before its rows",
		    r->fields[1]);
	ncols = (size_t)t->ncols;
	if (r->nfields - 2 != ncols)
		return bad(r, "I record for %s has %zu values, its T record "
		    "declares %zu columns", t->name, r->nfields - 2, ncols);
	if (ncols > r->nvals) {
		r->nvals = ncols;
		r->vals = xreallocarray(r->vals, ncols, sizeof(*r->vals));
	}
	for (size_t i = 0; i < ncols; i++) {
		size_t f = i + 2;

		if (is_null(r, f)) {
			r->vals[i] = (struct value){ NULL, 0 };
			continue;
		}
		if (!unescape_field(r, f, t->cols[i].name))
			return false;
		r->vals[i] = (struct value){ r->fields[f], r->lens[f] };
	}
	r->snapshot_rows += r->in_snapshot;
	return sink_ok(r, r->sink->row(r->sink->ctx, t, r->vals));
}

static bool
parse_commit(struct reader *r)
{
	struct txn c;
	char lsn[LSN_BUFSIZE];

	if (!r->open)
		return bad(r, "C record without a B record before it");
	if (r->nfields != 3)
		return bad(r, "C record needs 3 fields, it has %zu", r->nfields);
	if (!parse_identity(r, &c))
		return false;
	if (strcmp(c.origin, r->txn.origin) != 0 || c.lsn != r->txn.lsn)
		return bad(r, "C record (%s, %s) does not match its B record "
		    "(%s, %s)", c.origin, r->fields[2], r->txn.origin,
		    lsn_format(r->txn.lsn, lsn));
	if (!sink_ok(r, r->sink->commit(r->sink->ctx, &r->txn)))
		return false;
	r->open = false;
	return true;
}

/* A continuity claim (P), between transactions only. */
static bool
parse_since(struct reader *r)
{
	struct txn p;
	char lsn[LSN_BUFSIZE];

	if (r->open)
		return bad(r, "P record inside the open transaction of origin "
		    "%s, LSN %s (its C record is missing)", r->txn.origin,
		    lsn_format(r->txn.lsn, lsn));
	if (r->in_snapshot)
		return bad(r, "P record inside the snapshot of %s",
		    r->snap.source);
	if (r->nfields != 3)
		return bad(r, "P record needs 3 fields, it has %zu", r->nfields);
	if (!parse_identity(r, &p))
		return false;
	if (r->sink->since == NULL)
		return true;
	return sink_ok(r, r->sink->since(r->sink->ctx, p.origin, p.lsn));
}

/* S: a snapshot begins, between transactions only. */
static bool
parse_snapshot_begin(struct reader *r)
{
	if (r->open || r->in_snapshot)
		return bad(r, "S record inside a transaction or snapshot");
	if (r->nfields != 3)
		return bad(r, "S record needs 3 fields, it has %zu", r->nfields);
	if (!node_valid(r->fields[1], r->lens[1]))
		return bad(r, "bad source node name \"%s\" "
		    "(want 1 to %d of a-z 0-9 _ -)", r->fields[1], NODE_MAX);
	memcpy(r->snap.source, r->fields[1], r->lens[1] + 1);
	if (!timestamp_parse(r->fields[2], r->lens[2], &r->snap.taken))
		return bad(r, "bad snapshot time \"%s\" (want the form "
		    "2026-11-21 13:16:41.123456+00)", r->fields[2]);
	/* Taking a snapshot's rows for a transaction's would apply them
	 * under no origin's progress: only a sink made for it takes one. */
	if (r->sink->snapshot_begin == NULL)
		return bad(r, "a snapshot (S record, from node %s) where none "
		    "is taken (pgmesh-apply takes one with --snapshot-from)",
		    r->snap.source);
	r->in_snapshot = true;
	r->snapshot_rows = 0;
	return sink_ok(r, r->sink->snapshot_begin(r->sink->ctx, &r->snap));
}

/* W: a watermark, inside a snapshot. */
static bool
parse_watermark(struct reader *r)
{
	struct txn w;

	if (!r->in_snapshot)
		return bad(r, "W record outside a snapshot (no S before it)");
	if (r->nfields != 3)
		return bad(r, "W record needs 3 fields, it has %zu", r->nfields);
	if (!parse_identity(r, &w))
		return false;
	return sink_ok(r, r->sink->watermark(r->sink->ctx, w.origin, w.lsn));
}

/* E: the snapshot is whole, if it holds the rows it says. */
static bool
parse_snapshot_end(struct reader *r)
{
	uint64_t rows;
	char *end;

	if (!r->in_snapshot)
		return bad(r, "E record without an S record before it");
	if (r->nfields != 3)
		return bad(r, "E record needs 3 fields, it has %zu", r->nfields);
	if (strcmp(r->fields[1], r->snap.source) != 0)
		return bad(r, "E record (%s) does not match its S record (%s)",
		    r->fields[1], r->snap.source);
	errno = 0;
	rows = strtoull(r->fields[2], &end, 10);
	if (*r->fields[2] < '0' || *r->fields[2] > '9' || *end != '\0' ||
	    errno != 0)
		return bad(r, "bad row count \"%s\" in E record", r->fields[2]);
	if (rows != r->snapshot_rows)
		return bad(r, "the snapshot of %s says it has %" PRIu64 " rows, "
		    "it has %" PRIu64, r->snap.source, rows, r->snapshot_rows);
	if (!sink_ok(r, r->sink->snapshot_end(r->sink->ctx, &r->snap, rows)))
		return false;
	r->in_snapshot = false;
	return true;
}

static bool
parse_comment(struct reader *r)
{
	/* A header again: streams were concatenated ("cat a b"). */
	if (strcmp(r->fields[0], "#pgmesh") == 0) {
		if (r->open || r->in_snapshot)
			return bad(r, "header inside a transaction or snapshot");
		return parse_header(r);
	}
	return true;
}

static bool
parse_record(struct reader *r, char *line, size_t len)
{
	if (len == 0)
		return bad(r, "empty line");
	split_fields(r, line, len);
	if (r->lineno == 1)
		return parse_header(r);
	if (line[0] == '#')
		return parse_comment(r);
	if (r->lens[0] != 1)
		return bad(r, "unknown record type \"%s\"", r->fields[0]);
	switch (line[0]) {
	case 'T': return parse_table(r);
	case 'B': return parse_begin(r);
	case 'I': return parse_row(r);
	case 'C': return parse_commit(r);
	case 'P': return parse_since(r);
	case 'S': return parse_snapshot_begin(r);
	case 'W': return parse_watermark(r);
	case 'E': return parse_snapshot_end(r);
	default: return bad(r, "unknown record type \"%s\"", r->fields[0]);
	}
}

static void
reader_free(struct reader *r)
{
	free(r->fields);
	free(r->lens);
	free(r->vals);
}

/* After a failure: drop the open transaction, say which kind of failure. */
static enum read_result
stop(struct reader *r, enum read_result result)
{
	if (r->open || r->in_snapshot)
		r->sink->abort(r->sink->ctx);
	reader_free(r);
	return result;
}

enum read_result
textread_run(struct input *in, struct catalog *cat,
    const struct change_sink *sink)
{
	struct reader r = { .in = in, .cat = cat, .sink = sink };
	char *line, lsn[LSN_BUFSIZE];
	size_t len;
	bool whole;
	int got;

	for (;;) {
		/* Idle only between transactions, as change.h promises. */
		if (sink->idle && !r.open && !r.in_snapshot &&
		    !input_has_line(in) &&
		    !input_ready(in, 0) && !sink->idle(sink->ctx))
			return stop(&r, READ_SINK_FAILED);
		got = input_line(in, &line, &len, &whole);
		if (got <= 0)
			break;
		r.lineno++;
		r.sink_failed = false;
		if (!whole) {
			bad(&r, "last line has no newline (input cut short?)");
			return stop(&r, READ_INCOMPLETE);
		}
		if (!parse_record(&r, line, len))
			return stop(&r, r.sink_failed ? READ_SINK_FAILED : READ_BAD_DATA);
	}
	if (got < 0)
		return stop(&r, in->too_long ? READ_BAD_DATA : READ_IO_ERROR);
	if (r.open) {
		log_warn("%s: transaction of origin %s, LSN %s has no C record at "
		    "end of input; dropped", in->name, r.txn.origin,
		    lsn_format(r.txn.lsn, lsn));
		return stop(&r, READ_INCOMPLETE);
	}
	if (r.in_snapshot) {
		log_warn("%s: the snapshot of %s has no E record at end of "
		    "input; dropped", in->name, r.snap.source);
		return stop(&r, READ_INCOMPLETE);
	}
	reader_free(&r);
	return READ_OK;
}
