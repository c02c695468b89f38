/*
 * pgmesh-ship: move pack streams between machines and keep
 * store-and-forward spools.
 *
 *	pgmesh-ship [options] [SOURCE] DEST...	send (fan-out)
 *	pgmesh-ship --receive DIR|- [--apply CONNINFO] [--listen PORT]
 *
 * Sending reads frames from stdin or a spool and streams them to each
 * destination independently (fanout.c).  Receiving checks each frame and
 * stores it atomically, passes it to stdout, or hands it to pgmesh-apply
 * (receive.c).  Over ssh the two talk a little first (shipproto.h) so that
 * nothing the receiver holds is sent again.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/signers.h"
#include "common/xalloc.h"
#include "ship/dest.h"
#include "ship/fanout.h"
#include "ship/receive.h"
#include "ship/shipproto.h"
#include "spool/chain.h"
#include "spool/spool.h"
#include "spool/spoolack.h"

#define MAX_SSH_OPTIONS 32

struct settings {
	bool position;			/* --position */
	const char *origin;		/* --origin NODE, with --position */
	const char *receive;		/* --receive DIR|- */
	const char *apply;		/* --apply CONNINFO */
	/* --allow RULE and --allow-file FILE, passed on to pgmesh-apply as
	 * given: the grants are this machine's, never the sender's. */
	const char *grants[2 * MAX_SSH_OPTIONS];
	int ngrants;
	const char *listen;		/* --listen [HOST:]PORT */
	bool digest_only;
	long idle_timeout;		/* --idle-timeout, seconds, 0 none */
	long total_timeout;		/* --total-timeout */
	long max_clients;		/* --max-clients, 0 for the default */
	const char *ssh_options[MAX_SSH_OPTIONS];
	int nssh_options;
	const char *exclude[MAX_SSH_OPTIONS];
	int nexclude;
	struct ssh_settings ssh;
	bool prune;
	bool force;
	long max_age;			/* seconds, 0 none */
	const char *signers_file;	/* --signers FILE */
	struct signers signers;
	const char *source;		/* "-" or a spool */
	char **dests;
	int ndests;
};

