/*
 * link.c: one destination's side of a fan-out, as far as every kind of
 * destination shares it: routing, queueing, the report.  Its state is
 * linkstate.c's.
 *
 * What differs by kind is a struct link_ops of its own file: linkssh.c
 * (the resume protocol of shipproto.h), linktcp.c (a raw stream, no
 * acknowledgement) and linkspool.c (a local spool, stored into directly).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "link.h"
#include "linkspool.h"
#include "linkssh.h"
#include "linktcp.h"
#include "common/log.h"

void
link_init(struct link *l, const struct dest *d, const char *const *exclude,
    int nexclude)
{
	memset(l, 0, sizeof(*l));
	l->d = d;
	l->fd = -1;
	l->exclude = exclude;
	l->nexclude = nexclude;
	heads_init(&l->have);
	heads_init(&l->acked);
}

/* The one place that knows which kinds of destination there are. */
static const struct link_ops *
kind_ops(enum dest_kind kind)
{
	if (kind == DEST_SSH)
		return &link_ssh_ops;
	if (kind == DEST_TCP)
		return &link_tcp_ops;
	return &link_spool_ops;
}

void
link_start(struct link *l, const struct ssh_settings *ssh)
{
	l->ops = kind_ops(l->d->kind);
	l->t_start = link_now();
	l->ops->start(l, ssh);
}

void
link_free(struct link *l)
{
	framequeue_free(&l->q);
	heads_free(&l->have);
	heads_free(&l->acked);
	free(l->failure);
	if (l->fd >= 0)
		close(l->fd);
	if (l->ops != NULL && l->ops->free != NULL)
		l->ops->free(l);
}

bool
link_routes(const struct link *l, const char *origin)
{
	if (strcmp(origin, l->d->node) == 0)
		return false;
	for (int i = 0; i < l->nexclude; i++)
		if (strcmp(origin, l->exclude[i]) == 0)
			return false;
	return true;
}

void
link_enqueue(struct link *l, struct frame *f)
{
	framequeue_push(&l->q, f);
}

void
link_pump(struct link *l)
{
	l->ops->pump(l);
}

void
link_close(struct link *l)
{
	l->t_eof = link_now();
	l->ops->close(l);
}

/* The stream is watched for room only when there is something to write:
 * a writable socket would otherwise wake poll at once, every time. */
int
link_watch(struct link *l, struct pollfd p[LINK_POLLFDS])
{
	bool sending = l->state == LINK_SEND && l->q.len > 0;

	p[0] = (struct pollfd){ .fd = sending ? l->fd : -1, .events = POLLOUT };
	for (int i = 1; i < LINK_POLLFDS; i++)
		p[i] = (struct pollfd){ .fd = -1 };
	if (l->ops->watch != NULL)
		l->ops->watch(l, p + 1);
	return l->ops->deadline != NULL ? l->ops->deadline(l, link_now()) : -1;
}

void
link_ready(struct link *l, const struct pollfd p[LINK_POLLFDS])
{
	if (l->ops->ready != NULL)
		l->ops->ready(l, p + 1);
	if (p[0].revents != 0)
		l->ops->pump(l);
}

static double
mb_per_sec(uint64_t bytes, uint64_t usec)
{
	return usec > 0 ? (double)bytes / (double)usec : 0.0;
}

void
link_report(const struct link *l)
{
	char extra[128] = "", refused[48] = "";

	if (verbosity > 0) {
		uint64_t end = l->t_eof ? l->t_eof : l->t_end;
		uint64_t span = end > l->t_ready && l->t_ready ? end - l->t_ready : 0;

		snprintf(extra, sizeof(extra), ", %.1f MB/s, rtt %.2f ms",
		    mb_per_sec(l->bytes, span), (double)l->rtt_usec / 1000.0);
	}
	if (l->refused > 0)
		snprintf(refused, sizeof(refused), ", %llu refused",
		    (unsigned long long)l->refused);
	if (l->state == LINK_FAILED)
		log_error("%s: failed: %s (%llu frames sent before)", l->d->spec,
		    l->failure, (unsigned long long)l->frames);
	else
		log_notice("%s: %s, %llu frames (%llu bytes), %llu already "
		    "there%s%s", l->d->spec,
		    l->acks ? "ok" : "sent, unacknowledged",
		    (unsigned long long)l->frames,
		    (unsigned long long)l->bytes,
		    (unsigned long long)l->skipped, refused, extra);
}
