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
#include <time.h>

#include "apply/applier.h"
#include "apply/continuity.h"
#include "apply/dbconn.h"
#include "apply/grants.h"
#include "apply/origin.h"
#include "apply/rejects.h"
#include "apply/snapload.h"
#include "apply/spoolread.h"
#include "common/catalog.h"
#include "common/cli.h"
#include "common/input.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/signers.h"
#include "common/textread.h"
#include "common/xalloc.h"
#include "pack/packread.h"
#include "spool/heads.h"
#include "spool/spoolack.h"

#define DEFAULT_GROUP 10000
/* How long a gap may hold an origin back before it is an error. */
#define DEFAULT_MAX_GAP_AGE 3600

struct settings {
	const char *conninfo;
	bool position;
	const char *origin;
	int group;
	bool sync;
	const char *rejects;
	struct grants *grants;
	struct heads accept;	/* --accept-gap */
	long max_gap_age;
	const char *ack;
	bool prune;
	bool replay;
	const char *snapshot_from;
	const char *signers_file;	/* --signers */
	struct signers signers;
	char **inputs;
	int ninputs;
};

static const char usage[] =
    "usage: pgmesh-apply -d conninfo [-v] --allow node:table | --allow-file file\n"
    "                    [--group n] [--rejects file] [--sync]\n"
    "                    [--max-gap-age age] [--accept-gap node:lsn]\n"
    "                    [--ack name | --prune] [--signers file]\n"
    "                    [--limit name=size] [file | dir ...]\n"
    "       pgmesh-apply -d conninfo [options] --replay file ...\n"
    "       pgmesh-apply -d conninfo --position [--origin node]\n"
    "       pgmesh-apply -d conninfo [-v] --allow node:table | --allow-file file\n"
    "                    [--signers file] [--limit name=size]\n"
    "                    --snapshot-from node [file ...]\n";

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

/* --accept-gap NODE:LSN */
static void
parse_accept(const char *arg, struct heads *accept)
{
	struct head g;
	const char *colon = strchr(arg, ':');

	if (colon == NULL || !node_valid(arg, (size_t)(colon - arg)) ||
	    !lsn_parse(colon + 1, strlen(colon + 1), &g.lsn))
		die(EX_USAGE, "--accept-gap %s: want NODE:LSN (a:0/16B3F08)", arg);
	snprintf(g.origin, sizeof(g.origin), "%.*s", (int)(colon - arg), arg);
	heads_raise(accept, g.origin, g.lsn);
}