static const struct option longopts[] = {
	{ "allow", required_argument, NULL, 'G' },
	{ "allow-file", required_argument, NULL, 'g' },
	{ "apply", required_argument, NULL, 'A' },
	{ "connect-timeout", required_argument, NULL, 'T' },
	{ "digest-only", no_argument, NULL, 'D' },
	{ "exclude-origin", required_argument, NULL, 'x' },
	{ "force", no_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	CLI_LIMIT_OPTION,
	{ "idle-timeout", required_argument, NULL, 'I' },
	{ "identity", required_argument, NULL, 'i' },
	{ "listen", required_argument, NULL, 'L' },
	{ "max-age", required_argument, NULL, 'M' },
	{ "max-clients", required_argument, NULL, 'C' },
	{ "origin", required_argument, NULL, 'O' },
	{ "position", no_argument, NULL, 'p' },
	{ "prune", no_argument, NULL, 'P' },
	{ "receive", required_argument, NULL, 'R' },
	{ "remote-apply", required_argument, NULL, 'a' },
	{ "remote-ship", required_argument, NULL, 'r' },
	{ "signers", required_argument, NULL, 'K' },
	{ "ssh", required_argument, NULL, 'S' },
	{ "ssh-option", required_argument, NULL, 'o' },
	{ "total-timeout", required_argument, NULL, 'W' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
    "usage: pgmesh-ship [-v] [-i identity] [-o ssh_option] [-x node]\n"
    "                   [--connect-timeout secs] [--remote-ship path]\n"
    "                   [--remote-apply conninfo] [--ssh program]\n"
    "                   [--signers file] [--prune [--max-age age [--force]]]\n"
    "                   [source] dest ...\n"
    "       pgmesh-ship [-v] --receive dir|- [--digest-only] [--signers file]\n"
    "                   [--apply conninfo --allow node:table | --allow-file file]\n"
    "                   [--listen [host:]port [--max-clients n]]\n"
    "                   [--idle-timeout secs] [--total-timeout secs]\n"
    "                   [--limit name=size]\n"
    "       pgmesh-ship --position [--origin node] spool\n";

static void
add_option(const char **v, int *n, const char *value, const char *what)
{
	if (*n == MAX_SSH_OPTIONS)
		die(EX_USAGE, "at most %d %s options", MAX_SSH_OPTIONS, what);
	v[(*n)++] = value;
}

/* A grant option for pgmesh-apply, kept as the option and its value. */
static void
add_grant(struct settings *s, const char *option, const char *value)
{
	if (s->ngrants == 2 * MAX_SSH_OPTIONS)
		die(EX_USAGE, "at most %d --allow and --allow-file options",
		    MAX_SSH_OPTIONS);
	s->grants[s->ngrants++] = option;
	s->grants[s->ngrants++] = value;
}

/* A whole number of at least min and at most 20 days in seconds (far
 * beyond any sensible bound, and within poll's int of milliseconds). */
static long
parse_count(const char *opt, const char *arg, long min)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < min || v > 20L * 86400)
		die(EX_USAGE, "%s %s: want a whole number from %ld", opt, arg, min);
	return v;
}

static void
parse_options(int argc, char **argv, struct settings *s)
{
	static const struct cli cli = { usage, ":hi:o:vVx:", longopts };
	int c;
	char *end;

	while ((c = cli_getopt(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'A': s->apply = optarg; break;
		case 'G': add_grant(s, "--allow", optarg); break;
		case 'g': add_grant(s, "--allow-file", optarg); break;
		case 'D': s->digest_only = true; break;
		case 'a': s->ssh.remote_apply = optarg; break;
		case 'F': s->force = true; break;
		case 'i': s->ssh.identity = optarg; break;
		case 'L': s->listen = optarg; break;
		case 'P': s->prune = true; break;
		case 'p': s->position = true; break;
		case 'O':
			if (!node_valid(optarg, strlen(optarg)))
				die(EX_USAGE, "--origin %s: not a node name", optarg);
			s->origin = optarg;
			break;
		case 'R': s->receive = optarg; break;
		case 'K': s->signers_file = optarg; break;
		case 'r': s->ssh.remote_ship = optarg; break;
		case 'S': s->ssh.program = optarg; break;
		case 'v': verbosity++; break;
		case 'o':
			add_option(s->ssh_options, &s->nssh_options, optarg, "-o");
			break;
		case 'x':
			if (!node_valid(optarg, strlen(optarg)))
				die(EX_USAGE, "--exclude-origin %s: not a node name",
				    optarg);
			add_option(s->exclude, &s->nexclude, optarg, "-x");
			break;
		case 'M':
			if ((s->max_age = cli_parse_age(optarg)) < 0)
				die(EX_USAGE, "--max-age %s: expected N[smhd]", optarg);
			break;
		case 'I':
			s->idle_timeout = parse_count("--idle-timeout", optarg, 0);
			break;
		case 'W':
			s->total_timeout = parse_count("--total-timeout", optarg, 0);
			break;
		case 'C':
			s->max_clients = parse_count("--max-clients", optarg, 1);
			break;
		case 'T':
			s->ssh.connect_timeout = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || s->ssh.connect_timeout <= 0)
				die(EX_USAGE, "--connect-timeout %s: expected seconds",
				    optarg);
			break;
		}
	}
	s->ssh.options = s->ssh_options;
	s->ssh.noptions = s->nssh_options;
	/* One argument is a destination; with more, the first is the source. */
	argc -= optind;
	argv += optind;
	if (argc >= 2) {
		s->source = argv[0];
		argc--;
		argv++;
	}
	s->dests = argv;
	s->ndests = argc;
}

static void
check_options(const struct settings *s)
{
	bool sending = s->receive == NULL;

	if (s->origin != NULL && !s->position)
		die(EX_USAGE, "--origin goes with --position");
	if (s->position) {
		if (s->ndests != 1 || strcmp(s->source, "-") != 0 || !sending ||
		    s->signers_file != NULL)
			die(EX_USAGE, "--position takes one spool directory");
		return;
	}

	if (!sending && s->ndests > 0)
		die(EX_USAGE, "--receive takes no source or destination");
	if (sending && s->ndests == 0)
		die(EX_USAGE, "no destination (see --help)");
	if (sending && (s->apply || s->listen || s->digest_only))
		die(EX_USAGE, "--apply, --digest-only and --listen go with --receive");
	if (s->ngrants > 0 && s->apply == NULL)
		die(EX_USAGE, "--allow and --allow-file go with --apply");
	if (s->apply != NULL && s->ngrants == 0)
		die(EX_USAGE, "--apply without --allow: say which origins may "
		    "insert into which tables, as in --allow 'a:public.*' "
		    "(--allow '*:*' grants every table)");
	if (s->max_clients && !s->listen)
		die(EX_USAGE, "--max-clients goes with --listen");
	if (!sending && (s->prune || s->nexclude || s->ssh.remote_apply))
		die(EX_USAGE, "--prune, -x and --remote-apply are for sending");
	if (!sending && strcmp(s->receive, "-") == 0 && s->apply == NULL &&
	    isatty(STDOUT_FILENO))
		die(EX_USAGE, "refusing to write a pack stream to a terminal");
	if (s->prune && strcmp(s->source, "-") == 0)
		die(EX_USAGE, "--prune needs a spool as the source");
	if (s->max_age && !s->prune)
		die(EX_USAGE, "--max-age goes with --prune");
	if (s->force && !s->max_age)
		die(EX_USAGE, "--force needs --max-age");
	if (sending && strcmp(s->source, "-") == 0 && isatty(STDIN_FILENO))
		die(EX_USAGE, "refusing to read a pack stream from a terminal");
}

/* pgmesh-apply next to this program when it was run by path. */
static char *
apply_program(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	char *path;

	if (slash == NULL)
		return xstrdup("pgmesh-apply");
	path = xmalloc((size_t)(slash - argv0) + sizeof("/pgmesh-apply"));
	memcpy(path, argv0, (size_t)(slash - argv0));
	strcpy(path + (slash - argv0), "/pgmesh-apply");
	return path;
}

static int
receive_exit(struct receive_result r)
{
	switch (r.outcome) {
	case RECEIVE_OK:
		return EX_OK;
	case RECEIVE_BAD_FRAME:
	case RECEIVE_REFUSED:
		return EX_DATAERR;
	case RECEIVE_IO_ERROR:
		return EX_IOERR;
	case RECEIVE_TIMED_OUT:
	case RECEIVE_NO_ROOM:
		return EX_TEMPFAIL;
	case RECEIVE_APPLY_FAILED:
		/* pgmesh-apply's own status, when in sysexits' range;
		 * anything else (a crash, a signal, 127 for a program not
		 * found) is an internal error. */
		return r.apply_status < 64 || r.apply_status > 78 ?
		    EX_SOFTWARE : r.apply_status;
	case RECEIVE_CANT_LISTEN:
		return EX_UNAVAILABLE;
	case RECEIVE_ACCEPT_FAILED:
		return EX_OSERR;
	}
	return EX_SOFTWARE;
}

/* --listen: a connection that ended badly, with the status that receiving
 * it alone would have exited with. */
static void
report_dropped(const char *peer, struct receive_result r)
{
	if (r.outcome == RECEIVE_REFUSED)
		log_error("%s: %llu bad frames refused, the others taken", peer,
		    (unsigned long long)r.refused);
	else
		log_error("%s: connection dropped (status %d)", peer,
		    receive_exit(r));
}

static int
run_receive(const struct settings *s, const char *argv0)
{
	struct receive_settings r = { 0 };
	char *program = apply_program(argv0);
	char *host = NULL;
	const char *port = s->listen;
	struct receive_result res;

	r.dir = strcmp(s->receive, "-") == 0 ? NULL : s->receive;
	r.apply = s->apply;
	r.grants = s->grants;
	r.ngrants = s->ngrants;
	r.signers = s->signers_file != NULL ? &s->signers : NULL;
	r.signers_file = s->signers_file;
	r.apply_program = program;
	r.digest_only = s->digest_only;
	r.idle_s = (int)s->idle_timeout;
	r.total_s = (int)s->total_timeout;
	/* Connections to one database are applied in turn: concurrent
	 * pgmesh-apply runs would contend for its origins' progress. */
	r.max_clients = s->apply != NULL ? 1 : s->max_clients ?
	    (int)s->max_clients : LIMIT_LISTEN_CLIENTS;
	if (s->listen == NULL) {
		/* stdout is free for the resume protocol unless it carries
		 * the frames themselves. */
		r.handshake = r.dir != NULL || r.apply != NULL;
		res = receive_stream(&r, STDIN_FILENO, "stdin", STDOUT_FILENO);
	} else {
		const char *colon = strrchr(s->listen, ':');

		/* Nothing open beyond this machine unless asked: tcp carries
		 * no authentication. */
		if (colon == NULL)
			host = xstrdup("127.0.0.1");
		else if (s->listen[0] == '[' && colon > s->listen && colon[-1] == ']')
			host = xstrndup(s->listen + 1, (size_t)(colon - s->listen - 2));
		else
			host = xstrndup(s->listen, (size_t)(colon - s->listen));
		port = colon != NULL ? colon + 1 : s->listen;
		res = receive_listen(&r, host, port, report_dropped);
	}
	free(host);
	free(program);
	return receive_exit(res);
}

/*
 * What the spool holds whole, per origin, in the form pgmesh-capture's
 * --after takes: the position of an outbox spool is where capture resumes.
 */
static int
run_position(const struct settings *s)
{
	const char *spool = s->dests[0];
	char lsn[LSN_BUFSIZE];
	struct heads h;

	heads_init(&h);
	/* A position is confirmed upstream: it must not count frames whose
	 * names a crash could still take back. */
	if (!spool_sync(spool) || !chain_heads(spool, &h)) {
		heads_free(&h);
		return EX_NOINPUT;
	}
	if (s->origin != NULL)
		printf("%s\n", lsn_format(heads_get(&h, s->origin), lsn));
	for (size_t i = 0; s->origin == NULL && i < h.n; i++)
		printf("%s\t%s\n", h.v[i].origin, lsn_format(h.v[i].lsn, lsn));
	heads_free(&h);
	return EX_OK;
}

/* What each downstream holds, for pruning: its record, and everything of
 * the origins it is never sent. */
static bool
downstream_heads(const struct settings *s, const struct dest *d,
    struct heads *h)
{
	if (!spoolack_read(s->source, d->name, h))
		return false;
	if (d->node[0] != '\0')
		heads_raise(h, d->node, UINT64_MAX);
	for (int i = 0; i < s->nexclude; i++)
		heads_raise(h, s->exclude[i], UINT64_MAX);
	return true;
}

static bool
is_dest(const struct settings *s, const struct dest *dests, const char *name)
{
	for (int i = 0; i < s->ndests; i++)
		if (strcmp(dests[i].name, name) == 0)
			return true;
	return false;
}

/*
 * What every consumer of the source spool holds: the destinations of this
 * run, and every other consumer that keeps a record in it (a database that
 * applies it, pgmesh-apply --ack; a destination of another round): a frame
 * goes only when none of them lacks it.  *n heads into *h.
 */
static bool
consumer_heads(const struct settings *s, const struct dest *dests,
    struct heads **h, size_t *n)
{
	char **names;
	struct heads *records;
	size_t nrecords;
	bool ok = true;

	if (!spoolack_consumers(s->source, &names, &records, &nrecords))
		return false;
	*h = xcalloc((size_t)s->ndests + nrecords + 1, sizeof(**h));
	for (*n = 0; ok && *n < (size_t)s->ndests; (*n)++)
		ok = downstream_heads(s, &dests[*n], &(*h)[*n]);
	for (size_t i = 0; ok && i < nrecords; i++) {
		if (is_dest(s, dests, names[i]))
			continue;
		for (size_t k = 0; k < records[i].n; k++)
			heads_raise(&(*h)[*n], records[i].v[k].origin,
			    records[i].v[k].lsn);
		(*n)++;
	}
	spoolack_consumers_free(names, records, nrecords);
	return ok;
}

static int
run_prune(const struct settings *s, const struct dest *dests)
{
	struct heads *h = NULL;
	struct prune_result res;
	size_t n = 0;
	bool ok = consumer_heads(s, dests, &h, &n);

	if (ok)
		ok = spoolack_prune(s->source, h, n, s->max_age, s->force, &res);
	for (size_t i = 0; h != NULL && i <= n; i++)
		heads_free(&h[i]);
	free(h);
	if (!ok)
		return EX_IOERR;
	if (res.stale > 0)
		log_warn("%s: %zu frames older than --max-age are still lacked "
		    "by a consumer (--force removes them)", s->source, res.stale);
	log_verbose("%s: pruned %zu frames (%zu forced by age), kept %zu "
	    "that a consumer lacks", s->source, res.removed, res.forced,
	    res.kept);
	return EX_OK;
}

static int
fanout_exit(enum fanout_result r)
{
	switch (r) {
	case FANOUT_OK:
		return EX_OK;
	case FANOUT_NO_SOURCE:
		return EX_NOINPUT;
	case FANOUT_BAD_SOURCE:
		return EX_DATAERR;
	case FANOUT_READ_FAILED:
		return EX_IOERR;
	}
	return EX_SOFTWARE;
}

/* A link's exit status: 65 when what it was to send is bad (sending
 * again will not help: a frame the receiver refused included), else 75
 * for a failure worth retrying on the next run. */
static int
link_exit(const struct link *l)
{
	switch (l->outcome) {
	case LINK_OK:
		return l->refused > 0 ? EX_DATAERR : EX_OK;
	case LINK_REFUSED:
	case LINK_BAD_FRAME:
		return EX_DATAERR;
	case LINK_CANT_START:
	case LINK_UNREACHABLE:
	case LINK_LOST:
	case LINK_NOT_RECEIVER:
	case LINK_FELL_BEHIND:
	case LINK_CANT_CREATE:
	case LINK_IO:
		return EX_TEMPFAIL;
	}
	return EX_SOFTWARE;
}

/* The exit status of a run from its source's and its links' outcomes:
 * bad frames anywhere outweigh a destination to retry. */
static int
send_status(int source_status, const struct link *links, int n)
{
	int status = source_status;

	for (int i = 0; status == EX_OK && i < n; i++)
		if (link_exit(&links[i]) == EX_DATAERR)
			status = EX_DATAERR;
	for (int i = 0; status == EX_OK && i < n; i++)
		status = link_exit(&links[i]);
	return status;
}

static int
run_send(const struct settings *s)
{
	struct fanout_settings fs = { .ssh = s->ssh, .exclude = s->exclude,
	    .nexclude = s->nexclude,
	    .signers = s->signers_file != NULL ? &s->signers : NULL };
	struct dest *dests = xcalloc((size_t)s->ndests, sizeof(*dests));
	struct link *links = xcalloc((size_t)s->ndests, sizeof(*links));
	bool from_spool = strcmp(s->source, "-") != 0;
	struct input in;
	enum fanout_result source;
	int status, n;

	for (n = 0; n < s->ndests; n++)
		if (!dest_parse(s->dests[n], &dests[n])) {
			while (n-- > 0)
				dest_free(&dests[n]);
			free(dests);
			free(links);
			return EX_USAGE;
		}
	if (!from_spool)
		input_init_fd(&in, STDIN_FILENO, "stdin");
	source = fanout_run(&fs, from_spool ? NULL : &in,
	    from_spool ? s->source : NULL, dests, links, (size_t)n);
	if (!from_spool)
		input_close(&in);
	status = send_status(fanout_exit(source), links, n);
	/* Acknowledgements are recorded from what receivers said they hold. */
	for (int i = 0; from_spool && i < n; i++)
		if (links[i].state == LINK_DONE && links[i].acks &&
		    !spoolack_write(s->source, dests[i].name, &links[i].acked))
			status = status == EX_OK ? EX_IOERR : status;
	if (s->prune && status != EX_DATAERR &&
	    status != EX_NOINPUT && run_prune(s, dests) != EX_OK && status == EX_OK)
		status = EX_IOERR;
	for (int i = 0; i < n; i++) {
		link_free(&links[i]);
		dest_free(&dests[i]);
	}
	free(links);
	free(dests);
	return status;
}

int
main(int argc, char **argv)
{
	struct settings s = {
		.ssh = { .program = "ssh", .remote_ship = "pgmesh-ship",
		    .connect_timeout = 20 },
		.source = "-",
		.idle_timeout = LIMIT_IDLE_TIMEOUT_S,
		.total_timeout = LIMIT_TOTAL_TIMEOUT_S,
	};
	int status;

	log_init(argv[0]);
	parse_options(argc, argv, &s);
	check_options(&s);
	/* A vanished destination is an error on its own link, not a
	 * signal that kills the fan-out. */
	signal(SIGPIPE, SIG_IGN);
	if (s.signers_file != NULL && !signers_load(s.signers_file, &s.signers))
		return EX_CONFIG;
	if (s.position)
		status = run_position(&s);
	else if (s.receive != NULL)
		status = run_receive(&s, argv[0]);
	else
		status = run_send(&s);
	signers_free(&s.signers);
	return status;
}
