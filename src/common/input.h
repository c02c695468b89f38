/*
 * input.h: buffered reading from a file or pipe that knows when the input
 * has gone idle.
 *
 * Group commit (apply) and frame closing (pack) both hinge on one question:
 * "is more input already here, or would the next read block?"  Readers ask
 * input_ready(in, 0) before they block and tell their sink it is idle.
 * Offsets are counted from the start of the input so that messages can say
 * exactly where something was wrong.
 */
#ifndef PGMESH_INPUT_H
#define PGMESH_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct input {
	int fd;
	char *name;		/* "stdin" or the path, for messages */
	char *buf;
	size_t start;		/* next unread byte in buf */
	size_t end;		/* end of the bytes read into buf */
	size_t cap;
	uint64_t offset;	/* input offset of buf[0] */
	bool eof;
	bool failed;		/* a read error was reported */
	/* Bounds on a sender (input_set_timeouts); 0 for none. */
	int idle_s;
	int total_s;
	bool timed_out;		/* the failure was a bound running out */
	bool too_long;		/* the failure was a line above the limit */
	int64_t deadline_ms;	/* on CLOCK_MONOTONIC */
};

/* Open path for reading ("-" is stdin).  False after log_error. */
bool input_open(struct input *in, const char *path);
void input_init_fd(struct input *in, int fd, const char *name);
void input_close(struct input *in);

/*
 * From now on, fail a read (after log_error) that waits more than idle_s
 * seconds for data, or that would end more than total_s seconds from
 * now; 0 is no bound.  For inputs from a sender that may hold the reader
 * up forever.
 */
void input_set_timeouts(struct input *in, int idle_s, int total_s);

/* Input offset of the next unread byte. */
static inline uint64_t
input_tell(const struct input *in)
{
	return in->offset + in->start;
}

static inline size_t
input_buffered(const struct input *in)
{
	return in->end - in->start;
}

/*
 * Is there something to read (buffered bytes, or the fd readable or at
 * EOF) within timeout_ms?  0 polls, -1 waits.
 */
bool input_ready(struct input *in, int timeout_ms);

/*
 * Make at least n bytes available at in->buf + in->start, reading (and
 * blocking) as needed.  Returns the bytes available, fewer than n only at
 * EOF, or -1 after a read error was reported.
 */
ssize_t input_fill(struct input *in, size_t n);

/*
 * Next line, without its newline, NUL-terminated in place (valid until the
 * next call).  Returns 1 with a whole line, 0 at EOF, -1 on a read error
 * or (too_long set) a line longer than the text-line limit, which is not
 * read further, both reported.  A last line without its newline is
 * returned with *whole = false.
 */
int input_line(struct input *in, char **line, size_t *len, bool *whole);

/* Is a whole line already buffered (so reading it will not block)? */
bool input_has_line(const struct input *in);

/* Consume n bytes that input_fill made available. */
void input_skip(struct input *in, size_t n);

#endif
