/*
 * partial.c: removing a half-written file on exit or on a signal (see
 * partial.h).
 *
 * The signal handler may run at any point of the program, in any thread,
 * so it does only what is async-signal-safe: it reads the path set up
 * before (the flag is raised after the path is in place, and lowered
 * before it goes), unlinks it, and raises the signal again.  Installed
 * with SA_RESETHAND, the handler is gone by then: the signal, pending
 * until the handler returns, ends the program as it would have, and the
 * parent sees the signal in the exit status.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "partial.h"
#include "xalloc.h"

static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP };

static char *path;
static pid_t owner;
static volatile sig_atomic_t watching;

static void
remove_watched(void)
{
	if (watching && getpid() == owner)
		unlink(path);
}

static void
on_signal(int sig)
{
	remove_watched();
	raise(sig);
}

/* Catch the signals that would end the program by default, once. */
static void
catch_fatal_signals(void)
{
	static bool done;
	struct sigaction sa, old;

	if (done)
		return;
	done = true;
	atexit(remove_watched);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(*fatal_signals);
	    i++)
		if (sigaction(fatal_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL)
			sigaction(fatal_signals[i], &sa, NULL);
}

void
partial_watch(const char *file)
{
	catch_fatal_signals();
	partial_done();
	path = xstrdup(file);
	owner = getpid();
	atomic_signal_fence(memory_order_seq_cst);
	watching = 1;
}

void
partial_done(void)
{
	watching = 0;
	atomic_signal_fence(memory_order_seq_cst);
	free(path);
	path = NULL;
}
