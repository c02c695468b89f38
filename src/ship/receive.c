/*
 * receive.c: store or pass on what a sender streams.
 *
 * Durability is decided here.  A frame is checked entirely (length,
 * SHA-256, signature when given signers, zstd checksum, CBOR) before
 * anything is done with it, then stored through spool_store (temporary
 * name, fsync, rename), so a connection cut in the middle of a frame
 * leaves the whole frames before it and nothing of the cut one.  Heads are acknowledged to the sender only
 * after the last frame is stored: a sender that reads "done" may count on
 * everything it sent.  A frame read whole that fails its check is refused:
 * never stored nor passed on, the sender told at once, and the frames
 * after it read as usual (its origin's chain in the spool stops before
 * it, so the heads never claim what follows it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


#include "receive.h"
#include "shipproto.h"
#include "transport.h"
#include "common/catalog.h"
#include "common/input.h"
#include "common/log.h"
#include "common/privfile.h"
#include "pack/packread.h"
#include "spool/chain.h"
#include "spool/spool.h"

struct receiver {
	const struct receive_settings *s;
	struct heads heads;	/* what we hold, per origin */
	struct child apply;
	bool applying;
	int proto_fd;		/* the sender hears us here (handshake) */
	uint64_t frames;
	uint64_t bytes;
	uint64_t refused;	/* bad frames read whole, not stored */
};

bool
receive_make_spool(const char *dir)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len >= sizeof(path)) {
		log_error("spool %s: path too long", dir);
		return false;
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		/* The spool itself is private; its parents are made as
		 * mkdir -p would. */
		if (mkdir(path, i == len ? PRIVATE_DIR_MODE : 0755) != 0 &&
		    errno != EEXIST) {
			log_error("spool %s: %s", path, strerror(errno));
			return false;
		}
		path[i] = dir[i];
	}
	return true;
}

static bool
start_apply(struct receiver *r)
{
	struct argv a;
	bool ok;

	argv_init(&a);
	argv_add(&a, r->s->apply_program);
	argv_add(&a, "-d");
	argv_add(&a, r->s->apply);
	for (int i = 0; i < r->s->ngrants; i++)
		argv_add(&a, r->s->grants[i]);
	/* A destination checks again: this receiver may be one of several
	 * hops, each of which checks for itself. */
	if (r->s->signers_file != NULL) {
		argv_add(&a, "--signers");
		argv_add(&a, r->s->signers_file);
	}
	/* Our stdout may carry the resume protocol: keep apply's off it. */
	ok = transport_spawn(&a, SPAWN_OUT_STDERR, false, &r->apply);
	argv_free(&a);
	r->applying = ok;
	return ok;
}

/* Close apply's input and wait for it: its exit status (0 without it). */
static int
finish_apply(struct receiver *r)
{
	int status;

	if (!r->applying)
		return 0;
	close(r->apply.in);
	r->applying = false;
	status = transport_wait(r->apply.pid);
	if (status != 0)
		log_error("%s exited with status %d", r->s->apply_program, status);
	return status;
}

/* One checked frame to wherever it goes; RECEIVE_OK, or a failure after
 * log_error. */
static enum receive_outcome
deliver_frame(struct receiver *r, const struct manifest *m,
    const struct buf *raw)
{
	enum spool_store_result stored = r->s->dir == NULL ? SPOOL_STORED :
	    spool_store(r->s->dir, m, raw);

	if (stored != SPOOL_STORED)
		return stored == SPOOL_NO_ROOM ? RECEIVE_NO_ROOM :
		    RECEIVE_IO_ERROR;
	if (r->applying &&
	    !write_all(r->apply.in, raw->data, raw->len, r->s->apply_program))
		return RECEIVE_IO_ERROR;
	if (r->s->dir == NULL && r->s->apply == NULL &&
	    !write_all(STDOUT_FILENO, raw->data, raw->len, "stdout"))
		return RECEIVE_IO_ERROR;
	heads_raise(&r->heads, m->origin,
	    frame_whole_lsn(m->last_lsn, m->continues_next));
	r->frames++;
	r->bytes += raw->len;
	return RECEIVE_OK;
}

static bool
send_lines(int fd, struct buf *b)
{
	bool ok = buf_write_fd(b, fd, "the sender");

	buf_free(b);
	return ok;
}

/* A bad frame read whole (reported by its check, err): tell the sender,
 * which reports it and goes on, and read on. */
