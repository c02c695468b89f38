/*
 * transport.h: the byte pipes ship sends through: a child process (ssh, or
 * pgmesh-apply on the receiving side) started with execvp and an argv, and
 * TCP connections made and accepted the way netcat does.
 */
#ifndef PGMESH_TRANSPORT_H
#define PGMESH_TRANSPORT_H

#include <stdbool.h>
#include <sys/types.h>

/* A growable NULL-terminated argv. */
struct argv {
	char **v;
	int n;
};

void argv_init(struct argv *a);
void argv_add(struct argv *a, const char *s);
void argv_free(struct argv *a);

struct child {
	pid_t pid;
	int in;			/* write end of the child's stdin */
	int out;		/* read end of its stdout, -1 when not taken */
	int err;		/* read end of its stderr, -1 when inherited */
};

/* Where a child's stdout goes. */
enum spawn_out {
	SPAWN_OUT_INHERIT,
	SPAWN_OUT_PIPE,		/* to us, in child.out */
	SPAWN_OUT_STDERR	/* our stdout is taken: onto stderr */
};

/*
 * Start argv[0] (looked up in PATH) with a pipe to its stdin, its stdout as
 * asked, and when take_err a pipe from its stderr.  Our end of each pipe is
 * close-on-exec.  False after log_error.
 */
bool transport_spawn(const struct argv *a, enum spawn_out out_mode,
    bool take_err, struct child *c);
/*
 * Let the pipe at fd hold 1 MiB instead of 64 KiB, when it is a pipe and
 * the system allows it.  Frames then cross between ship and ssh (or sshd
 * and a receiver) in a few large writes instead of many wakeups of 64 KiB:
 * shipping over ssh went from 1.13-1.26x the time of cat | ssh to
 * 0.92-1.05x.
 */
void transport_widen_pipe(int fd);

/* Wait for the child; its exit status, or 128 + signal. */
int transport_wait(pid_t pid);

/*
 * A TCP connection to host:port: every address in turn, each connect
 * bounded by timeout_ms.  The socket is returned non-blocking.  False
 * after log_error naming what.
 */
bool transport_connect(const char *host, const char *port, int timeout_ms,
    int *fd);
/* A listening socket on [host:]port (host NULL: every address). */
bool transport_listen(const char *host, const char *port, int *fd);

bool fd_set_nonblock(int fd);

#endif
