/*
 * delayline: the propagation delay of a simulated long link, for
 * scripts/netsim/netsim.sh (tests and benchmark only; never installed).
 *
 *	delayline [-d DELAY_US] [-q QUEUE_BYTES] [-s STATS_FILE] NAME_A NAME_B
 *
 * It creates two TUN devices (IFF_TUN | IFF_NO_PI: whole IP packets, no
 * link header), prints their names on one line of stdout once both exist
 * (a NAME may hold "%d": the kernel then picks a free name), and from then
 * on moves every packet read from one device to the other after holding it
 * for DELAY_US microseconds.  netsim.sh moves the two devices into two
 * network namespaces; the file descriptors stay valid across the move, so
 * the namespaces talk IP to each other through this process only.
 *
 * Why a delay line of our own: the kernel here has no netem ("tc qdisc add
 * ... netem" answers "Specified qdisc kind is unknown"), and a TCP relay
 * would terminate each connection in the middle and so hide the very
 * things a long path costs (slow start, the window per round trip, loss
 * recovery).  Moving raw IP packets keeps TCP end to end.  Rate limiting
 * is not done here: tbf on the devices' egress does it in the kernel.
 *
 * Each direction is a FIFO of packets in a byte ring allocated once (no
 * allocation per packet), each packet stamped with a monotonic deadline,
 * arrival time + delay.  One delay for every packet means deadlines grow
 * in arrival order, so the head of each FIFO is always the next packet
 * due: nothing is ever reordered and one ppoll timeout covers a direction.
 * A packet is never written before its deadline; it may be late by the
 * scheduler's wake-up latency (timer slack is set to 1 ns to keep that
 * small).  A full ring drops the packet and counts it, as a router's full
 * buffer would: memory stays bounded by QUEUE_BYTES per direction.
 *
 * Counters (packets and bytes written to the far side, packets and bytes
 * dropped, the largest queue seen) are written on SIGUSR1 and at exit, to
 * STATS_FILE when given (atomically: a temporary file then rename) or else
 * to stdout.  SIGTERM and SIGINT stop it cleanly (exit 0); the devices
 * vanish with it.  Exit 64 on bad usage, 71 when a device or a system call
 * fails, 74 when the statistics cannot be written.
 */
#define _GNU_SOURCE /* ppoll: a timeout in nanoseconds */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* The largest IPv4 or IPv6 (non-jumbo) packet a TUN read can return. */
#define MAX_PACKET 65535
/* Packets read from one device per wake-up, so that the other direction's
 * due packets are not held up behind a flood. */
#define READ_BATCH 64
#define NO_DEADLINE UINT64_MAX

/* Each packet in a ring is a record header followed by its bytes. */
struct record {
	uint64_t deadline_ns;
	uint32_t len;
};

/* A byte ring.  head and tail count bytes ever taken and put, and only
 * grow; a position in buf is the count modulo cap.  Records may wrap past
 * the end of buf: readv and writev take the two pieces. */
struct ring {
	unsigned char *buf;
	size_t cap;
	uint64_t head, tail;
};

/* One direction of the link: packets read from in_fd, written to out_fd. */
struct direction {
	const char *label;
	int in_fd, out_fd;
	struct ring queue;
	uint64_t packets, bytes;	/* written to the far side */
	uint64_t dropped, dropped_bytes;
	size_t queue_peak;		/* bytes, headers included */
};

struct settings {
	uint64_t delay_ns;
	size_t queue_bytes;
	const char *stats_path;
	const char *names[2];
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t ring_used(const struct ring *r)
{
	return (size_t)(r->tail - r->head);
}

/* ring_span: the one or two pieces of buf holding len bytes from byte
 * count pos; returns how many pieces. */
static int ring_span(const struct ring *r, uint64_t pos, size_t len,
		     struct iovec iov[2])
{
	size_t off = (size_t)(pos % r->cap);
	size_t first = len < r->cap - off ? len : r->cap - off;

