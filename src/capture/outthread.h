/*
 * outthread.h: output written by a thread of its own, so that its producer
 * goes on while a slow reader holds the file descriptor back.
 *
 * capture --drain has the server decode the slot in chunks (peek.c); while
 * the pipeline behind it applies one chunk, the server should already be
 * decoding the next, which needs a reader on the server's connection that
 * does not stop whenever standard output blocks.  Writes happen here, in
 * order; up to OUTTHREAD_BYTES wait in memory before the producer does.
 */
#ifndef PGMESH_OUTTHREAD_H
#define PGMESH_OUTTHREAD_H

#include <stdbool.h>

#include "common/buf.h"

#define OUTTHREAD_BYTES (32u << 20)

struct outthread;

/* Start writing to fd (what names it in messages); NULL after log_error. */
struct outthread *outthread_start(int fd, const char *what);
/*
 * Queue b's bytes, leaving b empty (it gets other memory), and wait while
 * more than OUTTHREAD_BYTES are queued.  False once a write has failed
 * (reported by the thread).
 */
bool outthread_put(struct outthread *o, struct buf *b);
/* Write out what is queued, stop the thread and free it; false on failure. */
bool outthread_finish(struct outthread *o);

#endif
