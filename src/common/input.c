#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "limits.h"
#include "log.h"
#include "xalloc.h"

#define READ_SIZE (256 * 1024)

void
input_init_fd(struct input *in, int fd, const char *name)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->name = xstrdup(name);
}

bool
input_open(struct input *in, const char *path)
{
	int fd;

	if (strcmp(path, "-") == 0) {
		input_init_fd(in, STDIN_FILENO, "stdin");
		return true;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("%s: %s", path, strerror(errno));
		return false;
	}
	input_init_fd(in, fd, path);
	return true;
}

void
input_close(struct input *in)
{
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	free(in->buf);
	free(in->name);
	memset(in, 0, sizeof(*in));
	in->fd = -1;
}

bool
input_ready(struct input *in, int timeout_ms)
{
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };
	int n;

	if (input_buffered(in) > 0 || in->eof || in->failed)
		return true;
	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	/* A poll error is the read's to report: say "ready" and let it fail. */
	return n != 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
input_set_timeouts(struct input *in, int idle_s, int total_s)
{
	in->idle_s = idle_s;
	in->total_s = total_s;
	in->deadline_ms = total_s > 0 ? now_ms() + (int64_t)total_s * 1000 : 0;
}

/*
 * Wait until a read will not block, within the input's bounds: false
 * after log_error when one ran out.
 */
static bool
wait_within_bounds(struct input *in)
{
	int64_t left = in->deadline_ms ? in->deadline_ms - now_ms() : -1;
	int64_t wait_ms = in->idle_s > 0 ? (int64_t)in->idle_s * 1000 : -1;
	/* A deadline already past comes first too: waiting for the idle
	 * timeout instead would let a sender that trickles in a byte now
	 * and then hold the input open for ever. */
	bool total_first = in->deadline_ms != 0 &&
	    (wait_ms < 0 || left < wait_ms);
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };
	int n;

	if (in->idle_s == 0 && in->deadline_ms == 0)
		return true;
	if (total_first)
		wait_ms = left > 0 ? left : 0;
	/* The options stop well below poll's int of milliseconds.  Past the
	 * deadline nothing more is read, however ready the input. */
	n = 0;
	while (wait_ms != 0 && (n = poll(&pfd, 1, (int)wait_ms)) < 0 &&
	    errno == EINTR)
		;
	/* A poll error is the read's to report. */
	if (n != 0)
		return true;
	if (total_first)
		log_error("%s: open longer than %d s (total timeout); dropped",
		    in->name, in->total_s);
	else
		log_error("%s: nothing received for %d s (idle timeout); dropped",
		    in->name, in->idle_s);
	in->failed = in->timed_out = true;
	return false;
}

/* Read once more into the buffer, keeping the unread bytes. */
static bool
read_more(struct input *in)
{
	ssize_t n;

	if (in->start > 0 && (in->start == in->end || in->cap - in->end < READ_SIZE)) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->offset += in->start;
		in->end -= in->start;
		in->start = 0;
	}
	if (in->cap - in->end < READ_SIZE) {
		in->cap = in->cap ? in->cap * 2 : 2 * READ_SIZE;
		in->buf = xrealloc(in->buf, in->cap + 1);
	}
	if (!wait_within_bounds(in))
		return false;
	do
		n = read(in->fd, in->buf + in->end, in->cap - in->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		log_error("read from %s: %s", in->name, strerror(errno));
		in->failed = true;
		return false;
	}
	if (n == 0)
		in->eof = true;
	in->end += (size_t)n;
	return true;
}

ssize_t
input_fill(struct input *in, size_t n)
{
	while (input_buffered(in) < n && !in->eof)
		if (in->failed || !read_more(in))
			return -1;
	return (ssize_t)input_buffered(in);
}

void
input_skip(struct input *in, size_t n)
{
	in->start += n;
}

bool
input_has_line(const struct input *in)
{
	return input_buffered(in) > 0 &&
	    memchr(in->buf + in->start, '\n', input_buffered(in)) != NULL;
}

/* A sender's line may be as long as it likes: it is read no further
 * once past the limit (the buffer, which doubles, holds at most twice the
 * limit). */
static int
line_too_long(struct input *in)
{
	log_error("%s: a line at byte %" PRIu64 " is longer than the text-line "
	    "limit (%" PRIu64 " bytes; --limit text-line=SIZE raises it)",
	    in->name, input_tell(in), limits.text_line);
	in->failed = in->too_long = true;
	return -1;
}

int
input_line(struct input *in, char **line, size_t *len, bool *whole)
{
	size_t scanned = 0;

	for (;;) {
		char *p = in->buf + in->start;
		char *nl = NULL;

		if (input_buffered(in) > scanned)
			nl = memchr(p + scanned, '\n', input_buffered(in) - scanned);

		if (nl != NULL && (uint64_t)(nl - p) > limits.text_line)
			return line_too_long(in);
		if (nl != NULL) {
			*nl = '\0';
			*line = p;
			*len = (size_t)(nl - p);
			*whole = true;
			in->start += *len + 1;
			return 1;
		}
		scanned = input_buffered(in);
		if (scanned > limits.text_line)
			return line_too_long(in);
		if (in->eof)
			break;
		if (in->failed || !read_more(in))
			return -1;
	}
	if (scanned == 0)
		return 0;
	/* The buffer always has a spare byte for this terminator. */
	in->buf[in->end] = '\0';
	*line = in->buf + in->start;
	*len = scanned;
	*whole = false;
	in->start = in->end;
	return 1;
}
