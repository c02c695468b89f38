/*
 * pgmesh-verify: prove that streams are whole and that peers hold the same
 * rows.
 *
 *	pgmesh-verify [FILE|DIR|-]...                    stream mode
 *	pgmesh-verify -d CONNINFO --lag [FILE|DIR|-]...  applied vs. stream head
 *	pgmesh-verify -d CONNINFO --digest [TABLE...]    digest of a database
 *	pgmesh-verify -d CONNINFO --compare FILE [TABLE...]
 *
 * Exit status, like diff(1): 0 all is well, 1 problems or differences
 * found, >= 64 (sysexits) could not verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cli.h"
#include "common/input.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/signers.h"
#include "common/xalloc.h"
#include "verify/digest.h"
#include "verify/digestcmp.h"
#include "verify/digestfile.h"
#include "verify/lag.h"
#include "verify/metrics.h"
#include "verify/streamcheck.h"

#define DEFAULT_KEY_LIMIT 20

enum mode { MODE_STREAM, MODE_LAG, MODE_DIGEST, MODE_COMPARE };

struct settings {
	enum mode mode;
	int nmodes;		/* how many mode options were given */
	const char *conninfo;
	const char *compare;	/* the other digest */
	const char *metrics;
	long buckets;		/* -1: not given */
	long keys;		/* -1: not given */
	const char *signers_file;
	struct signers signers;
	char **args;		/* inputs, or tables */
	int nargs;
};

enum {
	OPT_DIGEST = 256, OPT_COMPARE, OPT_BUCKETS, OPT_KEYS, OPT_LAG,
	OPT_METRICS, OPT_SIGNERS
};

static const struct option options[] = {
	{ "dbname", required_argument, NULL, 'd' },
	{ "digest", no_argument, NULL, OPT_DIGEST },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "lag", no_argument, NULL, OPT_LAG },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "signers", required_argument, NULL, OPT_SIGNERS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	CLI_LIMIT_OPTION,
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
    "usage: pgmesh-verify [-v] [--metrics file] [--signers file]\n"
    "                     [--limit name=size] [file | dir | - ...]\n"
    "       pgmesh-verify -d conninfo --lag [--metrics file] "
    "[--signers file]\n"
    "                     [file | dir | - ...]\n"
    "       pgmesh-verify -d conninfo --digest [--buckets n] [--keys n] "
    "[table ...]\n"
    "       pgmesh-verify -d conninfo --compare file | - [table ...]\n";

static long
parse_count(const char *s, const char *opt, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > max)
		die(EX_USAGE, "%s: want a number from 0 to %ld, not \"%s\"", opt,
		    max, s);
	return v;
}

static void
set_mode(struct settings *s, enum mode mode)
{
	s->mode = mode;
	s->nmodes++;
}

