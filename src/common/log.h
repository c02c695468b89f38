/*
 * log.h: messages on stderr, each starting with the program's name.
 *
 * Library code reports a failure once, where it starts, with log_error and
 * returns false; the program (src/cmd/) decides the exit status.  Only
 * programs call die().
 */
#ifndef PGMESH_LOG_H
#define PGMESH_LOG_H

#include <stdbool.h>
#include <sysexits.h>

#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))

extern const char *progname;	/* "pgmesh-capture", set by log_init */
extern int verbosity;		/* 0 quiet, 1 -v, 2 -vv */

void log_init(const char *argv0);
void log_error(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_warn(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_notice(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_verbose(const char *fmt, ...) PRINTFLIKE(1, 2);
_Noreturn void die(int status, const char *fmt, ...) PRINTFLIKE(2, 3);

#endif
