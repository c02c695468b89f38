/*
 * framequeue.h: frames shared by the destinations that send them, and the
 * queue of them each destination keeps.  A frame read once from the source
 * is queued by reference on every link that routes it, and freed by the
 * last one to let go of it.
 */
#ifndef PGMESH_FRAMEQUEUE_H
#define PGMESH_FRAMEQUEUE_H

#include <stddef.h>

#include "common/buf.h"
#include "pack/manifest.h"

struct frame {
	unsigned refs;
	struct manifest m;
	struct buf raw;		/* manifest and data frame, as read */
};

/* A frame with one reference, the caller's. */
struct frame *frame_new(void);
void frame_release(struct frame *f);

/* First in, first out; all zeros is an empty queue. */
struct framequeue {
	struct frame **v;	/* waiting: v[head..head+len) */
	size_t head, len, cap;
	size_t bytes;		/* the raw frames waiting, together */
};

/* Queue f, taking a reference of the queue's own. */
void framequeue_push(struct framequeue *q, struct frame *f);
/* The frame at the head, still queued; NULL when the queue is empty. */
struct frame *framequeue_peek(const struct framequeue *q);
/* Take the frame at the head (there must be one): the caller releases it. */
struct frame *framequeue_pop(struct framequeue *q);
/* Release every frame still waiting. */
void framequeue_free(struct framequeue *q);

#endif
