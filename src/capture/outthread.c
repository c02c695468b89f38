/*
 * outthread.c: a queue of buffers between a producer and a writer thread.
 * Buffers travel by value (struct buf is a pointer and two sizes), and
 * written ones come back to the producer as spares, so a long drain
 * reuses the same few megabytes instead of allocating at every put.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "outthread.h"
#include "common/log.h"
#include "common/xalloc.h"

/* Queue slots: enough for OUTTHREAD_BYTES in the emitter's 1 MiB pieces. */
#define SLOTS 64

struct outthread {
	int fd;
	char *what;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct buf queue[SLOTS];	/* ring: head, then count buffers */
	size_t head, count;
	size_t queued;			/* bytes in the queue */
	struct buf spare[SLOTS];	/* written, for the producer to reuse */
	size_t nspare;
	bool closing;			/* no more puts: write out and stop */
	bool failed;
};

/* Take the next buffer to write; false when closing and nothing is left. */
static bool
next_buffer(struct outthread *o, struct buf *b)
{
	pthread_mutex_lock(&o->lock);
	while (o->count == 0 && !o->closing)
		pthread_cond_wait(&o->changed, &o->lock);
	if (o->count == 0) {
		pthread_mutex_unlock(&o->lock);
		return false;
	}
	*b = o->queue[o->head];
	o->head = (o->head + 1) % SLOTS;
	o->count--;
	pthread_mutex_unlock(&o->lock);
	return true;
}

/* b was written (or not, ok false): count it out and keep its memory. */
static void
buffer_done(struct outthread *o, struct buf *b, bool ok)
{
	pthread_mutex_lock(&o->lock);
	o->queued -= b->len;
	if (!ok)
		o->failed = true;
	buf_reset(b);
	if (o->nspare < SLOTS)
		o->spare[o->nspare++] = *b;
	else
		buf_free(b);
	pthread_cond_broadcast(&o->changed);
	pthread_mutex_unlock(&o->lock);
}

static void *
writer(void *arg)
{
	struct outthread *o = arg;
	struct buf b;
	bool ok = true;

	while (next_buffer(o, &b)) {
		/* After a failure the rest is only counted out. */
		ok = ok && write_all(o->fd, b.data, b.len, o->what);
		buffer_done(o, &b, ok);
	}
	return NULL;
}

struct outthread *
outthread_start(int fd, const char *what)
{
	struct outthread *o = xcalloc(1, sizeof(*o));
	sigset_t block, old;
	int err;

	o->fd = fd;
	o->what = xstrdup(what);
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->changed, NULL);
	/* SIGINT and SIGTERM stay with the thread that waits on the server,
	 * whose wait they must interrupt. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = pthread_create(&o->thread, NULL, writer, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		log_error("cannot start a writer thread: %s", strerror(err));
		free(o->what);
		free(o);
		return NULL;
	}
	return o;
}

bool
outthread_put(struct outthread *o, struct buf *b)
{
	bool ok;

	if (b->len == 0)
		return true;
	pthread_mutex_lock(&o->lock);
	while ((o->queued >= OUTTHREAD_BYTES || o->count == SLOTS) &&
	    !o->failed)
		pthread_cond_wait(&o->changed, &o->lock);
	ok = !o->failed;
	if (ok) {
		o->queue[(o->head + o->count) % SLOTS] = *b;
		o->count++;
		o->queued += b->len;
		if (o->nspare > 0)
			*b = o->spare[--o->nspare];
		else
			buf_init(b);
		pthread_cond_broadcast(&o->changed);
	}
	pthread_mutex_unlock(&o->lock);
	return ok;
}

bool
outthread_finish(struct outthread *o)
{
	bool ok;

	pthread_mutex_lock(&o->lock);
	o->closing = true;
	pthread_cond_broadcast(&o->changed);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	ok = !o->failed;
	while (o->nspare > 0)
		buf_free(&o->spare[--o->nspare]);
	pthread_cond_destroy(&o->changed);
	pthread_mutex_destroy(&o->lock);
	free(o->what);
	free(o);
	return ok;
}