static void
parse_options(int argc, char **argv, struct settings *s)
{
	static const struct cli cli = { usage, ":d:vhV", options };
	int c;

	while ((c = cli_getopt(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'd': s->conninfo = optarg; break;
		case OPT_DIGEST: set_mode(s, MODE_DIGEST); break;
		case OPT_COMPARE: set_mode(s, MODE_COMPARE); s->compare = optarg; break;
		case OPT_LAG: set_mode(s, MODE_LAG); break;
		case OPT_BUCKETS:
			s->buckets = parse_count(optarg, "--buckets", DIGEST_MAX_BUCKETS);
			break;
		case OPT_KEYS: s->keys = parse_count(optarg, "--keys", 1000000); break;
		case OPT_METRICS: s->metrics = optarg; break;
		case OPT_SIGNERS: s->signers_file = optarg; break;
		case 'v': verbosity++; break;
		}
	}
	s->args = argv + optind;
	s->nargs = argc - optind;
}

/* Bad combinations, one flat line each. */
static void
check_settings(const struct settings *s)
{
	bool db = s->mode != MODE_STREAM;

	if (s->nmodes > 1)
		die(EX_USAGE, "choose one of --digest, --compare and --lag");
	if (db && s->conninfo == NULL)
		die(EX_USAGE, "--digest, --compare and --lag need -d CONNINFO");
	if (!db && s->conninfo != NULL)
		die(EX_USAGE, "-d needs --digest, --compare or --lag");
	if (s->buckets >= 0 && s->mode != MODE_DIGEST)
		die(EX_USAGE, "--buckets goes with --digest (--compare uses the "
		    "other digest's buckets)");
	if (s->keys >= 0 && s->buckets <= 0)
		die(EX_USAGE, "--keys needs --digest --buckets N");
	if (s->metrics != NULL && db && s->mode != MODE_LAG)
		die(EX_USAGE, "--metrics goes with stream mode or --lag");
	if (s->signers_file != NULL && db && s->mode != MODE_LAG)
		die(EX_USAGE, "--signers goes with stream mode or --lag");
	if (s->conninfo != NULL && !pgconn_check_conninfo(s->conninfo))
		exit(EX_USAGE);
}

static int
write_out(struct buf *out)
{
	if (!buf_write_fd(out, STDOUT_FILENO, "stdout"))
		return EX_IOERR;
	return 0;
}

static int
digest_status(enum digest_result r)
{
	return r == DIGEST_NO_TABLE ? EX_NOINPUT : EX_UNAVAILABLE;
}

static int
run_digest(const struct settings *s, PGconn *conn)
{
	struct digest d = { 0 };
	enum digest_result r;
	struct buf out;
	int status;

	d.nbuckets = s->buckets > 0 ? (unsigned)s->buckets : 0;
	d.key_limit = d.nbuckets == 0 ? 0 :
	    s->keys >= 0 ? (unsigned)s->keys : DEFAULT_KEY_LIMIT;
	d.all_tables = s->nargs == 0;
	r = digest_compute(conn, s->args, (size_t)s->nargs, false, &d);
	if (r != DIGEST_OK) {
		digest_free(&d);
		return digest_status(r);
	}
	buf_init(&out);
	digestfile_write(&d, &out);
	status = write_out(&out);
	buf_free(&out);
	digest_free(&d);
	return status;
}

/* Keep only the tables of theirs that ours has (those named here). */
static void
keep_named(struct digest *theirs, const struct digest *ours)
{
	size_t kept = 0;

	for (size_t i = 0; i < theirs->ntables; i++) {
		struct digest_table *t = &theirs->tables[i];
		bool named = false;

		for (size_t k = 0; k < ours->ntables && !named; k++)
			named = strcmp(t->name, ours->tables[k].name) == 0;
		if (named)
			theirs->tables[kept++] = *t;
		else
			digest_table_free(t);
	}
	theirs->ntables = kept;
}

/*
 * Which tables to compare: those named here (each must exist here); else
 * every table here when the other digest has every table of its database;
 * else its tables.
 */
static enum digest_result
compute_ours(const struct settings *s, PGconn *conn,
    struct digest *theirs, struct digest *ours)
{
	char **names;
	enum digest_result r;

	ours->nbuckets = theirs->nbuckets;
	if (s->nargs > 0) {
		r = digest_compute(conn, s->args, (size_t)s->nargs, false, ours);
		keep_named(theirs, ours);
		return r;
	}
	if (theirs->all_tables)
		return digest_compute(conn, NULL, 0, true, ours);
	names = xcalloc(theirs->ntables + 1, sizeof(*names));
	for (size_t i = 0; i < theirs->ntables; i++)
		names[i] = theirs->tables[i].name;
	r = digest_compute(conn, names, theirs->ntables, true, ours);
	free(names);
	return r;
}

static int
run_compare(const struct settings *s, PGconn *conn)
{
	struct digest theirs = { 0 }, ours = { 0 };
	struct input in;
	struct buf out;
	enum digest_result r;
	long differ = -1;
	int status;

	if (!input_open(&in, s->compare))
		return EX_NOINPUT;
	if (!digestfile_read(&in, &theirs)) {
		status = in.failed ? EX_IOERR : EX_DATAERR;
		goto done;
	}
	r = compute_ours(s, conn, &theirs, &ours);
	status = digest_status(r);
	buf_init(&out);
	if (r == DIGEST_OK)
		differ = digest_compare(conn, &theirs, &ours, in.name, &out);
	if (differ >= 0) {
		status = write_out(&out);
		if (status == 0 && differ > 0)
			status = 1;
	}
	if (differ >= 0 && status <= 1)
		log_verbose("%zu tables compared, %ld differ",
		    ours.ntables, differ);
	buf_free(&out);
done:
	input_close(&in);
	digest_free(&theirs);
	digest_free(&ours);
	return status;
}

/* Stream and lag mode: check every input, print the summary. */
static int
run_stream(const struct settings *s, PGconn *conn)
{
	static char *stdin_only[] = { "-" };
	struct streamcheck sc;
	char **args = s->nargs ? s->args : stdin_only;
	int nargs = s->nargs ? s->nargs : 1;
	int status = 0;
	struct buf out;

	streamcheck_init(&sc);
	sc.signers = s->signers_file != NULL ? &s->signers : NULL;
	if (conn != NULL && !lag_load(conn, &sc))
		status = EX_UNAVAILABLE;
	for (int i = 0; i < nargs && status == 0; i++) {
		enum check_status cs = streamcheck_path(&sc, args[i]);

		if (cs == CHECK_NO_INPUT)
			status = EX_NOINPUT;
		else if (cs == CHECK_IO_ERROR)
			status = EX_IOERR;
	}
	buf_init(&out);
	if (status == 0) {
		streamcheck_finish(&sc);
		streamcheck_print(&sc, conn != NULL, &out);
		status = write_out(&out);
	}
	if (s->metrics != NULL && !metrics_write_stream(s->metrics, &sc,
	    conn != NULL, status == 0) && status == 0)
		status = EX_CANTCREAT;
	if (status == 0 && sc.problems > 0)
		status = 1;
	buf_free(&out);
	streamcheck_free(&sc);
	return status;
}

int
main(int argc, char **argv)
{
	struct settings s = { .buckets = -1, .keys = -1 };
	enum pgconn_failure failure;
	PGconn *conn = NULL;
	int status;

	log_init(argv[0]);
	parse_options(argc, argv, &s);
	check_settings(&s);
	if (s.signers_file != NULL && !signers_load(s.signers_file, &s.signers))
		return EX_CONFIG;
	if (s.conninfo != NULL &&
	    (conn = pgconn_open(s.conninfo, false, &failure)) == NULL)
		return cli_connect_status(failure);
	switch (s.mode) {
	case MODE_DIGEST: status = run_digest(&s, conn); break;
	case MODE_COMPARE: status = run_compare(&s, conn); break;
	default: status = run_stream(&s, conn); break;
	}
	PQfinish(conn);
	signers_free(&s.signers);
	return status;
}