static enum receive_outcome
refuse_frame(struct receiver *r, const struct manifest *m,
    const struct frame_error *err)
{
	struct buf b;

	r->refused++;
	if (!r->s->handshake)
		return RECEIVE_OK;
	buf_init(&b);
	shipproto_put_refused(&b, m->origin, m->first_lsn, m->last_lsn,
	    err->text + err->why);
	return send_lines(r->proto_fd, &b) ? RECEIVE_OK : RECEIVE_IO_ERROR;
}

/*
 * The checks of a frame read whole: its bytes only with digest_only, else
 * everything (pack_check_frame).  READ_BAD_DATA with pc->err filled and
 * logged.
 */
static enum read_result
check_frame(struct receiver *r, struct pack_checker *pc, struct catalog *cat,
    const struct manifest *m, const struct buf *frame, struct input *in,
    uint64_t offset)
{
	if (!frame_check_not_snapshot(m, in->name, offset, &pc->err)) {
		log_error("%s", pc->err.text);
		return READ_BAD_DATA;
	}
	if (!r->s->digest_only)
		return pack_check_frame(pc, m, frame, cat, NULL, in->name, offset);
	if (frame_check_bytes(m, (const unsigned char *)frame->data, frame->len,
	    r->s->signers, in->name, offset, &pc->err))
		return READ_OK;
	log_error("%s", pc->err.text);
	return READ_BAD_DATA;
}

static enum receive_outcome
read_frames(struct receiver *r, struct input *in)
{
	struct catalog *cat = catalog_new();
	struct pack_checker pc = { .signers = r->s->signers };
	enum receive_outcome outcome = RECEIVE_OK;

	for (;;) {
		struct manifest m = { 0 };
		enum read_result rr;
		struct buf frame;
		uint64_t offset;
		bool got;

		/* Checked and delivered from the input's buffer: a frame of
		 * hundreds of megabytes is held once. */
		rr = pack_peek_frame(in, &m, &frame, &offset, &got);
		if (rr == READ_OK && !got)
			break;
		if (rr == READ_OK)
			rr = check_frame(r, &pc, cat, &m, &frame, in, offset);
		if (rr == READ_OK)
			outcome = deliver_frame(r, &m, &frame);
		else if (rr == READ_BAD_DATA && got)
			outcome = refuse_frame(r, &m, &pc.err);
		else if (in->timed_out)
			outcome = RECEIVE_TIMED_OUT;
		else
			outcome = rr == READ_IO_ERROR ? RECEIVE_IO_ERROR :
			    RECEIVE_BAD_FRAME;
		if (got)
			input_skip(in, frame.len);
		manifest_free(&m);
		if (outcome != RECEIVE_OK)
			break;
	}
	pack_checker_free(&pc);
	catalog_free(cat);
	return outcome;
}

static bool
send_greeting(const struct receiver *r, int fd)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, SHIPPROTO_GREETING "\n");
	shipproto_put_heads(&b, &r->heads);
	buf_puts(&b, "ready\n");
	return send_lines(fd, &b);
}

/* A sender that was greeted pings first: answer at once. */
static bool
answer_ping(struct input *in, int fd)
{
	struct buf b;

	if (input_fill(in, SHIPPROTO_PING_LEN) < SHIPPROTO_PING_LEN ||
	    memcmp(in->buf + in->start, SHIPPROTO_PING, SHIPPROTO_PING_LEN) != 0)
		return true;
	input_skip(in, SHIPPROTO_PING_LEN);
	buf_init(&b);
	buf_puts(&b, "pong\n");
	return send_lines(fd, &b);
}

/*
 * What a spool receiver acknowledges when done: its heads read back from
 * the spool, not raised by the frames just stored.  A frame stored beyond
 * a missing one is held, not whole from the base: acknowledged, the
 * sender would record it and prune the missing frame it still has.
 */
static bool
read_back_heads(struct receiver *r)
{
	heads_free(&r->heads);
	heads_init(&r->heads);
	return chain_heads(r->s->dir, &r->heads);
}

static bool
send_done(const struct receiver *r, int fd)
{
	struct buf b;
	char line[96];

	buf_init(&b);
	shipproto_put_heads(&b, &r->heads);
	snprintf(line, sizeof(line), "done %llu %llu\n",
	    (unsigned long long)r->frames, (unsigned long long)r->bytes);
	buf_puts(&b, line);
	return send_lines(fd, &b);
}

