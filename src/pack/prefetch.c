/*
 * prefetch.c: frames fetched ahead by a pipeline of two threads.
 *
 * Each frame goes through three steps, each done by its own thread: the
 * unpacker reads it and checks its bytes, the checker checks its records,
 * the caller feeds it to its sink.  Frames wait in a ring of slots, frame
 * i in slot i % SLOTS; done[] counts the frames through each step, and a
 * slot belongs to exactly one thread at a time, the one whose step it is
 * at, so only the counters need the lock.  Three slots keep all three
 * steps busy.
 *
 * Without threads the same steps run one after the other in the caller's
 * thread, on slot 0: for a reader that wants each frame through as soon as
 * it arrives, since every handover between threads is a wakeup on the
 * way (tens of microseconds each here).
 *
 * The unpacker runs with cancellation disabled except inside frame_read,
 * where it blocks on the input: prefetch_stop cancels it there (a caller
 * that stops early must not wait for input nobody will send), and wakes
 * both threads with the stop flag everywhere else.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "prefetch.h"
#include "common/log.h"
#include "common/xalloc.h"

#define SLOTS 3

enum step { UNPACK, CHECK, TAKE, STEPS };

struct prefetch {
	struct input *in;		/* the unpacker's */
	ZSTD_DCtx *dctx;		/* the unpacker's */
	const struct signers *signers;	/* read only: shared */
	struct catalog *cat;		/* the checker's */
	struct packdata_split *split;	/* the checker's: what the last
					 * frame left open */
	bool threads;			/* false: every step in the caller's */
	pthread_t unpacker, checker;
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* any field below changed */
	struct prefetched slots[SLOTS];
	uint64_t done[STEPS];		/* TAKE: frames given to the caller */
	uint64_t released;		/* frames the caller is done with */
	bool starved;			/* the unpacker waits for input */
	bool unpacker_done;		/* it finished its last frame */
	bool stop;
};

static bool
last_frame(const struct prefetched *s)
{
	return s->result != READ_OK || !s->got;
}

/* Is step's next frame through the step before (and, to unpack one, is a
 * slot free)? */
static bool
can_start(const struct prefetch *p, enum step step)
{
	if (step == UNPACK)
		return p->done[UNPACK] - p->released < SLOTS;
	return p->done[step] < p->done[step - 1];
}

/* The slot of step's next frame, once it can start; NULL when told to stop. */
static struct prefetched *
wait_to_start(struct prefetch *p, enum step step)
{
	struct prefetched *s = NULL;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && !can_start(p, step))
		pthread_cond_wait(&p->changed, &p->lock);
	if (!p->stop)
		s = &p->slots[p->done[step] % SLOTS];
	pthread_mutex_unlock(&p->lock);
	return s;
}

static void
finish(struct prefetch *p, enum step step, bool last)
{
	pthread_mutex_lock(&p->lock);
	p->done[step]++;
	if (step == UNPACK) {
		p->starved = false;
		p->unpacker_done = last;
	}
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

static void
set_starved(struct prefetch *p)
{
	pthread_mutex_lock(&p->lock);
	p->starved = true;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

static void
unpack(struct prefetch *p, struct prefetched *s)
{
	struct input *in = p->in;
	size_t len;
	int was;

	manifest_free(&s->m);
	if (p->threads && input_buffered(in) == 0 && !input_ready(in, 0))
		set_starved(p);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &was);
	s->result = frame_read(in, &s->m, &s->offset, &len, &s->got, &s->err);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &was);
	if (last_frame(s))
		return;
	if (!frame_unpack(p->dctx, &s->m, (const unsigned char *)in->buf +
	    in->start, len, p->signers, &s->content, in->name, s->offset,
	    &s->err))
		s->result = READ_BAD_DATA;
	input_skip(in, len);
}

static void
check(struct prefetch *p, struct prefetched *s)
{
	char why[600];

	if (packdata_check(s->content.data, s->content.len, &s->m, p->cat,
	    p->split, &s->f, why, sizeof(why)) == READ_OK)
		return;
	frame_error_set(&s->err, p->in->name, s->offset, "%s", why);
	s->result = READ_BAD_DATA;
}