static void
parse_options(int argc, char **argv, struct settings *s)
{
	enum { OPT_POSITION = 256, OPT_ORIGIN, OPT_GROUP, OPT_SYNC,
	    OPT_REJECTS, OPT_ALLOW, OPT_ALLOW_FILE, OPT_ACCEPT_GAP,
	    OPT_MAX_GAP_AGE, OPT_ACK, OPT_PRUNE, OPT_REPLAY, OPT_SNAPSHOT_FROM,
	    OPT_SIGNERS };
	static const struct option opts[] = {
		{ "dbname", required_argument, NULL, 'd' },
		{ "position", no_argument, NULL, OPT_POSITION },
		{ "origin", required_argument, NULL, OPT_ORIGIN },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "sync", no_argument, NULL, OPT_SYNC },
		{ "rejects", required_argument, NULL, OPT_REJECTS },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "allow-file", required_argument, NULL, OPT_ALLOW_FILE },
		{ "accept-gap", required_argument, NULL, OPT_ACCEPT_GAP },
		{ "max-gap-age", required_argument, NULL, OPT_MAX_GAP_AGE },
		{ "ack", required_argument, NULL, OPT_ACK },
		{ "prune", no_argument, NULL, OPT_PRUNE },
		{ "replay", no_argument, NULL, OPT_REPLAY },
		{ "snapshot-from", required_argument, NULL, OPT_SNAPSHOT_FROM },
		{ "signers", required_argument, NULL, OPT_SIGNERS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		CLI_LIMIT_OPTION,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct cli cli = { usage, ":d:vhV", opts };
	const char *why;
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
			if (!grants_add(s->grants, optarg, &why))
				die(EX_USAGE, "--allow %s: %s", optarg, why);
			break;
		case OPT_ALLOW_FILE:
			if (!grants_load(s->grants, optarg))
				exit(EX_USAGE);
			break;
		case OPT_ACCEPT_GAP: parse_accept(optarg, &s->accept); break;
		case OPT_MAX_GAP_AGE:
			if ((s->max_gap_age = cli_parse_age(optarg)) < 0)
				die(EX_USAGE, "--max-gap-age %s: expected N[smhd]",
				    optarg);
			break;
		case OPT_ACK:
			if (*optarg == '\0')
				die(EX_USAGE, "--ack: want a consumer's name");
			s->ack = optarg;
			break;
		case OPT_PRUNE: s->prune = true; break;
		case OPT_REPLAY: s->replay = true; break;
		case OPT_SNAPSHOT_FROM:
			if (!node_valid(optarg, strlen(optarg)))
				die(EX_USAGE, "--snapshot-from %s: not a node "
				    "name (1 to %d of a-z 0-9 _ -)", optarg,
				    NODE_MAX);
			s->snapshot_from = optarg;
			break;
		case OPT_SIGNERS: s->signers_file = optarg; break;
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
	    !grants_empty(s->grants) || s->group != DEFAULT_GROUP ||
	    s->accept.n > 0 || s->ack != NULL || s->prune || s->replay ||
	    s->max_gap_age != DEFAULT_MAX_GAP_AGE || s->signers_file != NULL;

	if (s->conninfo == NULL)
		die(EX_USAGE, "-d conninfo is required");
	if (s->origin != NULL && !s->position)
		die(EX_USAGE, "--origin goes with --position");
	if (s->position && applying)
		die(EX_USAGE, "--position takes no input and no apply options");
	/* Only rows need a grant: --position reads, and --accept-gap with
	 * no input moves a progress and inserts nothing. */
	if (!s->position && !(s->accept.n > 0 && s->ninputs == 0) &&
	    grants_empty(s->grants))
		die(EX_USAGE, "no --allow rule: " GRANTS_HINT);
	if (s->origin != NULL && !node_valid(s->origin, strlen(s->origin)))
		die(EX_USAGE, "--origin %s: not a node name (1 to %d of a-z 0-9 _ -)",
		    s->origin, NODE_MAX);
	for (int i = 0; s->replay && i < s->ninputs; i++) {
		struct stat st;

		if (stat(s->inputs[i], &st) == 0 && S_ISDIR(st.st_mode))
			die(EX_USAGE, "%s: --replay takes files, not spools",
			    s->inputs[i]);
	}
	if (s->replay && (s->ack != NULL || s->prune || s->accept.n > 0))
		die(EX_USAGE, "--replay goes alone: no --ack, --prune or "
		    "--accept-gap");
	if (s->snapshot_from != NULL && (s->position || s->replay ||
	    s->rejects || s->sync || s->group != DEFAULT_GROUP ||
	    s->accept.n > 0 || s->ack != NULL || s->prune ||
	    s->max_gap_age != DEFAULT_MAX_GAP_AGE))
		die(EX_USAGE, "--snapshot-from goes alone (with -v, --allow, "
		    "--signers and --limit)");
	for (int i = 0; s->snapshot_from != NULL && i < s->ninputs; i++) {
		struct stat st;

		if (stat(s->inputs[i], &st) == 0 && S_ISDIR(st.st_mode))
			die(EX_USAGE, "%s: --snapshot-from takes files, not "
			    "spools", s->inputs[i]);
	}
	if ((s->ack != NULL || s->prune) && s->ninputs == 0)
		die(EX_USAGE, "--ack and --prune take spool directories");
	for (int i = 0; (s->ack != NULL || s->prune) && i < s->ninputs; i++) {
		struct stat st;

		if (stat(s->inputs[i], &st) != 0 || !S_ISDIR(st.st_mode))
			die(EX_USAGE, "%s: --ack and --prune take spool "
			    "directories only", s->inputs[i]);
	}
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
 * One input: a stream of change text or pack frames, a new stream.  With
 * signers, only pack frames signed by their origin: change text names its
 * origin without proof, so it is refused whole.
 */
static enum read_result
read_stream(struct input *in, struct catalog *cat,
    const struct change_sink *sink, const struct signers *signers)
{
	ssize_t n = input_fill(in, 8);

	if (n < 0)
		return READ_IO_ERROR;
	if (n == 0)
		return READ_OK;	/* nothing new upstream: not an error */
	if (sink->restart != NULL && !sink->restart(sink->ctx))
		return READ_SINK_FAILED;
	if (textread_detect(in->buf + in->start, (size_t)n) && signers != NULL) {
		log_error("%s: change text cannot be signed, and --signers "
		    "takes only frames signed by their origin", in->name);
		return READ_BAD_DATA;
	}
	if (textread_detect(in->buf + in->start, (size_t)n))
		return textread_run(in, cat, sink);
	if (pack_detect((const unsigned char *)in->buf + in->start, (size_t)n))
		return packread_run(in, cat, sink,
		    &(struct packread_options){ .signers = signers });
	log_error("%s: neither change text nor a pack stream", in->name);
	return READ_BAD_DATA;
}

/* What a run met besides transactions applied. */
struct run {
	struct applier *a;
	struct continuity *cont;
	struct change_sink sink;	/* cont's, or the applier's (--replay) */
	struct catalog *cat;
	const struct signers *signers;	/* --signers, or NULL */
	size_t quarantined;	/* damaged spool files moved aside */
	bool bad_input;		/* a stream with bad data, reported */
};

/*
 * One input, file or spool.  Returns 0 or the exit status that ends the
 * run: bad data (the transactions before it committed; a cut one held
 * back) lets the other inputs go on.
 */
static int
apply_input(struct run *r, const char *path)
{
	enum read_result res;
	struct input in;
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		res = spoolread_run(path, r->cat, r->cont, r->signers,
		    &r->quarantined);
	else if (!input_open(&in, path))
		return EX_NOINPUT;
	else {
		/* A stream's gap cannot be older than the stream: its
		 * sender tries again, and the spool it comes from knows. */
		continuity_arrived(r->cont, time(NULL));
		res = read_stream(&in, r->cat, &r->sink, r->signers);
		input_close(&in);
	}
	if (res == READ_SINK_FAILED || !applier_finish(r->a))
		return status_exit(applier_status(r->a));
	r->bad_input |= res == READ_BAD_DATA;
	return res == READ_IO_ERROR ? EX_IOERR : 0;
}

/* --accept-gap: raise the origins' progress before anything is read. */
static int
accept_gaps(const struct settings *s, PGconn *c)
{
	char was[LSN_BUFSIZE], to[LSN_BUFSIZE];
	struct dberror err;
	lsn_t before;

	for (size_t i = 0; i < s->accept.n; i++) {
		const struct head *g = &s->accept.v[i];

		if (!origin_raise(c, g->origin, g->lsn, &before, &err)) {
			log_error("--accept-gap %s: %s", g->origin, err.message);
			return dbconn_temporary(&err) ? EX_TEMPFAIL : EX_SOFTWARE;
		}
		lsn_format(before, was);
		lsn_format(g->lsn, to);
		if (before >= g->lsn)
			log_notice("origin %s: already at %s, --accept-gap %s "
			    "changes nothing", g->origin, was, to);
		else
			log_warn("origin %s: progress raised from %s to %s "
			    "(--accept-gap): its transactions in between will "
			    "never be applied here", g->origin, was, to);
	}
	return 0;
}

/* --ack and --prune: tell each spool what this database holds durably,
 * and remove what every consumer of it holds. */
static int
ack_spools(const struct settings *s, PGconn *c)
{
	const char *name = s->ack != NULL ? s->ack : PQdb(c);
	struct prune_result pruned;
	struct dberror err;
	struct heads h;
	bool ok;

	heads_init(&h);
	if (!origin_heads(c, &h, &err)) {
		log_error("reading replication origin progress: %s", err.message);
		heads_free(&h);
		return err.lost ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	ok = true;
	for (int i = 0; ok && i < s->ninputs; i++) {
		ok = spoolack_write(s->inputs[i], name, &h);
		if (ok && s->prune) {
			ok = spoolack_prune_recorded(s->inputs[i], &pruned);
			log_verbose("%s: pruned %zu frames, kept %zu that a "
			    "consumer lacks", s->inputs[i], pruned.removed,
			    pruned.kept);
		}
	}
	heads_free(&h);
	return ok ? 0 : EX_IOERR;
}

/* What the run leaves undone: bad input, and origins held back behind a
 * gap (75: the missing frames may still come; 65 once they have been
 * missing longer than --max-gap-age). */
static int
undone_status(const struct settings *s, struct run *r)
{
	double oldest;
	size_t held = continuity_report(r->cont, time(NULL), &oldest);

	if (r->quarantined > 0)
		log_error("%zu damaged frame files moved into quarantine",
		    r->quarantined);
	if (r->bad_input || r->quarantined > 0)
		return EX_DATAERR;
	if (held == 0)
		return 0;
	if (oldest > (double)s->max_gap_age) {
		log_error("a gap has held back an origin for %.0f s, longer "
		    "than --max-gap-age (%ld s)", oldest, s->max_gap_age);
		return EX_DATAERR;
	}
	return EX_TEMPFAIL;
}

static bool
applier_stands(void *ctx, const char *origin, lsn_t *lsn)
{
	return applier_progress(ctx, origin, lsn);
}

/*
 * --snapshot-from: load the snapshots of one node, each whole or not at
 * all, then raise progress to their watermarks (snapload.h).
 */
static int
load_snapshots(const struct settings *s, PGconn *c)
{
	struct snapload *l = snapload_new(c, s->snapshot_from, s->grants);
	struct change_sink sink = snapload_sink(l);
	struct catalog *cat = catalog_new();
	enum read_result res = READ_OK;
	int rc = 0;

	for (int i = 0; rc == 0 && i < (s->ninputs > 0 ? s->ninputs : 1); i++) {
		const char *path = s->ninputs > 0 ? s->inputs[i] : "-";
		struct input in;

		if (!input_open(&in, path)) {
			rc = EX_NOINPUT;
			break;
		}
		/* With --signers, only a packed snapshot whose every frame
		 * its source signed: change text is refused, as for streams. */
		res = read_stream(&in, cat, &sink,
		    s->signers_file != NULL ? &s->signers : NULL);
		input_close(&in);
		if (res == READ_SINK_FAILED)
			rc = status_exit(snapload_status(l));
		else if (res == READ_IO_ERROR)
			rc = EX_IOERR;
		else if (res != READ_OK)
			rc = EX_DATAERR;	/* bad or cut short: nothing of it */
	}
	if (rc == 0 && snapload_done(l) == 0) {
		log_error("no snapshot in the input");
		rc = EX_DATAERR;
	}
	snapload_free(l);
	catalog_free(cat);
	return rc;
}

static int
apply_all(const struct settings *s, PGconn *c)
{
	struct applier_options o = { .group = s->group, .sync = s->sync,
	    .grants = s->grants, .replay = s->replay };
	struct run r = { .cat = catalog_new(),
	    .signers = s->signers_file != NULL ? &s->signers : NULL };
	struct change_sink sink;
	int rc = accept_gaps(s, c);

	if (rc == 0 && s->rejects && (o.rejects = rejects_open(s->rejects)) == NULL)
		rc = EX_CANTCREAT;
	else if (rc == 0 && (r.a = applier_new(c, &o)) == NULL)
		rc = status_exit(APPLY_LOST);
	if (rc == 0) {
		/* A replay is a repair, of what an operator names: claims
		 * and gaps do not concern it. */
		sink = applier_sink(r.a);
		r.cont = continuity_new(&sink, applier_stands, r.a);
		r.sink = s->replay ? sink : continuity_sink(r.cont);
	}
	for (int i = 0; i < s->ninputs && rc == 0; i++)
		rc = apply_input(&r, s->inputs[i]);
	if (s->ninputs == 0 && s->accept.n == 0 && rc == 0)
		rc = apply_input(&r, "-");
	if (r.cont != NULL)
		rc = rc != 0 ? rc : undone_status(s, &r);
	if ((rc == 0 || rc == EX_TEMPFAIL || rc == EX_DATAERR) &&
	    (s->ack != NULL || s->prune) && r.a != NULL &&
	    applier_status(r.a) != APPLY_LOST) {
		int acked = ack_spools(s, c);

		rc = rc != 0 ? rc : acked;
	}
	if (r.a != NULL && verbosity > 0)
		applier_report(r.a);
	continuity_free(r.cont);
	applier_free(r.a);
	rejects_close(o.rejects);
	catalog_free(r.cat);
	return rc;
}

int
main(int argc, char **argv)
{
	struct settings s = { .group = DEFAULT_GROUP, .grants = grants_new(),
	    .max_gap_age = DEFAULT_MAX_GAP_AGE };
	enum pgconn_failure failure;
	PGconn *c = NULL;
	int rc;

	log_init(argv[0]);
	parse_options(argc, argv, &s);
	check_settings(&s);
	if (s.signers_file != NULL && !signers_load(s.signers_file, &s.signers))
		rc = EX_CONFIG;
	else if ((c = pgconn_connect(s.conninfo, false, &failure)) == NULL)
		rc = cli_connect_status(failure);
	else if (s.position)
		rc = print_position(c, s.origin);
	else if (s.snapshot_from != NULL)
		rc = load_snapshots(&s, c);
	else
		rc = apply_all(&s, c);
	PQfinish(c);
	grants_free(s.grants);
	heads_free(&s.accept);
	signers_free(&s.signers);
	return rc;
}
