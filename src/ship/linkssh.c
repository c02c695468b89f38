/*
 * linkssh.c: an ssh destination, spoken to with the resume protocol of
 * shipproto.h.
 *
 * Read the receiver's heads, stream every queued frame above them back to
 * back (linkstream.c writes them, as for tcp), close, and count the
 * destination as having everything only once the receiver said "done" and
 * ssh exited 0.  Whatever ssh or the receiver writes on stderr is kept:
 * its last line says why they gave up.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linkssh.h"
#include "linkstream.h"
#include "shipproto.h"
#include "transport.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xalloc.h"

/* What an ssh link keeps besides what every link has (l->kind_state). */
struct ssh_side {
	struct child ssh;	/* its stdin is the link's stream, l->fd */
	struct buf lines;	/* ssh's stdout, up to a whole line */
	char lasterr[256];	/* the last line ssh wrote on stderr */
	bool greeted;
	bool got_done;
	uint64_t t_ping;
	uint64_t greet_deadline;	/* fail when not greeted by then */
};

static struct ssh_side *
side(const struct link *l)
{
	return l->kind_state;
}

static void
ssh_start(struct link *l, const struct ssh_settings *ssh)
{
	struct ssh_side *s = xcalloc(1, sizeof(*s));
	struct argv a;

	s->ssh = (struct child){ .pid = -1, .in = -1, .out = -1, .err = -1 };
	buf_init(&s->lines);
	l->kind_state = s;
	sshcmd_build(l->d, ssh, &a);
	if (transport_spawn(&a, SPAWN_OUT_PIPE, true, &s->ssh))
		l->fd = s->ssh.in;
	/* Non-blocking all round: a grandchild of ssh (a ProxyCommand) may
	 * keep a pipe open after ssh itself is gone. */
	if (l->fd >= 0 && fd_set_nonblock(l->fd) &&
	    fd_set_nonblock(s->ssh.out) && fd_set_nonblock(s->ssh.err)) {
		l->state = LINK_GREET;
		l->acks = true;
		/* A receiver lists its spool and greets at once: waiting
		 * longer than the connection plus a minute means whatever
		 * answered is not one (a forced command that reads stdin). */
		s->greet_deadline = l->t_start +
		    ((uint64_t)ssh->connect_timeout + 60) * 1000000;
	} else
		link_fail(l, LINK_CANT_START, "cannot start %s", ssh->program);
	argv_free(&a);
}

static void
ssh_close(struct link *l)
{
	/* EOF on the receiver's stdin is the end of the stream. */
	close(l->fd);
	l->fd = -1;
	l->state = LINK_ACK;
}

