/*
 * link.c: one destination's side of a fan-out.
 *
 * ssh destinations follow the resume protocol of shipproto.h: read the
 * receiver's heads, stream every queued frame above them back to back,
 * close, and count the destination as having everything only once the
 * receiver said "done" and ssh exited 0.  tcp destinations get the raw
 * stream and cannot acknowledge anything.  A local spool is stored into
 * right here, each frame's digest checked first, as a receiver would.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "log.h"
#include "packread.h"
#include "receive.h"
#include "spool.h"
#include "xalloc.h"

struct frame *
frame_new(void)
{
	struct frame *f = xcalloc(1, sizeof(*f));

	f->refs = 1;
	buf_init(&f->raw);
	return f;
}

void
frame_release(struct frame *f)
{
	if (f == NULL || --f->refs > 0)
		return;
	manifest_free(&f->m);
	buf_free(&f->raw);
	free(f);
}

uint64_t
link_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
link_fail(struct link *l, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (l->state == LINK_FAILED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->failure = xstrdup(msg);
	l->status = status;
	l->state = LINK_FAILED;
	l->t_end = link_now();
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

static void
start_ssh(struct link *l, const struct ssh_settings *ssh)
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
start_tcp(struct link *l, int timeout)
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

static void
start_dir(struct link *l)
{
	if (!receive_make_spool(l->d->path))
		link_fail(l, EX_CANTCREAT, "cannot create the spool");
	else if (!heads_from_spool(l->d->path, &l->have))
		link_fail(l, EX_IOERR, "cannot read the spool");
	else {
		l->acks = true;
		l->t_ready = link_now();
		l->state = LINK_SEND;
	}
}

void
link_init(struct link *l, const struct dest *d, const char *const *exclude,
    int nexclude)
{
	memset(l, 0, sizeof(*l));
	l->d = d;
	l->fd = -1;
	l->ssh.pid = -1;
	l->ssh.out = l->ssh.err = -1;
	l->exclude = exclude;
	l->nexclude = nexclude;
	heads_init(&l->have);
	heads_init(&l->acked);
	buf_init(&l->lines);
}

void
link_start(struct link *l, const struct ssh_settings *ssh)
{
	const struct dest *d = l->d;

	l->t_start = link_now();
	if (d->kind == DEST_SSH)
		start_ssh(l, ssh);
	else if (d->kind == DEST_TCP)
		start_tcp(l, ssh->connect_timeout);
	else
		start_dir(l);
}

static struct frame *
dequeue(struct link *l)
{
	struct frame *f = l->q[l->qhead];

	l->qhead++;
	l->qlen--;
	l->qbytes -= f->raw.len;
	l->woff = 0;
	return f;
}

void
link_free(struct link *l)
{
	while (l->qlen > 0)
		frame_release(dequeue(l));
	free(l->q);
	heads_free(&l->have);
	heads_free(&l->acked);
	buf_free(&l->lines);
	free(l->failure);
	if (l->fd >= 0)
		close(l->fd);
	if (l->ssh.out >= 0)
		close(l->ssh.out);
	if (l->ssh.err >= 0)
		close(l->ssh.err);
	/* A link that failed early may leave its ssh running: ours to end. */
	if (l->ssh.pid > 0) {
		kill(l->ssh.pid, SIGTERM);
		transport_wait(l->ssh.pid);
	}
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
	if (l->qhead + l->qlen == l->qcap) {
		if (l->qhead > 0) {
			memmove(l->q, l->q + l->qhead, l->qlen * sizeof(*l->q));
			l->qhead = 0;
		} else {
			l->qcap = l->qcap ? 2 * l->qcap : 16;
			l->q = xreallocarray(l->q, l->qcap, sizeof(*l->q));
		}
	}
	f->refs++;
	l->q[l->qhead + l->qlen++] = f;
	l->qbytes += f->raw.len;
}

/*
 * Resume: does the receiver hold every transaction f touches?  Compare the
 * last LSN, not the whole one: a frame with part of a split transaction is
 * needed until the receiver holds that transaction entirely (parts it
 * already has are left alone by spool_store).
 */
