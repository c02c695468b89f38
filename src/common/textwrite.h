/*
 * textwrite.h: change text out (the format is man/pgmesh-format.5).
 *
 * The writer appends to a buf its owner flushes when it likes (capture at
 * each commit, pack -d after each verified frame), so a consumer downstream
 * never sees part of a record.  T records are written just before the first
 * row that needs them, and again only when the definition changes: the one
 * canonical placement, which is what makes pack's round trip exact.
 */
#ifndef PGMESH_TEXTWRITE_H
#define PGMESH_TEXTWRITE_H

#include "buf.h"
#include "change.h"

#define CHANGETEXT_VERSION 1
#define CHANGETEXT_HEADER "#pgmesh\t1\n"

struct textwriter {
	struct buf *out;
	unsigned *written;	/* by name_id: def_id + 1 of the last T written */
	unsigned nwritten;
	size_t txn_start;	/* out->len at begin, for abort; SIZE_MAX once flushed */
	/* "I\t" and the escaped name of the table of the last row: rows
	 * come in runs of one table, and escaping its name every time was a
	 * fifth of writing them. */
	const struct table *prefix_of;
	struct buf row_prefix;
	/* Origins with a P record since the last header. */
	char (*claimed)[NODE_MAX + 1];
	size_t nclaimed;
};

/* Start writing into out, header first. */
void textwriter_init(struct textwriter *w, struct buf *out);
void textwriter_free(struct textwriter *w);

void textwriter_begin(struct textwriter *w, const struct txn *txn);
void textwriter_row(struct textwriter *w, const struct table *t,
    const struct value *vals);
void textwriter_commit(struct textwriter *w, const struct txn *txn);
/* A continuity claim (P record), between transactions. */
void textwriter_since(struct textwriter *w, const char *origin, lsn_t lsn);
/* A snapshot: S, its watermarks (W), its rows, E with their count. */
void textwriter_snapshot_begin(struct textwriter *w, const struct snapshot *s);
void textwriter_watermark(struct textwriter *w, const char *origin,
    lsn_t lsn);
void textwriter_snapshot_end(struct textwriter *w, const struct snapshot *s,
    uint64_t rows);
/*
 * A row given as one line of values in change text's escaping, separated
 * by tabs, without its newline: what COPY TO writes, once only the four
 * escapes of change text are left in it.
 */
void textwriter_row_text(struct textwriter *w, const struct table *t,
    const char *line, size_t len);

/*
 * Cut out->len back to mark (output the owner decided not to flush) and
 * forget which T records were written, since some may have been cut.
 */
void textwriter_truncate(struct textwriter *w, size_t mark);

/*
 * Write out everything buffered and empty the buf.  What was flushed of an
 * open transaction can no longer be taken back by abort.
 */
bool textwriter_flush(struct textwriter *w, int fd, const char *what);

/* The writer as a sink: abort cuts the open transaction if still buffered. */
struct change_sink textwriter_sink(struct textwriter *w);

#endif
