/*
 * framequeue.c: shared frames and the queue of a destination.
 */
#include <stdlib.h>
#include <string.h>

#include "framequeue.h"
#include "common/xalloc.h"

struct frame *
frame_new(void)
{
	struct frame *f = xcalloc(1, sizeof(*f));

	f->refs = 1;
	buf_init(&f->raw);
	return f;
}

void
frame_release(struct frame *f)
{
	if (f == NULL || --f->refs > 0)
		return;
	manifest_free(&f->m);
	buf_free(&f->raw);
	free(f);
}

void
framequeue_push(struct framequeue *q, struct frame *f)
{
	/* Slide the waiting frames down before growing: a queue drained
	 * as fast as it fills then never grows at all. */
	if (q->head + q->len == q->cap) {
		if (q->head > 0) {
			memmove(q->v, q->v + q->head, q->len * sizeof(*q->v));
			q->head = 0;
		} else {
			q->cap = q->cap ? 2 * q->cap : 16;
			q->v = xreallocarray(q->v, q->cap, sizeof(*q->v));
		}
	}
	f->refs++;
	q->v[q->head + q->len++] = f;
	q->bytes += f->raw.len;
}

struct frame *
framequeue_peek(const struct framequeue *q)
{
	return q->len > 0 ? q->v[q->head] : NULL;
}

struct frame *
framequeue_pop(struct framequeue *q)
{
	struct frame *f = q->v[q->head];

	q->head++;
	q->len--;
	q->bytes -= f->raw.len;
	return f;
}

void
framequeue_free(struct framequeue *q)
{
	while (q->len > 0)
		frame_release(framequeue_pop(q));
	free(q->v);
	memset(q, 0, sizeof(*q));
}