static bool
link_holds(const struct link *l, const struct frame *f)
{
	return f->m.last_lsn <= heads_get(&l->have, f->m.origin);
}

static void
store_queued(struct link *l)
{
	while (l->state == LINK_SEND && l->qlen > 0) {
		struct frame *f = dequeue(l);

		if (link_holds(l, f))
			l->skipped++;
		else if (pack_check_digest(&f->m, &f->raw, l->d->spec,
		    l->bytes) != READ_OK)
			link_fail(l, EX_DATAERR, "a bad frame of origin %s",
			    f->m.origin);
		else if (!spool_store(l->d->path, &f->m, &f->raw))
			link_fail(l, EX_IOERR, "cannot store a frame");
		else {
			l->frames++;
			l->bytes += f->raw.len;
		}
		frame_release(f);
	}
}

void
link_pump(struct link *l)
{
	if (l->d->kind == DEST_DIR) {
		store_queued(l);
		return;
	}
	while (l->state == LINK_SEND && l->qlen > 0) {
		struct frame *f = l->q[l->qhead];
		ssize_t n;

		if (l->woff == 0 && link_holds(l, f)) {
			l->skipped++;
			frame_release(dequeue(l));
			continue;
		}
		n = write(l->fd, f->raw.data + l->woff, f->raw.len - l->woff);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			link_fail(l, EX_TEMPFAIL, "write: %s", strerror(errno));
			return;
		}
		l->woff += (size_t)n;
		l->bytes += (size_t)n;
		if (l->woff == f->raw.len) {
			l->frames++;
			frame_release(dequeue(l));
		}
	}
}

void
link_close(struct link *l)
{
	l->t_eof = link_now();
	if (l->d->kind == DEST_SSH) {
		/* EOF on the receiver's stdin is the end of the stream. */
		close(l->fd);
		l->fd = -1;
		l->state = LINK_ACK;
		return;
	}
	if (l->d->kind == DEST_TCP) {
		shutdown(l->fd, SHUT_WR);
		close(l->fd);
		l->fd = -1;
	} else if (!spool_sync(l->d->path) ||
	    !heads_from_spool(l->d->path, &l->acked)) {
		link_fail(l, EX_IOERR, "cannot read the spool back");
		return;
	}
	l->t_end = link_now();
	l->state = LINK_DONE;
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
	link_read_stderr(l);
	if (l->state == LINK_ACK && l->got_done && status == 0) {
		l->state = LINK_DONE;
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
	else if (l->state == LINK_ACK && msg.kind == SHIPMSG_DONE) {
		l->got_done = true;
		l->t_end = link_now();
	} else
		link_fail(l, EX_TEMPFAIL, "not a pgmesh-ship receiver "
		    "(it said \"%.60s\")", line);
}

void
link_read_lines(struct link *l)
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

void
link_read_stderr(struct link *l)
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

int
link_check_deadline(struct link *l, uint64_t now)
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

static double
mb_per_sec(uint64_t bytes, uint64_t usec)
{
	return usec > 0 ? (double)bytes / (double)usec : 0.0;
}

void
link_report(const struct link *l)
{
	char extra[128] = "";

	if (verbosity > 0) {
		uint64_t end = l->t_eof ? l->t_eof : l->t_end;
		uint64_t span = end > l->t_ready && l->t_ready ? end - l->t_ready : 0;

		snprintf(extra, sizeof(extra), ", %.1f MB/s, rtt %.2f ms",
		    mb_per_sec(l->bytes, span), (double)l->rtt_usec / 1000.0);
	}
	if (l->state == LINK_FAILED)
		log_error("%s: failed: %s (%llu frames sent before)", l->d->spec,
		    l->failure, (unsigned long long)l->frames);
	else
		log_notice("%s: %s, %llu frames (%llu bytes), %llu already "
		    "there%s", l->d->spec,
		    l->acks ? "ok" : "sent, unacknowledged",
		    (unsigned long long)l->frames,
		    (unsigned long long)l->bytes,
		    (unsigned long long)l->skipped, extra);
}
