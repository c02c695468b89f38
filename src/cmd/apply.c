/*
 * pgmesh-apply: apply change text or pack streams to a database, exactly
 * once.
 *
 * Inputs are stdin, files (change text or a pack stream, told apart by
 * their first bytes) and spool directories (their frames applied per
 * origin in LSN order).  The work is the applier's (src/apply/); this file
 * parses options, opens the inputs and turns outcomes into exit codes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "apply/applier.h"
#include "apply/dbconn.h"
#include "apply/grants.h"
#include "apply/origin.h"
#include "apply/rejects.h"
#include "common/catalog.h"
#include "common/cli.h"
#include "common/input.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/textread.h"
#include "common/xalloc.h"
#include "pack/packread.h"
#include "spool/spool.h"
#include "spool/spoolfeed.h"

#define DEFAULT_GROUP 10000

struct settings {
	const char *conninfo;
	bool position;
	const char *origin;
	int group;
	bool sync;
	const char *rejects;
	struct grants *grants;
	char **inputs;
	int ninputs;
};

static const char usage[] =
    "usage: pgmesh-apply -d conninfo [-v] [--allow node:table] [--group n]\n"
    "                    [--rejects file] [--sync] [file | dir ...]\n"
    "       pgmesh-apply -d conninfo --position [--origin node]\n";

static int
parse_group(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < 1 || n > INT_MAX)
		die(EX_USAGE, "--group %s: want a number of transactions >= 1", s);
	return (int)n;
}

static void
parse_options(int argc, char **argv, struct settings *s)
{
	enum { OPT_POSITION = 256, OPT_ORIGIN, OPT_GROUP, OPT_SYNC,
	    OPT_REJECTS, OPT_ALLOW };
	static const struct option opts[] = {
		{ "dbname", required_argument, NULL, 'd' },
		{ "position", no_argument, NULL, OPT_POSITION },
		{ "origin", required_argument, NULL, OPT_ORIGIN },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "sync", no_argument, NULL, OPT_SYNC },
		{ "rejects", required_argument, NULL, OPT_REJECTS },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct cli cli = { usage, ":d:vhV", opts };
	int ch;

	while ((ch = cli_getopt(&cli, argc, argv)) != -1) {
		switch (ch) {
		case 'd': s->conninfo = optarg; break;
		case OPT_POSITION: s->position = true; break;
		case OPT_ORIGIN: s->origin = optarg; break;
		case OPT_GROUP: s->group = parse_group(optarg); break;
		case OPT_SYNC: s->sync = true; break;
		case OPT_REJECTS: s->rejects = optarg; break;
		case OPT_ALLOW:
			if (!grants_add(s->grants, optarg))
				die(EX_USAGE, "--allow %s: want NODE:SCHEMA.TABLE "
				    "(patterns allowed)", optarg);
			break;
		case 'v': verbosity++; break;
		}
	}
	s->inputs = argv + optind;
	s->ninputs = argc - optind;
}

static void
check_settings(const struct settings *s)
{
	bool applying = s->ninputs > 0 || s->rejects || s->sync ||
	    !grants_empty(s->grants) || s->group != DEFAULT_GROUP;

	if (s->conninfo == NULL)
		die(EX_USAGE, "-d conninfo is required");
	if (s->origin != NULL && !s->position)
		die(EX_USAGE, "--origin goes with --position");
	if (s->position && applying)
		die(EX_USAGE, "--position takes no input and no apply options");
	if (s->origin != NULL && !node_valid(s->origin, strlen(s->origin)))
		die(EX_USAGE, "--origin %s: not a node name (1 to %d of a-z 0-9 _ -)",
		    s->origin, NODE_MAX);
	if (!pgconn_check_conninfo(s->conninfo))
		exit(EX_USAGE);
}

/* --position: the flushed progress of one origin, or of all of them. */
static int
print_position(PGconn *c, const char *origin)
{
	struct dberror err;
	char lsn[LSN_BUFSIZE];
	PGresult *res;
	lsn_t at;

	if (origin != NULL) {
		if (!origin_progress(c, origin, true, &at, &err))
			goto failed;
		printf("%s\n", lsn_format(at, lsn));
		return 0;
	}
	if ((res = origin_list(c, &err)) == NULL)
		goto failed;
	for (int i = 0; i < PQntuples(res); i++)
		printf("%s\t%s\n", PQgetvalue(res, i, 0), PQgetisnull(res, i, 1) ?
		    "0/0" : PQgetvalue(res, i, 1));
	PQclear(res);
	return 0;
failed:
	log_error("reading replication origin progress: %s", err.message);
	if (dbconn_is(&err, SQLSTATE_INSUFFICIENT_PRIVILEGE))
		return EX_NOPERM;
	return err.lost ? EX_TEMPFAIL : EX_SOFTWARE;
}

static int
status_exit(enum apply_status st)
{
	switch (st) {
	case APPLY_OK: return 0;
	case APPLY_STOPPED: return EX_DATAERR;
	case APPLY_LOST: return EX_TEMPFAIL;
	case APPLY_NO_PERMISSION: return EX_NOPERM;
	case APPLY_IO_ERROR: return EX_IOERR;
	case APPLY_INTERNAL: return EX_SOFTWARE;
	}
	return EX_SOFTWARE;
}

