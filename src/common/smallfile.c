/*
 * smallfile.c: reading a small file whole, bounded.
 *
 * The file's size is taken from the open descriptor and checked against
 * the limit before anything is allocated; reading then stops at that size
 * plus one byte, so a file that grows while it is read is refused rather
 * than read past what was allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "smallfile.h"

/* Read fd to its end into out, which has room for size + 1 bytes: more
 * than size bytes is a file that grew.  False after log_error. */
static bool
read_bounded(int fd, const char *path, size_t size, struct buf *out)
{
	char *p = buf_reserve(out, size + 1);
	size_t got = 0;

	while (got <= size) {
		ssize_t n = read(fd, p + got, size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_error("%s: %s", path, strerror(errno));
			return false;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > size) {
		log_error("%s: changed while it was read", path);
		return false;
	}
	out->len = got;
	return true;
}

static bool
read_file(const char *path, size_t max, bool secret, struct buf *out)
{
	struct stat st;
	bool ok = false;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_error("%s: %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0)
		log_error("%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		log_error("%s: not a regular file", path);
	else if ((uintmax_t)st.st_size > max)
		log_error("%s: larger than %zu bytes", path, max);
	else if (secret && (st.st_mode & 077) != 0)
		log_error("%s: group or others may access it (mode %04o): "
		    "chmod 600 %s", path, (unsigned)(st.st_mode & 07777),
		    path);
	else
		ok = read_bounded(fd, path, (size_t)st.st_size, out);
	close(fd);
	return ok;
}

bool
smallfile_read(const char *path, size_t max, struct buf *out)
{
	return read_file(path, max, false, out);
}

bool
smallfile_read_secret(const char *path, size_t max, struct buf *out)
{
	return read_file(path, max, true, out);
}
