/*
 * spoolfeed.c: a child that cats spool files into a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spoolfeed.h"
#include "common/buf.h"
#include "common/log.h"

static bool
copy_file(const char *path, int out)
{
	char chunk[64 * 1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		log_error("%s: %s", path, strerror(errno));
		return false;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_error("read from %s: %s", path, strerror(errno));
			close(fd);
			return false;
		}
		if (!write_all(out, chunk, (size_t)n, "pipe")) {
			close(fd);
			return false;
		}
	}
	close(fd);
	return true;
}

bool
spoolfeed_start(char *const *paths, size_t n, int *fd, pid_t *pid)
{
	int p[2];

	if (pipe(p) != 0) {
		log_error("pipe: %s", strerror(errno));
		return false;
	}
	if ((*pid = fork()) < 0) {
		log_error("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (*pid == 0) {
		/* The child: a reader that stopped early ends it quietly.
		 * Its exit status is for spoolfeed_finish alone: 0 when every
		 * file was copied. */
		signal(SIGPIPE, SIG_DFL);
		close(p[0]);
		for (size_t i = 0; i < n; i++)
			if (!copy_file(paths[i], p[1]))
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	*fd = p[0];
	return true;
}

bool
spoolfeed_finish(pid_t pid, bool read_all)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			log_error("waitpid: %s", strerror(errno));
			return false;
		}
	if (!read_all)
		return true;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