	iov[0] = (struct iovec){ r->buf + off, first };
	iov[1] = (struct iovec){ r->buf, len - first };
	return len > first ? 2 : 1;
}

/* ring_put and ring_get copy a record header in or out, in one piece or
 * two (the second piece is empty when it does not wrap). */
static void ring_put(struct ring *r, uint64_t pos, const void *src, size_t len)
{
	struct iovec iov[2];

	ring_span(r, pos, len, iov);
	memcpy(iov[0].iov_base, src, iov[0].iov_len);
	memcpy(iov[1].iov_base, (const char *)src + iov[0].iov_len,
	       iov[1].iov_len);
}

static void ring_get(const struct ring *r, uint64_t pos, void *dst, size_t len)
{
	struct iovec iov[2];

	ring_span(r, pos, len, iov);
	memcpy(dst, iov[0].iov_base, iov[0].iov_len);
	memcpy((char *)dst + iov[0].iov_len, iov[1].iov_base, iov[1].iov_len);
}

/*
 * take_packet reads one packet from d->in_fd into the tail of the queue,
 * stamped with its deadline; or, when the queue cannot hold a packet of
 * the largest size, reads it into scratch and counts it dropped (reading
 * it anyway keeps the device's own queue moving, and makes the drop ours
 * to count).  Returns what read returned.
 */
static ssize_t take_packet(struct direction *d, uint64_t delay_ns,
			   unsigned char *scratch)
{
	struct ring *q = &d->queue;
	struct iovec iov[2];
	struct record rec = { 0 };
	ssize_t n;

	if (q->cap - ring_used(q) < sizeof rec + MAX_PACKET) {
		n = read(d->in_fd, scratch, MAX_PACKET);
		if (n > 0) {
			d->dropped++;
			d->dropped_bytes += (uint64_t)n;
		}
		return n;
	}
	n = readv(d->in_fd, iov, ring_span(q, q->tail + sizeof rec,
					   MAX_PACKET, iov));
	if (n <= 0)
		return n;
	rec.deadline_ns = monotonic_ns() + delay_ns;
	rec.len = (uint32_t)n;
	ring_put(q, q->tail, &rec, sizeof rec);
	q->tail += sizeof rec + (size_t)n;
	if (ring_used(q) > d->queue_peak)
		d->queue_peak = ring_used(q);
	return n;
}

/* take_packets: up to READ_BATCH packets; false on a read error other
 * than "nothing more for now" (the device is gone). */
static bool take_packets(struct direction *d, uint64_t delay_ns,
			 unsigned char *scratch)
{
	for (int i = 0; i < READ_BATCH; i++) {
		ssize_t n = take_packet(d, delay_ns, scratch);

		if (n > 0)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "delayline: reading a packet for %s: "
					"%s\n", d->label, strerror(errno));
			return false;
		}
		break;
	}
	return true;
}

/*
 * deliver_due writes every queued packet whose deadline has come to the
 * far device, in arrival order, and returns the deadline of the next one
 * (NO_DEADLINE when the queue is empty).  A write the kernel refuses (the
 * far device not up yet) is a packet lost on the wire: counted as dropped.
 */
static uint64_t deliver_due(struct direction *d, uint64_t now)
{
	struct ring *q = &d->queue;
	struct iovec iov[2];
	struct record rec;

	while (ring_used(q) > 0) {
		ring_get(q, q->head, &rec, sizeof rec);
		if (rec.deadline_ns > now)
			return rec.deadline_ns;
		int pieces = ring_span(q, q->head + sizeof rec, rec.len, iov);
		if (writev(d->out_fd, iov, pieces) == (ssize_t)rec.len) {
			d->packets++;
			d->bytes += rec.len;
		} else {
			d->dropped++;
			d->dropped_bytes += rec.len;
		}
		q->head += sizeof rec + rec.len;
	}
	return NO_DEADLINE;
}

