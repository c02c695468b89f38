/*
 * transport.c: child processes and TCP sockets.  Nothing here goes through
 * a shell: children are started with execvp and an argv, and a command that
 * cannot be started is reported by the child on stderr and exits 127, like
 * a shell would.
 */
#define _GNU_SOURCE		/* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transport.h"
#include "common/log.h"
#include "common/xalloc.h"

/* What a pipe carrying frames may hold: a few frames of the default size,
 * and /proc/sys/fs/pipe-max-size's default, so no privilege is needed. */
#define PIPE_BYTES (1 << 20)

void
argv_init(struct argv *a)
{
	a->v = xcalloc(1, sizeof(*a->v));
	a->n = 0;
}

void
argv_add(struct argv *a, const char *s)
{
	a->v = xreallocarray(a->v, (size_t)a->n + 2, sizeof(*a->v));
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

void
argv_free(struct argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

bool
fd_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

/* pipe2(O_CLOEXEC) is a GNU extension; this is the POSIX spelling. */
static bool
pipe_cloexec(int p[2])
{
	if (pipe(p) != 0)
		return false;
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	return true;
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/* In the child: wire the pipes to 0, 1, 2 and exec. */
static _Noreturn void
exec_child(const struct argv *a, enum spawn_out out_mode, int in[2],
    int out[2], int err[2])
{
	dup2(in[0], STDIN_FILENO);
	if (out_mode == SPAWN_OUT_PIPE)
		dup2(out[1], STDOUT_FILENO);
	else if (out_mode == SPAWN_OUT_STDERR)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	if (err[1] >= 0)
		dup2(err[1], STDERR_FILENO);
	close_pair(in);
	close_pair(out);
	close_pair(err);
	/* The parent ignores SIGPIPE; the child's programs expect it. */
	signal(SIGPIPE, SIG_DFL);
	execvp(a->v[0], a->v);
	fprintf(stderr, "%s: cannot run %s: %s\n", progname, a->v[0],
	    strerror(errno));
	_exit(127);
}

void
transport_widen_pipe(int fd)
{
	/* Not a pipe, or over the user's pipe memory: it stays as it is. */
	(void)fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES);
}

bool
transport_spawn(const struct argv *a, enum spawn_out out_mode,
    bool take_err, struct child *c)
{
	bool take_out = out_mode == SPAWN_OUT_PIPE;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };

	if (!pipe_cloexec(in) ||
	    (take_out && !pipe_cloexec(out)) ||
	    (take_err && !pipe_cloexec(err))) {
		log_error("pipe for %s: %s", a->v[0], strerror(errno));
		close_pair(in);
		close_pair(out);
		close_pair(err);
		return false;
	}
	c->pid = fork();
	if (c->pid < 0) {
		log_error("fork for %s: %s", a->v[0], strerror(errno));
		close_pair(in);
		close_pair(out);
		close_pair(err);
		return false;
	}
	if (c->pid == 0)
		exec_child(a, out_mode, in, out, err);
	close(in[0]);
	transport_widen_pipe(in[1]);
	c->in = in[1];
	c->out = out[0];
	c->err = err[0];
	if (take_out)
		close(out[1]);
	if (take_err)
		close(err[1]);
	return true;
}

int
transport_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 128;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Wait for a non-blocking connect; 0 or an errno. */
static int
connect_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int n, err = 0;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return ETIMEDOUT;
	if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return errno;
	return err;
}

static int
connect_one(const struct addrinfo *ai, int timeout_ms, int *fd)
{
	int err;

	*fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (*fd < 0)
		return errno;
	if (!fd_set_nonblock(*fd))
		err = errno;
	else if (connect(*fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	else if (errno != EINPROGRESS)
		err = errno;
	else if ((err = connect_wait(*fd, timeout_ms)) == 0)
		return 0;
	close(*fd);
	*fd = -1;
	return err;
}

bool
transport_connect(const char *host, const char *port, int timeout_ms, int *fd)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc, err = 0;

	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_error("%s:%s: %s", host, port, gai_strerror(rc));
		return false;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if ((err = connect_one(ai, timeout_ms, fd)) == 0)
			break;
	freeaddrinfo(res);
	if (ai == NULL) {
		log_error("connect to %s port %s: %s", host, port, strerror(err));
		return false;
	}
	return true;
}

bool
transport_listen(const char *host, const char *port, int *fd)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE }, *res, *ai;
	int rc, on = 1, err = 0;

	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_error("listen on %s: %s", port, gai_strerror(rc));
		return false;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		*fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (*fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(*fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(*fd, 16) == 0)
			break;
		err = errno;
		close(*fd);
	}
	freeaddrinfo(res);
	if (ai == NULL) {
		log_error("listen on port %s: %s", port, strerror(err));
		return false;
	}
	return true;
}
