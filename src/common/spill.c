/*
 * spill.c: the file behind a transaction too large for memory.
 *
 * Writes go at their offset, not at the file's position, so that a
 * truncated spill is simply written over.  The file is read back through a
 * window of a megabyte: readers go through a transaction in order, a row or
 * a COPY chunk at a time, and each window serves many of them.
 */
#define _GNU_SOURCE		/* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privfile.h"
#include "spill.h"

#define WINDOW_BYTES (1u << 20)

static const char what[] = "the temporary file of a large transaction";

void
spill_init(struct spill *s, uint64_t bound)
{
	buf_init(&s->mem);
	s->bound = bound;
	s->fd = -1;
	s->spilled = 0;
	buf_init(&s->window);
	s->window_at = 0;
}

void
spill_free(struct spill *s)
{
	buf_free(&s->mem);
	buf_free(&s->window);
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
}

uint64_t
spill_len(const struct spill *s)
{
	return s->spilled + s->mem.len;
}

static const char *
temp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir != NULL && *dir != '\0' ? dir : "/tmp";
}

/*
 * A private file in dir with no name: made unnamed where the system can
 * (no moment exists at which a kill leaves it behind), else named and
 * unlinked at once.  mkstemp makes it PRIVATE_FILE_MODE too.
 */
static int
temp_open(const char *dir)
{
	char path[PATH_MAX];
	int fd;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, PRIVATE_FILE_MODE);
	if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
#endif
	if (snprintf(path, sizeof(path), "%s/%s.XXXXXX", dir, progname) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(path);
	if (fd != -1)
		unlink(path);
	return fd;
}

bool
spill_settle(struct spill *s)
{
	if (s->mem.len < s->bound)
		return true;
	if (s->fd == -1 && (s->fd = temp_open(temp_dir())) == -1) {
		log_error("cannot create a temporary file in %s: %s",
		    temp_dir(), strerror(errno));
		return false;
	}
	if (lseek(s->fd, (off_t)s->spilled, SEEK_SET) == -1) {
		log_error("seek in %s: %s", what, strerror(errno));
		return false;
	}
	if (!write_all(s->fd, s->mem.data, s->mem.len, what))
		return false;
	s->spilled += s->mem.len;
	buf_reset(&s->mem);
	return true;
}

void
spill_truncate(struct spill *s, uint64_t len)
{
	if (len >= s->spilled) {
		s->mem.len = (size_t)(len - s->spilled);
		return;
	}
	buf_reset(&s->mem);
	buf_reset(&s->window);
	s->spilled = len;
	/* Only to give the disk back: what lies past len is written over. */
	if (ftruncate(s->fd, (off_t)len) != 0)
		log_warn("cannot shorten %s: %s", what, strerror(errno));
}

/* Read the window starting at off from the file. */
static bool
window_fill(struct spill *s, uint64_t off)
{
	size_t want = s->spilled - off < WINDOW_BYTES ?
	    (size_t)(s->spilled - off) : WINDOW_BYTES;
	size_t got = 0;
	char *p;

	buf_reset(&s->window);
	p = buf_reserve(&s->window, want);
	s->window_at = off;
	while (got < want) {
		ssize_t n = pread(s->fd, p + got, want - got,
		    (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_error("read of %s: %s", what,
			    n == 0 ? "file shrank" : strerror(errno));
			return false;
		}
		got += (size_t)n;
	}
	s->window.len = want;
	return true;
}

const char *
spill_view(struct spill *s, uint64_t off, size_t *len)
{
	const char *p;
	size_t have;

	if (off >= s->spilled) {
		p = s->mem.data + (off - s->spilled);
		have = s->mem.len - (size_t)(off - s->spilled);
	} else {
		if ((off < s->window_at ||
		    off >= s->window_at + s->window.len) && !window_fill(s, off))
			return NULL;
		p = s->window.data + (off - s->window_at);
		have = s->window.len - (size_t)(off - s->window_at);
	}
	if (*len > have)
		*len = have;
	return p;
}