static void stats_print(FILE *out, const struct direction dirs[2])
{
	fprintf(out, "# direction packets bytes dropped dropped_bytes "
		     "queue_peak\n");
	for (int i = 0; i < 2; i++)
		fprintf(out, "%s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			" %zu\n", dirs[i].label, dirs[i].packets, dirs[i].bytes,
			dirs[i].dropped, dirs[i].dropped_bytes,
			dirs[i].queue_peak);
}

/* stats_write: to path through a temporary file and rename, so that a
 * reader never sees half a file; to stdout without a path. */
static bool stats_write(const struct direction dirs[2], const char *path)
{
	char tmp[4096];
	FILE *out;

	if (path == NULL) {
		stats_print(stdout, dirs);
		return fflush(stdout) == 0;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		fprintf(stderr, "delayline: %s: path too long\n", path);
		return false;
	}
	out = fopen(tmp, "w");
	if (out == NULL) {
		fprintf(stderr, "delayline: %s: %s\n", tmp, strerror(errno));
		return false;
	}
	stats_print(out, dirs);
	if (fclose(out) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "delayline: %s: %s\n", path, strerror(errno));
		return false;
	}
	return true;
}

/* tun_open creates the TUN device name (a "%d" in it is the kernel's to
 * fill) and stores the name it got; returns its descriptor or -1. */
static int tun_open(const char *name, char got[IFNAMSIZ])
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	int fd;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "delayline: %s: a device name has at most %d "
				"characters\n", name, IFNAMSIZ - 1);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "delayline: /dev/net/tun: %s\n",
			strerror(errno));
		return -1;
	}
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "delayline: creating TUN device %s: %s\n", name,
			strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(got, ifr.ifr_name, IFNAMSIZ);
	got[IFNAMSIZ - 1] = '\0';
	return fd;
}

/* signals_open: SIGTERM, SIGINT and SIGUSR1 arrive through a descriptor
 * the main loop polls, rather than interrupting it at any point. */
static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* next_signal: the signal waiting on fd, or 0. */
static int next_signal(int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof si) != (ssize_t)sizeof si)
		return 0;
	return (int)si.ssi_signo;
}

static struct timespec *timeout_until(uint64_t deadline, struct timespec *ts)
{
	uint64_t now = monotonic_ns();
	uint64_t wait = deadline > now ? deadline - now : 0;

	if (deadline == NO_DEADLINE)
		return NULL;
	ts->tv_sec = (time_t)(wait / 1000000000u);
	ts->tv_nsec = (long)(wait % 1000000000u);
	return ts;
}

/*
 * run moves packets both ways until SIGTERM or SIGINT: deliver what is
 * due, sleep until the next deadline or a packet or a signal, read what
 * came.  Returns the exit status.
 */