struct receive_result
receive_stream(const struct receive_settings *s, int in_fd, const char *what,
    int proto_fd)
{
	struct receiver r = { .s = s, .proto_fd = proto_fd };
	struct receive_result res = { .outcome = RECEIVE_IO_ERROR };
	struct input in;
	int apply_status;

	heads_init(&r.heads);
	if (s->dir != NULL &&
	    (!receive_make_spool(s->dir) || !chain_heads(s->dir, &r.heads))) {
		heads_free(&r.heads);
		return res;
	}
	if ((s->handshake && !send_greeting(&r, proto_fd)) ||
	    (s->apply != NULL && !start_apply(&r))) {
		heads_free(&r.heads);
		return res;
	}
	transport_widen_pipe(in_fd);
	input_init_fd(&in, in_fd, what);
	input_set_timeouts(&in, s->idle_s, s->total_s);
	res.outcome = s->handshake && !answer_ping(&in, proto_fd) ?
	    RECEIVE_IO_ERROR : read_frames(&r, &in);
	apply_status = finish_apply(&r);
	if (res.outcome == RECEIVE_OK && apply_status != 0) {
		res.outcome = RECEIVE_APPLY_FAILED;
		res.apply_status = apply_status;
	}
	if (res.outcome == RECEIVE_OK && s->dir != NULL && !spool_sync(s->dir))
		res.outcome = RECEIVE_IO_ERROR;
	if (res.outcome == RECEIVE_OK && s->handshake &&
	    (s->dir == NULL || read_back_heads(&r)) &&
	    !send_done(&r, proto_fd))
		res.outcome = RECEIVE_IO_ERROR;
	/* Told and acknowledged like the rest, but the run was not clean. */
	if (res.outcome == RECEIVE_OK && r.refused > 0)
		res.outcome = RECEIVE_REFUSED;
	res.refused = r.refused;
	in.fd = -1;		/* the caller owns in_fd */
	input_close(&in);
	log_verbose("%s: %llu frames, %llu bytes received, %llu refused", what,
	    (unsigned long long)r.frames, (unsigned long long)r.bytes,
	    (unsigned long long)r.refused);
	heads_free(&r.heads);
	return res;
}

static void
describe_peer(const struct sockaddr_storage *sa, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    addr, sizeof(addr));
	else if (sa->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    addr, sizeof(addr));
	snprintf(buf, size, "tcp peer %s", addr);
}

/* Receive the connection fd from sa, and tell dropped if it ended badly:
 * the body of a connection's own process. */
static void
serve_connection(const struct receive_settings *s, int fd,
    const struct sockaddr_storage *sa, receive_dropped_fn *dropped)
{
	struct receive_result res;
	char what[80];

	describe_peer(sa, what, sizeof(what));
	res = receive_stream(s, fd, what, -1);
	if (res.outcome != RECEIVE_OK)
		dropped(what, res);
	close(fd);
}

/* Collect the connections' processes that have ended, and wait for more
 * to end until fewer than max remain. */
static void
collect_connections(int *running, int max)
{
	while (*running > 0 &&
	    waitpid(-1, NULL, *running >= max ? 0 : WNOHANG) > 0)
		(*running)--;
}

struct receive_result
receive_listen(const struct receive_settings *s, const char *host,
    const char *port, receive_dropped_fn *dropped)
{
	int lfd, running = 0;

	if (!transport_listen(host, port, &lfd))
		return (struct receive_result){ .outcome = RECEIVE_CANT_LISTEN };
	log_verbose("listening on port %s", port);
	for (;;) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		pid_t pid;
		int fd;

		collect_connections(&running, s->max_clients);
		if ((fd = accept(lfd, (struct sockaddr *)&sa, &len)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			log_error("accept on port %s: %s", port, strerror(errno));
			close(lfd);
			return (struct receive_result){
			    .outcome = RECEIVE_ACCEPT_FAILED };
		}
		/* A bad connection is that sender's problem, not the end of
		 * the service: its process reports it and ends. */
		if ((pid = fork()) == 0) {
			close(lfd);
			serve_connection(s, fd, &sa, dropped);
			_exit(0);
		}
		if (pid < 0)
			log_error("port %s: cannot serve a connection: %s", port,
			    strerror(errno));
		else
			running++;
		close(fd);
	}
}
