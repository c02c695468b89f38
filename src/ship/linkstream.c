/*
 * linkstream.c: queued frames written back to back to a non-blocking
 * descriptor.  A frame may take several writes: l->woff remembers how far
 * the head frame got, and the resume test only ever skips a frame that
 * was not begun, so the stream never holds part of a frame and then
 * another.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "linkstream.h"
#include "common/log.h"

void
linkstream_pump(struct link *l)
{
	struct frame *f;

	while (l->state == LINK_SEND && (f = framequeue_peek(&l->q)) != NULL) {
		ssize_t n;

		if (l->woff == 0 && link_skips(l, f->m.origin, f->m.last_lsn)) {
			frame_release(framequeue_pop(&l->q));
			continue;
		}
		n = write(l->fd, f->raw.data + l->woff, f->raw.len - l->woff);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			link_fail(l, LINK_LOST, "write: %s", strerror(errno));
			return;
		}
		l->woff += (size_t)n;
		l->bytes += (size_t)n;
		if (l->woff == f->raw.len) {
			l->woff = 0;
			l->frames++;
			frame_release(framequeue_pop(&l->q));
		}
	}
}
