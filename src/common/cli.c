/*
 * cli.c: options read alike by every program (see cli.h).
 *
 * GNU getopt_long, told not to print (opterr = 0) and given a leading
 * ':', returns '?' for an unknown or ambiguous option and for an argument
 * given to a long option that takes none, ':' for a missing argument; it
 * leaves optopt at the option's value (0 for an unknown long option) and
 * optind past the argument that held a long option.  From those the
 * messages name the option as the user spelled it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "limits.h"
#include "log.h"
#include "version.h"

/* The long option in arg ("--name" or "--name=value"), as "--name". */
static const char *
long_name(const char *arg)
{
	static char name[64];

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	return name;
}

/* The options whose names start with what arg spells: more than one, and
 * none spelled whole, is ambiguous. */
static bool
ambiguous(const struct option *longopts, const char *arg)
{
	size_t len = strcspn(arg + 2, "=");
	int matches = 0;

	for (const struct option *o = longopts; o->name != NULL; o++) {
		if (strncmp(o->name, arg + 2, len) != 0)
			continue;
		if (o->name[len] == '\0')
			return false;
		matches++;
	}
	return matches > 1;
}

/* Is c an option the program has (a short one, or a long one's value)? */
static bool
known(const struct cli *cli, int c)
{
	if (c > 0 && c < 256 && c != ':' && strchr(cli->optstring, c) != NULL)
		return true;
	for (const struct option *o = cli->longopts; o->name != NULL; o++)
		if (o->flag == NULL && o->val == c)
			return true;
	return false;
}

static _Noreturn void
refuse(const struct cli *cli, char **argv)
{
	const char *arg = argv[optind - 1];
	bool spelled_long = strncmp(arg, "--", 2) == 0;

	if (optopt == 0 && ambiguous(cli->longopts, arg))
		log_error("option %s is ambiguous", long_name(arg));
	else if (optopt == 0)
		log_error("unknown option %s", long_name(arg));
	else if (known(cli, optopt) && spelled_long)
		log_error("option %s takes no argument", long_name(arg));
	else
		log_error("unknown option -%c", optopt);
	fputs(cli->usage, stderr);
	exit(EX_USAGE);
}

static _Noreturn void
missing_argument(const struct cli *cli, char **argv)
{
	const char *arg = argv[optind - 1];

	if (strncmp(arg, "--", 2) == 0)
		log_error("option %s needs an argument", long_name(arg));
	else
		log_error("option -%c needs an argument", optopt);
	fputs(cli->usage, stderr);
	exit(EX_USAGE);
}

int
cli_getopt(const struct cli *cli, int argc, char **argv)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, cli->optstring, cli->longopts,
	    NULL)) == CLI_LIMIT)
		if (!limits_set(optarg))
			exit(EX_USAGE);
	switch (c) {
	case 'h':
		fputs(cli->usage, stdout);
		exit(0);
	case 'V':
		printf("%s %s\n", progname, PGMESH_VERSION);
		exit(0);
	case ':':
		missing_argument(cli, argv);
	case '?':
		refuse(cli, argv);
	default:
		return c;
	}
}

int
cli_connect_status(enum pgconn_failure failure)
{
	switch (failure) {
	case PGCONN_BAD_SETTINGS:
		return EX_USAGE;
	case PGCONN_UNREACHABLE:
		return EX_TEMPFAIL;
	case PGCONN_REFUSED:
		break;
	}
	return EX_CONFIG;
}

long
cli_parse_age(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10), unit = 1;

	if (end == s || n <= 0)
		return -1;
	switch (*end) {
	case 'd': unit *= 24;	/* FALLTHROUGH */
	case 'h': unit *= 60;	/* FALLTHROUGH */
	case 'm': unit *= 60;	/* FALLTHROUGH */
	case 's': end++;	/* FALLTHROUGH */
	case '\0': break;
	default: return -1;
	}
	if (*end != '\0' || n > LONG_MAX / unit)
		return -1;
	return n * unit;
}
