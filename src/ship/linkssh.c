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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "linkssh.h"
#include "linkstream.h"
#include "shipproto.h"
#include "common/log.h"

static void
ssh_start(struct link *l, const struct ssh_settings *ssh)
{
	struct argv a;

	sshcmd_build(l->d, ssh, &a);
	/* Non-blocking all round: a grandchild of ssh (a ProxyCommand) may
	 * keep a pipe open after ssh itself is gone. */
	if (transport_spawn(&a, SPAWN_OUT_PIPE, true, &l->ssh) &&
	    fd_set_nonblock(l->ssh.in) && fd_set_nonblock(l->ssh.out) &&
	    fd_set_nonblock(l->ssh.err)) {
		l->fd = l->ssh.in;
		l->state = LINK_GREET;
		l->acks = true;
		/* A receiver lists its spool and greets at once: waiting
		 * longer than the connection plus a minute means whatever
		 * answered is not one (a forced command that reads stdin). */
		l->greet_deadline = l->t_start +
		    ((uint64_t)ssh->connect_timeout + 60) * 1000000;
	} else
		link_fail(l, EX_OSERR, "cannot start %s", ssh->program);
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
	char *line, *save = NULL;

	for (line = strtok_r(text, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		snprintf(l->lasterr, sizeof(l->lasterr), "%s", line);
		log_verbose("%s: %s", l->d->spec, line);
	}
}

static void
read_stderr(struct link *l)
{
	char chunk[4096];
	ssize_t n;

	while (l->ssh.err >= 0) {
		n = read(l->ssh.err, chunk, sizeof(chunk) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(l->ssh.err);
			l->ssh.err = -1;
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
	int status;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	status = transport_wait(l->ssh.pid);
	l->ssh.pid = -1;
	read_stderr(l);
	if (l->state == LINK_ACK && l->got_done && status == 0) {
		link_done(l);
		return;
	}
	/* The receiver exits 65 when what it got was bad: our data, if we
	 * had sent it all and closed; else the connection broke mid-frame.
	 * Anything else (no route, a full disk) is worth retrying. */
	if (l->lasterr[0] == '\0')
		snprintf(l->lasterr, sizeof(l->lasterr), "%s (status %d)",
		    status == 0 ? "the receiver stopped before acknowledging" :
		    "ssh failed", status);
	link_fail(l, status == EX_DATAERR && l->state == LINK_ACK ?
	    EX_DATAERR : EX_TEMPFAIL, "%s", l->lasterr);
}

/*
 * The ping goes first on the empty pipe (5 bytes always fit); frames
 * follow at once, without waiting for the pong.
 */
static void
send_ping(struct link *l)
{
	l->t_ready = l->t_ping = link_now();
	if (write(l->fd, SHIPPROTO_PING, SHIPPROTO_PING_LEN) != SHIPPROTO_PING_LEN)
		link_fail(l, EX_TEMPFAIL, "write: %s", strerror(errno));
	else
		l->state = LINK_SEND;
}

static void
handle_line(struct link *l, const char *line)
{
	struct shipmsg msg;

	shipproto_parse(line, &msg);
	if (l->state == LINK_GREET && msg.kind == SHIPMSG_GREETING && !l->greeted)
		l->greeted = true;
	else if (l->state == LINK_GREET && l->greeted && msg.kind == SHIPMSG_HAVE)
		heads_raise(&l->have, msg.head.origin, msg.head.lsn);
	else if (l->state == LINK_GREET && l->greeted && msg.kind == SHIPMSG_READY)
		send_ping(l);
	else if (l->state != LINK_GREET && msg.kind == SHIPMSG_PONG && l->t_ping)
		l->rtt_usec = link_now() - l->t_ping;
	else if (l->state == LINK_ACK && msg.kind == SHIPMSG_HAVE)
		heads_raise(&l->acked, msg.head.origin, msg.head.lsn);
	else if (l->state == LINK_ACK && msg.kind == SHIPMSG_DONE)
		l->got_done = true;
	else
		link_fail(l, EX_TEMPFAIL, "not a pgmesh-ship receiver "
		    "(it said \"%.60s\")", line);
}

static void
read_lines(struct link *l)
{
	ssize_t n;
	char *nl;

	n = read(l->ssh.out, buf_reserve(&l->lines, 4096), 4096);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(l->ssh.out);
		l->ssh.out = -1;
		finish_ssh(l);
		return;
	}
	l->lines.len += (size_t)n;
	while (l->state != LINK_FAILED &&
	    (nl = memchr(l->lines.data, '\n', l->lines.len)) != NULL) {
		*nl = '\0';
		handle_line(l, l->lines.data);
		buf_consume(&l->lines, (size_t)(nl - l->lines.data) + 1);
	}
	if (l->state != LINK_FAILED && l->lines.len > 1024)
		link_fail(l, EX_TEMPFAIL, "not a pgmesh-ship receiver "
		    "(a line of more than 1024 bytes)");
}

static int
ssh_deadline(struct link *l, uint64_t now)
{
	if (l->state != LINK_GREET)
		return -1;
	if (now >= l->greet_deadline) {
		link_fail(l, EX_TEMPFAIL, "no greeting from the receiver in "
		    "%llu s (not pgmesh-ship --receive?)",
		    (unsigned long long)(l->greet_deadline - l->t_start) / 1000000);
		return -1;
	}
	return (int)((l->greet_deadline - now + 999) / 1000);
}

static void
ssh_watch(const struct link *l, struct pollfd *p)
{
	p[0] = (struct pollfd){ .fd = l->ssh.out, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = l->ssh.err, .events = POLLIN };
}

/* stderr first: when stdout ends, its last line says why. */
static void
ssh_ready(struct link *l, const struct pollfd *p)
{
	if (p[1].revents != 0)
		read_stderr(l);
	if (p[0].revents != 0 && l->ssh.out >= 0)
		read_lines(l);
}

const struct link_ops link_ssh_ops = {
	.start = ssh_start,
	.pump = linkstream_pump,
	.close = ssh_close,
	.watch = ssh_watch,
	.ready = ssh_ready,
	.deadline = ssh_deadline,
};
