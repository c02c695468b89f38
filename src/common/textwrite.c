#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "copytext.h"
#include "fmt.h"
#include "textwrite.h"
#include "timestamp.h"
#include "xalloc.h"

void
textwriter_init(struct textwriter *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	buf_puts(out, CHANGETEXT_HEADER);
}

void
textwriter_free(struct textwriter *w)
{
	free(w->written);
	w->written = NULL;
	w->nwritten = 0;
	free(w->claimed);
	w->claimed = NULL;
	w->nclaimed = 0;
	buf_free(&w->row_prefix);
	w->prefix_of = NULL;
}

void
textwriter_begin(struct textwriter *w, const struct txn *txn)
{
	char buf[LSN_BUFSIZE + TIMESTAMP_BUFSIZE], *p;

	w->txn_start = w->out->len;
	buf_puts(w->out, "B\t");
	buf_puts(w->out, txn->origin);
	buf_putc(w->out, '\t');
	buf_puts(w->out, lsn_format(txn->lsn, buf));
	buf_putc(w->out, '\t');
	buf_puts(w->out, timestamp_format(txn->commit_time, buf));
	p = fmt_decimal(buf, txn->xid);
	*p++ = '\n';
	buf_putc(w->out, '\t');
	buf_append(w->out, buf, (size_t)(p - buf));
}

void
textwriter_commit(struct textwriter *w, const struct txn *txn)
{
	char lsn[LSN_BUFSIZE];

	buf_puts(w->out, "C\t");
	buf_puts(w->out, txn->origin);
	buf_putc(w->out, '\t');
	buf_puts(w->out, lsn_format(txn->lsn, lsn));
	buf_putc(w->out, '\n');
}

/* Has a P record of origin been written since the last header? */
static bool
claimed(const struct textwriter *w, const char *origin)
{
	for (size_t i = 0; i < w->nclaimed; i++)
		if (strcmp(w->claimed[i], origin) == 0)
			return true;
	return false;
}

void
textwriter_since(struct textwriter *w, const char *origin, lsn_t lsn)
{
	char buf[LSN_BUFSIZE];

	/* Change text has no record that withdraws a claim: a header starts
	 * a new stream, in which no claim holds (never one too many, at the
	 * price of the other origins' claims; pgmesh-format(5)). */
	if (lsn == CLAIM_NONE) {
		if (claimed(w, origin)) {
			buf_puts(w->out, CHANGETEXT_HEADER);
			w->nclaimed = 0;
		}
		return;
	}
	if (!claimed(w, origin)) {
		w->claimed = xreallocarray(w->claimed, w->nclaimed + 1,
		    sizeof(*w->claimed));
		memcpy(w->claimed[w->nclaimed++], origin, strlen(origin) + 1);
	}
	buf_puts(w->out, "P\t");
	buf_puts(w->out, origin);
	buf_putc(w->out, '\t');
	buf_puts(w->out, lsn_format(lsn, buf));
	buf_putc(w->out, '\n');
}

static void
put_field(struct buf *out, const char *s)
{
	buf_putc(out, '\t');
	copytext_escape(out, s, strlen(s));
}

static void
write_definition(struct textwriter *w, const struct table *t)
{
	if (t->name_id >= w->nwritten) {
		unsigned n = t->name_id + 16;

		w->written = xreallocarray(w->written, n, sizeof(*w->written));
		memset(w->written + w->nwritten, 0,
		    (n - w->nwritten) * sizeof(*w->written));
		w->nwritten = n;
	}
	if (w->written[t->name_id] == t->def_id + 1)
		return;
	w->written[t->name_id] = t->def_id + 1;
	buf_putc(w->out, 'T');
	put_field(w->out, t->name);
	for (int i = 0; i < t->ncols; i++) {
		put_field(w->out, t->cols[i].name);
		put_field(w->out, t->cols[i].type);
	}
	buf_putc(w->out, '\n');
}

static const struct buf *
row_prefix(struct textwriter *w, const struct table *t)
{
	if (w->prefix_of != t) {
		buf_reset(&w->row_prefix);
		buf_puts(&w->row_prefix, "I\t");
		copytext_escape(&w->row_prefix, t->name, strlen(t->name));
		w->prefix_of = t;
	}
	return &w->row_prefix;
}

