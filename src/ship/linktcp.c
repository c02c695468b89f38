/*
 * linktcp.c: a tcp destination: the raw pack stream, written by linkstream.c
 * as for ssh, with no protocol around it.  Nothing comes back, so there are
 * no heads to resume from and nothing is ever acknowledged.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "linkstream.h"
#include "linktcp.h"
#include "transport.h"
#include "common/log.h"

static void
tcp_start(struct link *l, const struct ssh_settings *ssh)
{
	int timeout_ms = ssh->connect_timeout * 1000;

	/* The connect is the one round trip a raw stream has. */
	if (!transport_connect(l->d->host, l->d->port, timeout_ms, &l->fd)) {
		l->fd = -1;
		link_fail(l, LINK_UNREACHABLE, "cannot connect");
		return;
	}
	l->t_ready = link_now();
	l->rtt_usec = l->t_ready - l->t_start;
	l->state = LINK_SEND;
}

static void
tcp_close(struct link *l)
{
	shutdown(l->fd, SHUT_WR);
	close(l->fd);
	l->fd = -1;
	link_done(l);
}

const struct link_ops link_tcp_ops = {
	.start = tcp_start,
	.pump = linkstream_pump,
	.close = tcp_close,
};
