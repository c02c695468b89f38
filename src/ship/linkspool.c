/*
 * linkspool.c: a local spool as a destination, stored into right here
 * instead of through a receiver.  It does what a receiver would: read the
 * spool's heads first, check each frame's digest before storing it
 * (receive.h), and sync the spool before its heads count as acknowledged.
 */
#include "linkspool.h"
#include "receive.h"
#include "common/log.h"
#include "pack/packread.h"
#include "spool/chain.h"
#include "spool/spool.h"

static void
spool_start(struct link *l, const struct ssh_settings *ssh)
{
	(void)ssh;		/* nothing to reach: it is here */
	if (!receive_make_spool(l->d->path))
		link_fail(l, LINK_CANT_CREATE, "cannot create the spool");
	else if (!chain_heads(l->d->path, &l->have))
		link_fail(l, LINK_IO, "cannot read the spool");
	else {
		l->acks = true;
		l->t_ready = link_now();
		l->state = LINK_SEND;
	}
}

/* What a receiver does with a frame: check its digest, then store it. */
static void
store_frame(struct link *l, const struct frame *f)
{
	if (pack_check_bytes(&f->m, &f->raw, NULL, l->d->spec, l->bytes) != READ_OK)
		link_fail(l, LINK_BAD_FRAME, "a bad frame of origin %s", f->m.origin);
	else if (spool_store(l->d->path, &f->m, &f->raw) != SPOOL_STORED)
		link_fail(l, LINK_IO, "cannot store a frame");
	else {
		l->frames++;
		l->bytes += f->raw.len;
	}
}

/* Store every queued frame: a local spool never makes us wait. */
static void
spool_pump(struct link *l)
{
	while (l->state == LINK_SEND && l->q.len > 0) {
		struct frame *f = framequeue_pop(&l->q);

		if (!link_skips(l, f->m.origin, f->m.last_lsn))
			store_frame(l, f);
		frame_release(f);
	}
}

/* Sync the spool before its heads count as acknowledged. */
static void
spool_close(struct link *l)
{
	if (spool_sync(l->d->path) && chain_heads(l->d->path, &l->acked))
		link_done(l);
	else
		link_fail(l, LINK_IO, "cannot read the spool back");
}

const struct link_ops link_spool_ops = {
	.start = spool_start,
	.pump = spool_pump,
	.close = spool_close,
};