/*
 * One input stream.  After bad data or a read error the whole transactions
 * before it are committed (the reader has aborted the broken one).
 */
static int
apply_input(struct applier *a, struct catalog *cat, struct input *in)
{
	const struct change_sink sink = applier_sink(a);
	enum read_result r;
	ssize_t n = input_fill(in, 8);

	if (n < 0)
		return EX_IOERR;
	if (n == 0)
		return 0;	/* nothing new upstream: not an error */
	if (textread_detect(in->buf + in->start, (size_t)n))
		r = textread_run(in, cat, &sink);
	else if (pack_detect((const unsigned char *)in->buf + in->start, (size_t)n))
		r = packread_run(in, cat, &sink, &(struct packread_options){ 0 });
	else {
		log_error("%s: neither change text nor a pack stream", in->name);
		return EX_DATAERR;
	}
	if (r == READ_SINK_FAILED || !applier_finish(a))
		return status_exit(applier_status(a));
	return r == READ_OK ? 0 : r == READ_IO_ERROR ? EX_IOERR : EX_DATAERR;
}

static int
apply_file(struct applier *a, struct catalog *cat, const char *path)
{
	struct input in;
	int rc;

	if (!input_open(&in, path))
		return EX_NOINPUT;
	rc = apply_input(a, cat, &in);
	input_close(&in);
	return rc;
}

/*
 * The frames of one origin in a spool, from entry first on, as one stream
 * (a transaction may span frames).  Frames at or below the origin's
 * progress are left out by their names alone.  Returns the exit status;
 * *next is the first entry of the next origin.
 */
static int
apply_spool_origin(struct applier *a, struct catalog *cat,
    const struct spool_entry *e, size_t n, size_t first, size_t *next)
{
	char **paths = xcalloc(n, sizeof(*paths));
	size_t npaths = 0, i;
	struct input in;
	lsn_t at;
	pid_t pid;
	int fd, rc;

	if (!applier_progress(a, e[first].origin, &at)) {
		free(paths);
		return status_exit(applier_status(a));
	}
	for (i = first; i < n && strcmp(e[i].origin, e[first].origin) == 0; i++)
		if (e[i].last_lsn > at)
			paths[npaths++] = e[i].path;
	*next = i;
	if (npaths == 0 || !spoolfeed_start(paths, npaths, &fd, &pid)) {
		free(paths);
		return npaths == 0 ? 0 : EX_OSERR;
	}
	free(paths);
	input_init_fd(&in, fd, e[first].path);
	rc = apply_input(a, cat, &in);
	input_close(&in);	/* closes fd: a child still writing stops */
	if (!spoolfeed_finish(pid, rc == 0) && rc == 0)
		rc = EX_IOERR;
	return rc;
}

/* A spool directory: each origin's frames in LSN order. */
static int
apply_spool(struct applier *a, struct catalog *cat, const char *dir)
{
	struct spool_entry *e;
	size_t n, i = 0;
	int rc = 0;

	if (!spool_list(dir, &e, &n))
		return EX_NOINPUT;
	while (i < n && rc == 0)
		rc = apply_spool_origin(a, cat, e, n, i, &i);
	spool_entries_free(e, n);
	return rc;
}

static int
apply_all(const struct settings *s, PGconn *c)
{
	struct applier_options o = { .group = s->group, .sync = s->sync,
	    .grants = s->grants };
	struct catalog *cat = catalog_new();
	struct applier *a = NULL;
	int rc = 0;

	if (s->rejects && (o.rejects = rejects_open(s->rejects)) == NULL)
		rc = EX_CANTCREAT;
	else if ((a = applier_new(c, &o)) == NULL)
		rc = status_exit(APPLY_LOST);
	else if (grants_empty(s->grants))
		log_notice("no --allow rule: every origin may insert into every "
		    "table");
	for (int i = 0; i < s->ninputs && rc == 0; i++) {
		struct stat st;

		if (stat(s->inputs[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = apply_spool(a, cat, s->inputs[i]);
		else
			rc = apply_file(a, cat, s->inputs[i]);
	}
	if (s->ninputs == 0 && rc == 0)
		rc = apply_file(a, cat, "-");
	if (a != NULL && verbosity > 0)
		applier_report(a);
	applier_free(a);
	rejects_close(o.rejects);
	catalog_free(cat);
	return rc;
}

int
main(int argc, char **argv)
{
	struct settings s = { .group = DEFAULT_GROUP, .grants = grants_new() };
	enum pgconn_failure failure;
	PGconn *c;
	int rc;

	log_init(argv[0]);
	parse_options(argc, argv, &s);
	check_settings(&s);
	if ((c = pgconn_connect(s.conninfo, false, &failure)) == NULL)
		rc = cli_connect_status(failure);
	else if (s.position)
		rc = print_position(c, s.origin);
	else
		rc = apply_all(&s, c);
	PQfinish(c);
	grants_free(s.grants);
	return rc;
}
