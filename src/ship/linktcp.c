/*
 * linktcp.c: a tcp destination: the raw pack stream, written by link.c as
 * for ssh, with no protocol around it.  Nothing comes back, so there are
 * no heads to resume from and nothing is ever acknowledged.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "link_int.h"
#include "common/log.h"

void
link_tcp_start(struct link *l, int timeout)
{
	/* The connect is the one round trip a raw stream has. */
	if (!transport_connect(l->d->host, l->d->port, timeout * 1000, &l->fd)) {
		l->fd = -1;
		link_fail(l, EX_TEMPFAIL, "cannot connect");
		return;
	}
	l->t_ready = link_now();
	l->rtt_usec = l->t_ready - l->t_start;
	l->state = LINK_SEND;
}

void
link_tcp_close(struct link *l)
{
	shutdown(l->fd, SHUT_WR);
	close(l->fd);
	l->fd = -1;
}
