/*
 * rejects.c: rejected transactions, written back as change text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rejects.h"
#include "common/log.h"
#include "common/privfile.h"
#include "common/textwrite.h"
#include "common/xalloc.h"

struct rejects {
	int fd;
	char *path;
	struct buf out;
	struct textwriter w;
	bool pending;		/* out holds a transaction not yet written */
	struct applylog_vals row;
};

/*
 * Appended to, never replaced nor removed, whatever happens to the run:
 * a transaction written here (and fsynced, see rejects_sync) is recorded
 * nowhere else once its origin's progress moves past it, and earlier
 * runs' rejects are in the same file.
 */
struct rejects *
rejects_open(const char *path)
{
	struct rejects *r;
	int fd = privfile_open(path, O_APPEND);

	if (fd < 0)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->path = xstrdup(path);
	buf_init(&r->out);
	applylog_vals_init(&r->row);
	/* The header starts every run's part: it may repeat in a stream. */
	textwriter_init(&r->w, &r->out);
	return r;
}

void
rejects_close(struct rejects *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	textwriter_free(&r->w);
	buf_free(&r->out);
	applylog_vals_free(&r->row);
	free(r->path);
	free(r);
}

bool
rejects_add(struct rejects *r, struct applylog *l,
    const struct applylog_txn *lt)
{
	size_t mark = r->out.len;
	int got = 0;

	textwriter_begin(&r->w, &lt->txn);
	for (size_t i = lt->first_seg; i < lt->first_seg + lt->nsegs; i++) {
		const struct applylog_seg *s = &l->segs[i];
		uint64_t pos = s->start;

		while ((got = applylog_next_row(l, s, &pos, &r->row)) > 0)
			textwriter_row(&r->w, s->table, r->row.vals);
		if (got < 0) {
			/* Never part of a transaction in the file. */
			textwriter_truncate(&r->w, mark);
			return false;
		}
	}
	textwriter_commit(&r->w, &lt->txn);
	r->pending = true;
	return true;
}

bool
rejects_sync(struct rejects *r)
{
	if (!r->pending)
		return true;
	r->pending = false;
	if (!textwriter_flush(&r->w, r->fd, r->path))
		return false;
	if (fsync(r->fd) != 0) {
		log_error("fsync %s: %s", r->path, strerror(errno));
		return false;
	}
	return true;
}
