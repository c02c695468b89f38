/*
 * log.c: one line per message on stderr, prefixed with the program's name,
 * so that messages from a pipeline of pgmesh programs say who spoke.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"

const char *progname = "pgmesh";
int verbosity;

void
log_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	progname = slash ? slash + 1 : argv0;
}

static void log_line(const char *level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
log_line(const char *level, const char *fmt, va_list ap)
{
	/* One fprintf per part is fine: stderr is unbuffered, and lines from
	 * concurrent programs interleave by whole writes at worst.  What a
	 * message quotes may come from a sender: it is printed escaped, here,
	 * so that no caller can forget to. */
	char line[4096], shown[4 * sizeof(line)];

	vsnprintf(line, sizeof(line), fmt, ap);
	escape_printable(line, shown, sizeof(shown));
	fprintf(stderr, "%s: %s%s\n", progname, level, shown);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("warning: ", fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("notice: ", fmt, ap);
	va_end(ap);
}

void
log_verbose(const char *fmt, ...)
{
	va_list ap;

	if (verbosity == 0)
		return;
	va_start(ap, fmt);
	log_line("", fmt, ap);
	va_end(ap);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("", fmt, ap);
	va_end(ap);
	exit(status);
}
