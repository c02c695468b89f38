/*
 * cli.h: what every program's main does alike with its command line.
 *
 * Options are read with getopt_long through cli_getopt, and getopt never
 * prints: -h/--help prints the usage on stdout and exits 0, -V/--version
 * prints the program's name and version and exits 0, and an unknown
 * option or a missing argument is said in our words, the usage after it
 * on stderr, exit 64.  What is left for the program's own switch are its
 * options.
 */
#ifndef PGMESH_CLI_H
#define PGMESH_CLI_H

#include <getopt.h>

#include "pgconn.h"

struct cli {
	const char *usage;		/* "usage: pgmesh-NAME ...\n": the man
					 * page's SYNOPSIS, in 80 columns */
	const char *optstring;		/* getopt's, starting with ':' (so that
					 * a missing argument is told apart)
					 * and holding "hV" */
	const struct option *longopts;	/* with "help" as 'h' and "version"
					 * as 'V' */
};

/*
 * --limit NAME=SIZE (limits.h), for the long options of every program that
 * reads what others send: cli_getopt sets the limit itself, or exits 64
 * after saying what is wrong with it.
 */
#define CLI_LIMIT 0x4c494d
#define CLI_LIMIT_OPTION { "limit", required_argument, NULL, CLI_LIMIT }

/* The next option, as getopt_long returns it, or -1 after the last. */
int cli_getopt(const struct cli *cli, int argc, char **argv);

/*
 * The exit status for a connection that failed: 75 (EX_TEMPFAIL) when no
 * server answered, 78 (EX_CONFIG) when one refused, 64 (EX_USAGE) when
 * libpq could not use the settings.
 */
int cli_connect_status(enum pgconn_failure failure);

/* An age as options take it, "90", "90s", "15m", "12h", "7d": seconds,
 * or -1 when it is not one. */
long cli_parse_age(const char *s);

#endif