static void *
run_unpacker(void *arg)
{
	struct prefetch *p = arg;
	struct prefetched *s;
	int was;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &was);
	while ((s = wait_to_start(p, UNPACK)) != NULL) {
		bool last;

		unpack(p, s);
		/* Once finished, the slot is the checker's: not to be read. */
		last = last_frame(s);
		finish(p, UNPACK, last);
		if (last)
			break;
	}
	return NULL;
}

static void *
run_checker(void *arg)
{
	struct prefetch *p = arg;
	struct prefetched *s;

	while ((s = wait_to_start(p, CHECK)) != NULL) {
		bool last;

		if (!last_frame(s))
			check(p, s);
		/* Once finished, the slot may be the caller's, then the
		 * unpacker's again, rewriting what last_frame reads. */
		last = last_frame(s);
		finish(p, CHECK, last);
		if (last)
			break;
	}
	return NULL;
}

static void
free_prefetch(struct prefetch *p)
{
	for (size_t i = 0; i < SLOTS; i++) {
		manifest_free(&p->slots[i].m);
		buf_free(&p->slots[i].content);
		packdata_frame_free(&p->slots[i].f);
	}
	pthread_cond_destroy(&p->changed);
	pthread_mutex_destroy(&p->lock);
	ZSTD_freeDCtx(p->dctx);
	free(p);
}

/* Tell the threads to stop, wherever they are, and wait for them. */
static void
stop_threads(struct prefetch *p, bool checker_started)
{
	bool unpacker_done;

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	unpacker_done = p->unpacker_done;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	if (!unpacker_done)
		pthread_cancel(p->unpacker);
	pthread_join(p->unpacker, NULL);
	if (checker_started)
		pthread_join(p->checker, NULL);
}

static bool
start_threads(struct prefetch *p)
{
	int err;

	if ((err = pthread_create(&p->unpacker, NULL, run_unpacker, p)) != 0) {
		log_error("cannot start a thread: %s", strerror(err));
		return false;
	}
	if ((err = pthread_create(&p->checker, NULL, run_checker, p)) != 0) {
		log_error("cannot start a thread: %s", strerror(err));
		stop_threads(p, false);
		return false;
	}
	return true;
}

struct prefetch *
prefetch_start(struct input *in, struct catalog *cat,
    struct packdata_split *split, const struct signers *signers,
    bool threads)
{
	struct prefetch *p = xcalloc(1, sizeof(*p));

	p->in = in;
	p->signers = signers;
	p->cat = cat;
	p->split = split;
	p->threads = threads;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	if ((p->dctx = frame_dctx_new()) == NULL) {
		free_prefetch(p);
		return NULL;
	}
	if (threads && !start_threads(p)) {
		free_prefetch(p);
		return NULL;
	}
	return p;
}

/* Without threads: both steps here, on one slot. */
static struct prefetched *
next_inline(struct prefetch *p, bool wait)
{
	struct prefetched *s = &p->slots[0];

	if (!wait && input_buffered(p->in) == 0 && !input_ready(p->in, 0))
		return NULL;
	unpack(p, s);
	if (!last_frame(s))
		check(p, s);
	return s;
}

struct prefetched *
prefetch_next(struct prefetch *p, bool wait)
{
	struct prefetched *s = NULL;

	if (!p->threads)
		return next_inline(p, wait);
	pthread_mutex_lock(&p->lock);
	if (p->released != p->done[TAKE]) {
		p->released = p->done[TAKE];
		pthread_cond_broadcast(&p->changed);
	}
	/* Idle: nothing checked to take, nothing being checked, and the
	 * unpacker waiting for input. */
	while (!can_start(p, TAKE) && (wait || !p->starved ||
	    p->done[CHECK] < p->done[UNPACK]))
		pthread_cond_wait(&p->changed, &p->lock);
	if (can_start(p, TAKE))
		s = &p->slots[p->done[TAKE]++ % SLOTS];
	pthread_mutex_unlock(&p->lock);
	return s;
}

void
prefetch_stop(struct prefetch *p)
{
	if (p->threads)
		stop_threads(p, true);
	free_prefetch(p);
}