void
textwriter_row(struct textwriter *w, const struct table *t,
    const struct value *vals)
{
	const struct buf *prefix = row_prefix(w, t);

	write_definition(w, t);
	copytext_line(w->out, prefix->data, prefix->len, vals, t->ncols);
}

void
textwriter_row_text(struct textwriter *w, const struct table *t,
    const char *line, size_t len)
{
	const struct buf *prefix = row_prefix(w, t);

	write_definition(w, t);
	buf_append(w->out, prefix->data, prefix->len);
	buf_putc(w->out, '\t');
	buf_append(w->out, line, len);
	buf_putc(w->out, '\n');
}

void
textwriter_snapshot_begin(struct textwriter *w, const struct snapshot *s)
{
	char taken[TIMESTAMP_BUFSIZE];

	buf_puts(w->out, "S\t");
	buf_puts(w->out, s->source);
	buf_putc(w->out, '\t');
	buf_puts(w->out, timestamp_format(s->taken, taken));
	buf_putc(w->out, '\n');
}

void
textwriter_watermark(struct textwriter *w, const char *origin, lsn_t lsn)
{
	char at[LSN_BUFSIZE];

	buf_puts(w->out, "W\t");
	buf_puts(w->out, origin);
	buf_putc(w->out, '\t');
	buf_puts(w->out, lsn_format(lsn, at));
	buf_putc(w->out, '\n');
}

void
textwriter_snapshot_end(struct textwriter *w, const struct snapshot *s,
    uint64_t rows)
{
	char n[24], *end = fmt_decimal(n, rows);

	buf_puts(w->out, "E\t");
	buf_puts(w->out, s->source);
	buf_putc(w->out, '\t');
	buf_append(w->out, n, (size_t)(end - n));
	buf_putc(w->out, '\n');
}

void
textwriter_truncate(struct textwriter *w, size_t mark)
{
	if (w->out->len > mark)
		w->out->len = mark;
	if (w->written != NULL)
		memset(w->written, 0, w->nwritten * sizeof(*w->written));
}

bool
textwriter_flush(struct textwriter *w, int fd, const char *what)
{
	w->txn_start = SIZE_MAX;
	return buf_write_fd(w->out, fd, what);
}

static bool
sink_begin(void *ctx, const struct txn *txn)
{
	textwriter_begin(ctx, txn);
	return true;
}

static bool
sink_row(void *ctx, const struct table *t, const struct value *vals)
{
	textwriter_row(ctx, t, vals);
	return true;
}

static bool
sink_commit(void *ctx, const struct txn *txn)
{
	textwriter_commit(ctx, txn);
	return true;
}

static bool
sink_since(void *ctx, const char *origin, lsn_t lsn)
{
	textwriter_since(ctx, origin, lsn);
	return true;
}

static void
sink_abort(void *ctx)
{
	struct textwriter *w = ctx;

	/* If part of the transaction was flushed already, the reader
	 * downstream sees a B with no C: incomplete, and never applied. */
	if (w->txn_start != SIZE_MAX)
		textwriter_truncate(w, w->txn_start);
}

static bool
sink_snapshot_begin(void *ctx, const struct snapshot *snap)
{
	textwriter_snapshot_begin(ctx, snap);
	return true;
}

static bool
sink_watermark(void *ctx, const char *origin, lsn_t lsn)
{
	textwriter_watermark(ctx, origin, lsn);
	return true;
}

static bool
sink_snapshot_end(void *ctx, const struct snapshot *snap, uint64_t rows)
{
	textwriter_snapshot_end(ctx, snap, rows);
	return true;
}

struct change_sink
textwriter_sink(struct textwriter *w)
{
	return (struct change_sink){
		.ctx = w,
		.begin = sink_begin,
		.row = sink_row,
		.commit = sink_commit,
		.abort = sink_abort,
		.since = sink_since,
		.snapshot_begin = sink_snapshot_begin,
		.watermark = sink_watermark,
		.snapshot_end = sink_snapshot_end,
	};
}