/* Keep the last line: it says why ssh or the receiver gave up. */
static void
keep_stderr_lines(struct link *l, char *text)
{
	struct ssh_side *s = side(l);
	char *line, *save = NULL;

	for (line = strtok_r(text, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		snprintf(s->lasterr, sizeof(s->lasterr), "%s", line);
		log_verbose("%s: %s", l->d->spec, line);
	}
}

static void
read_stderr(struct link *l)
{
	struct ssh_side *s = side(l);
	char chunk[4096];
	ssize_t n;

	while (s->ssh.err >= 0) {
		n = read(s->ssh.err, chunk, sizeof(chunk) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(s->ssh.err);
			s->ssh.err = -1;
			return;
		}
		chunk[n] = '\0';
		keep_stderr_lines(l, chunk);
	}
}

/* ssh is gone or going: reap it and judge the whole exchange. */
static void
finish_ssh(struct link *l)
{
	struct ssh_side *s = side(l);
	int status;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	status = transport_wait(s->ssh.pid);
	s->ssh.pid = -1;
	read_stderr(l);
	/* A receiver that refused frames acknowledges the rest, then
	 * exits 65: done, the refusals already reported. */
	if (l->state == LINK_ACK && s->got_done &&
	    (status == 0 || (status == EX_DATAERR && l->refused > 0))) {
		link_done(l);
		return;
	}
	/* The receiver exits 65 when what it got was bad: our data, if we
	 * had sent it all and closed; else the connection broke mid-frame.
	 * Anything else (no route, a full disk) is worth retrying. */
	if (s->lasterr[0] == '\0')
		snprintf(s->lasterr, sizeof(s->lasterr), "%s (status %d)",
		    status == 0 ? "the receiver stopped before acknowledging" :
		    "ssh failed", status);
	link_fail(l, status == EX_DATAERR && l->state == LINK_ACK ?
	    LINK_REFUSED : LINK_LOST, "%s", s->lasterr);
}

/*
 * The ping goes first on the empty pipe (5 bytes always fit); frames
 * follow at once, without waiting for the pong.
 */
static void
send_ping(struct link *l)
{
	l->t_ready = side(l)->t_ping = link_now();
	if (write(l->fd, SHIPPROTO_PING, SHIPPROTO_PING_LEN) != SHIPPROTO_PING_LEN)
		link_fail(l, LINK_LOST, "write: %s", strerror(errno));
	else
		l->state = LINK_SEND;
}

/* A frame the receiver found bad and did not store: ours to report; the
 * link goes on with the others, and the run ends 65. */
static void
report_refused(struct link *l, const struct shipmsg *msg)
{
	char first[LSN_BUFSIZE], last[LSN_BUFSIZE];

	l->refused++;
	log_error("%s: refused the frame of origin %s, LSN %s to %s, as bad "
	    "(never stored): %s", l->d->spec, msg->head.origin,
	    lsn_format(msg->first, first), lsn_format(msg->head.lsn, last),
	    msg->why);
}

static void
handle_line(struct link *l, const char *line)
{
	struct ssh_side *s = side(l);
	struct shipmsg msg;

	shipproto_parse(line, &msg);
	if (l->state == LINK_GREET && msg.kind == SHIPMSG_GREETING && !s->greeted)
		s->greeted = true;
	else if (l->state == LINK_GREET && s->greeted && msg.kind == SHIPMSG_HAVE)
		heads_raise(&l->have, msg.head.origin, msg.head.lsn);
	else if (l->state == LINK_GREET && s->greeted && msg.kind == SHIPMSG_READY)
		send_ping(l);
	else if (l->state != LINK_GREET && msg.kind == SHIPMSG_PONG && s->t_ping)
		l->rtt_usec = link_now() - s->t_ping;
	else if (l->state == LINK_ACK && msg.kind == SHIPMSG_HAVE)
		heads_raise(&l->acked, msg.head.origin, msg.head.lsn);
	else if (l->state == LINK_ACK && msg.kind == SHIPMSG_DONE)
		s->got_done = true;
	else if (l->state != LINK_GREET && msg.kind == SHIPMSG_REFUSED)
		report_refused(l, &msg);
	else
		link_fail(l, LINK_NOT_RECEIVER, "not a pgmesh-ship receiver "
		    "(it said \"%.60s\")", line);
}

static void
read_lines(struct link *l)
{
	struct ssh_side *s = side(l);
	ssize_t n;
	char *nl;

	n = read(s->ssh.out, buf_reserve(&s->lines, 4096), 4096);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(s->ssh.out);
		s->ssh.out = -1;
		finish_ssh(l);
		return;
	}
	s->lines.len += (size_t)n;
	while (l->state != LINK_FAILED &&
	    (nl = memchr(s->lines.data, '\n', s->lines.len)) != NULL) {
		*nl = '\0';
		handle_line(l, s->lines.data);
		buf_consume(&s->lines, (size_t)(nl - s->lines.data) + 1);
	}
	if (l->state != LINK_FAILED && s->lines.len > 1024)
		link_fail(l, LINK_NOT_RECEIVER, "not a pgmesh-ship receiver "
		    "(a line of more than 1024 bytes)");
}

static int
ssh_deadline(struct link *l, uint64_t now)
{
	struct ssh_side *s = side(l);

	if (l->state != LINK_GREET)
		return -1;
	if (now >= s->greet_deadline) {
		link_fail(l, LINK_NOT_RECEIVER, "no greeting from the receiver in "
		    "%llu s (not pgmesh-ship --receive?)",
		    (unsigned long long)(s->greet_deadline - l->t_start) / 1000000);
		return -1;
	}
	return (int)((s->greet_deadline - now + 999) / 1000);
}

static void
ssh_watch(const struct link *l, struct pollfd *p)
{
	p[0] = (struct pollfd){ .fd = side(l)->ssh.out, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = side(l)->ssh.err, .events = POLLIN };
}

/* stderr first: when stdout ends, its last line says why. */
static void
ssh_ready(struct link *l, const struct pollfd *p)
{
	if (p[1].revents != 0)
		read_stderr(l);
	if (p[0].revents != 0 && side(l)->ssh.out >= 0)
		read_lines(l);
}

static void
ssh_free(struct link *l)
{
	struct ssh_side *s = side(l);

	if (s->ssh.out >= 0)
		close(s->ssh.out);
	if (s->ssh.err >= 0)
		close(s->ssh.err);
	/* A link that failed early may leave its ssh running: ours to end. */
	if (s->ssh.pid > 0) {
		kill(s->ssh.pid, SIGTERM);
		transport_wait(s->ssh.pid);
	}
	buf_free(&s->lines);
	free(s);
}

const struct link_ops link_ssh_ops = {
	.start = ssh_start,
	.pump = linkstream_pump,
	.close = ssh_close,
	.free = ssh_free,
	.watch = ssh_watch,
	.ready = ssh_ready,
	.deadline = ssh_deadline,
};