static int run(struct direction dirs[2], int sigfd, const struct settings *s)
{
	static unsigned char scratch[MAX_PACKET];
	struct pollfd fds[3] = {
		{ .fd = dirs[0].in_fd, .events = POLLIN },
		{ .fd = dirs[1].in_fd, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	struct timespec ts;

	for (;;) {
		uint64_t now = monotonic_ns();
		uint64_t next0 = deliver_due(&dirs[0], now);
		uint64_t next1 = deliver_due(&dirs[1], now);

		if (ppoll(fds, 3, timeout_until(next0 < next1 ? next0 : next1,
						&ts), NULL) < 0 &&
		    errno != EINTR) {
			fprintf(stderr, "delayline: ppoll: %s\n",
				strerror(errno));
			return EX_OSERR;
		}
		for (int i = 0; i < 2; i++)
			if ((fds[i].revents & (POLLIN | POLLERR | POLLHUP)) &&
			    !take_packets(&dirs[i], s->delay_ns, scratch))
				return EX_OSERR;
		for (int sig; (sig = next_signal(sigfd)) != 0;) {
			if (sig != SIGUSR1)
				return EX_OK;
			if (!stats_write(dirs, s->stats_path))
				return EX_IOERR;
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: delayline [-d DELAY_US] [-q QUEUE_BYTES] "
			"[-s STATS_FILE] NAME_A NAME_B\n");
}

/* parse_count: a decimal number in [min, max], or false with a message
 * naming the option. */
static bool parse_count(const char *arg, char opt, unsigned long long min,
			unsigned long long max, unsigned long long *value)
{
	char *end;

	errno = 0;
	*value = strtoull(arg, &end, 10);
	if (arg[0] >= '0' && arg[0] <= '9' && *end == '\0' && errno == 0 &&
	    *value >= min && *value <= max)
		return true;
	fprintf(stderr, "delayline: -%c takes a number from %llu to %llu, "
			"not \"%s\"\n", opt, min, max, arg);
	return false;
}

static bool parse_settings(int argc, char **argv, struct settings *s)
{
	unsigned long long v;
	int opt;

	*s = (struct settings){ .queue_bytes = 8u << 20 };
	while ((opt = getopt(argc, argv, "d:q:s:")) != -1) {
		switch (opt) {
		case 'd':	/* up to an hour, in microseconds */
			if (!parse_count(optarg, 'd', 0, 3600000000ull, &v))
				return false;
			s->delay_ns = v * 1000u;
			break;
		case 'q':	/* room for two of the largest packets at least */
			if (!parse_count(optarg, 'q',
					 2 * (sizeof(struct record) + MAX_PACKET),
					 1ull << 32, &v))
				return false;
			s->queue_bytes = (size_t)v;
			break;
		case 's':
			s->stats_path = optarg;
			break;
		default:
			usage();
			return false;
		}
	}
	if (argc - optind != 2) {
		usage();
		return false;
	}
	s->names[0] = argv[optind];
	s->names[1] = argv[optind + 1];
	return true;
}

/* open_link: both devices and both queues; dirs[0] carries a to b. */
static bool open_link(const struct settings *s, struct direction dirs[2])
{
	char got[2][IFNAMSIZ];
	int fd[2];

	fd[0] = tun_open(s->names[0], got[0]);
	fd[1] = fd[0] < 0 ? -1 : tun_open(s->names[1], got[1]);
	if (fd[1] < 0)
		return false;
	for (int i = 0; i < 2; i++) {
		dirs[i] = (struct direction){
			.label = i == 0 ? "a-b" : "b-a",
			.in_fd = fd[i], .out_fd = fd[1 - i],
			.queue = { .buf = malloc(s->queue_bytes),
				   .cap = s->queue_bytes },
		};
		if (dirs[i].queue.buf == NULL) {
			fprintf(stderr, "delayline: no memory for a queue of "
					"%zu bytes\n", s->queue_bytes);
			return false;
		}
	}
	/* The line netsim.sh waits for: both devices exist. */
	printf("%s %s\n", got[0], got[1]);
	return fflush(stdout) == 0;
}

/* close_link: the devices vanish with their last descriptor. */
static void close_link(struct direction dirs[2])
{
	for (int i = 0; i < 2; i++) {
		close(dirs[i].in_fd);
		free(dirs[i].queue.buf);
	}
}

int main(int argc, char **argv)
{
	struct direction dirs[2];
	struct settings s;
	int sigfd, status;

	if (!parse_settings(argc, argv, &s))
		return EX_USAGE;
	sigfd = signals_open();
	if (sigfd < 0) {
		fprintf(stderr, "delayline: signalfd: %s\n", strerror(errno));
		return EX_OSERR;
	}
	/* Wake at a deadline, not up to 50 us after it. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (!open_link(&s, dirs))
		return EX_OSERR;
	status = run(dirs, sigfd, &s);
	if (!stats_write(dirs, s.stats_path) && status == EX_OK)
		status = EX_IOERR;
	close_link(dirs);
	return status;
}
