/*
 * pgmesh-capture: the committed inserts of one database, as change text.
 *
 * Reads a logical replication slot with the built-in pgoutput plugin and
 * writes each committed transaction whole, with its identity (origin node,
 * origin commit LSN), on standard output.  --drain decodes with the SQL
 * function pg_logical_slot_peek_binary_changes() up to the WAL position as
 * of start (the faster path, see peek.h); --follow streams over the
 * replication protocol and reconnects when the server goes away.  Neither
 * ever confirms to the slot more than --after: the durable position belongs
 * to whoever consumes the stream.  --snapshot writes a join snapshot
 * instead (snaptake.h): every row of the tables, with watermarks.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/capsetup.h"
#include "capture/emit.h"
#include "capture/history.h"
#include "capture/peek.h"
#include "capture/pgoutput.h"
#include "capture/repl.h"
#include "capture/snaptake.h"
#include "capture/typename.h"
#include "common/catalog.h"
#include "common/cli.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/xalloc.h"

#define BACKOFF_MAX 30		/* seconds between reconnection attempts */

enum mode { MODE_NONE, MODE_INIT, MODE_DROP, MODE_DRAIN, MODE_FOLLOW,
    MODE_SNAPSHOT };

struct settings {
	const char *conninfo;
	enum mode mode;
	struct capsetup setup;
	lsn_t after;
	bool has_after;
	const char **exclude;
	int nexclude;
	bool local_only;
	const char *outbox;		/* --outbox: the consumer, checked */
};

/* What a capture run works with. */
struct capture {
	const struct settings *set;
	PGconn *meta;			/* ordinary connection: checks, type names */
	lsn_t genesis;			/* where the node's history starts, or 0 */
	struct catalog *catalog;
	struct typenames *types;
	struct emitter emit;
	struct pgoutput decoder;
};

static volatile sig_atomic_t stop_requested;

static const char usage[] =
    "usage: pgmesh-capture [-v] [-d conninfo] -S slot [--node name]\n"
    "           [--publication name] --drain | --follow\n"
    "           [--after lsn | --outbox dir]\n"
    "           [--local-only] [--exclude-origin node ...]\n"
    "       pgmesh-capture [-d conninfo] -S slot [--node name [--rename]]\n"
    "           [--publication name] --init [table ...]\n"
    "       pgmesh-capture [-d conninfo] -S slot [--publication name] --drop\n"
    "       pgmesh-capture [-v] [-d conninfo] [--node name]\n"
    "           [--publication name] --snapshot [table ...]\n";

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * Without SA_RESTART, so that a wait on the server returns at once.
 * SIGPIPE keeps its default action whatever the parent set: when the
 * reader is gone there is nobody to tell, and the shell sees 141.
 */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_DFL);
}

/* PostgreSQL's own rule for slot names. */
static bool
valid_slot(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n > 0 && n <= 63 && s[n] == '\0';
}

/* Plain identifiers only: the name also goes into a replication command. */
static bool
valid_publication(const char *s)
{
	return valid_slot(s) && !(*s >= '0' && *s <= '9');
}

static enum mode
set_mode(enum mode now, enum mode want)
{
	if (now != MODE_NONE && now != want)
		die(EX_USAGE, "choose one of --init, --drop, --drain, --follow, "
		    "--snapshot");
	return want;
}

static void
parse_options(int argc, char **argv, struct settings *set)
{
	enum { OPT_NODE = 256, OPT_PUBLICATION, OPT_INIT, OPT_DROP, OPT_AFTER,
	    OPT_DRAIN, OPT_FOLLOW, OPT_EXCLUDE, OPT_LOCAL_ONLY, OPT_OUTBOX,
	    OPT_RENAME, OPT_SNAPSHOT };
	static const struct option longopts[] = {
		{ "dbname", required_argument, NULL, 'd' },
		{ "slot", required_argument, NULL, 'S' },
		{ "node", required_argument, NULL, OPT_NODE },
		{ "publication", required_argument, NULL, OPT_PUBLICATION },
		{ "init", no_argument, NULL, OPT_INIT },
		{ "drop", no_argument, NULL, OPT_DROP },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "drain", no_argument, NULL, OPT_DRAIN },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "exclude-origin", required_argument, NULL, OPT_EXCLUDE },
		{ "local-only", no_argument, NULL, OPT_LOCAL_ONLY },
		{ "outbox", required_argument, NULL, OPT_OUTBOX },
		{ "rename", no_argument, NULL, OPT_RENAME },
		{ "snapshot", no_argument, NULL, OPT_SNAPSHOT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct cli cli = { usage, ":d:S:vhV", longopts };
	int c;

	while ((c = cli_getopt(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'd':
			set->conninfo = optarg;
			break;
		case 'S':
			set->setup.slot = optarg;
			break;
		case OPT_NODE:
			set->setup.node = optarg;
			break;
		case OPT_PUBLICATION:
			set->setup.publication = optarg;
			break;
		case OPT_INIT:
			set->mode = set_mode(set->mode, MODE_INIT);
			break;
		case OPT_DROP:
			set->mode = set_mode(set->mode, MODE_DROP);
			break;
		case OPT_DRAIN:
			set->mode = set_mode(set->mode, MODE_DRAIN);
			break;
		case OPT_FOLLOW:
			set->mode = set_mode(set->mode, MODE_FOLLOW);
			break;
		case OPT_AFTER:
			if (!lsn_parse(optarg, strlen(optarg), &set->after))
				die(EX_USAGE, "--after: not an LSN: %s", optarg);
			set->has_after = true;
			break;
		case OPT_EXCLUDE:
			if (!node_valid(optarg, strlen(optarg)))
				die(EX_USAGE, "--exclude-origin: not a node name: %s",
				    optarg);
			set->exclude = xreallocarray(set->exclude,
			    (size_t)set->nexclude + 1, sizeof(*set->exclude));
			set->exclude[set->nexclude++] = optarg;
			break;
		case OPT_LOCAL_ONLY:
			set->local_only = true;
			break;
		case OPT_OUTBOX:
			set->outbox = optarg;
			break;
		case OPT_RENAME:
			set->setup.rename = true;
			break;
		case OPT_SNAPSHOT:
			set->mode = set_mode(set->mode, MODE_SNAPSHOT);
			break;
		case 'v':
			verbosity++;
			break;
		}
	}
	set->setup.tables = argv + optind;
	set->setup.ntables = argc - optind;
}

static void
check_settings(const struct settings *set)
{
	const struct capsetup *s = &set->setup;
	bool capturing = set->mode == MODE_DRAIN || set->mode == MODE_FOLLOW;

	if (set->mode == MODE_NONE)
		die(EX_USAGE, "choose one of --init, --drop, --drain, --follow, "
		    "--snapshot");
	if (set->mode == MODE_SNAPSHOT && s->slot != NULL)
		die(EX_USAGE, "--snapshot takes no slot: it makes a temporary "
		    "one");
	if (s->slot == NULL && set->mode != MODE_SNAPSHOT)
		die(EX_USAGE, "no slot: give -S NAME");
	if (s->slot != NULL && !valid_slot(s->slot))
		die(EX_USAGE, "-S: a slot name is 1 to 63 of a-z, 0-9 and _: %s",
		    s->slot);
	if (!valid_publication(s->publication))
		die(EX_USAGE, "--publication: a plain name of a-z, 0-9 and _ "
		    "is required: %s", s->publication);
	if (s->node != NULL && !node_valid(s->node, strlen(s->node)))
		die(EX_USAGE, "--node: a node name is 1 to 32 of a-z, 0-9, _ "
		    "and -: %s", s->node);
	if (s->ntables > 0 && set->mode != MODE_INIT &&
	    set->mode != MODE_SNAPSHOT)
		die(EX_USAGE, "tables are named only with --init or --snapshot");
	if (set->has_after && !capturing)
		die(EX_USAGE, "--after goes with --drain or --follow");
	if (set->outbox != NULL && !capturing)
		die(EX_USAGE, "--outbox goes with --drain or --follow");
	if (set->has_after && set->outbox != NULL)
		die(EX_USAGE, "--outbox is the position: no --after with it");
	if ((set->nexclude > 0 || set->local_only) && !capturing)
		die(EX_USAGE, "--exclude-origin and --local-only go with --drain "
		    "or --follow");
	if (s->rename && (set->mode != MODE_INIT || s->node == NULL))
		die(EX_USAGE, "--rename goes with --init and --node");
	if (set->mode == MODE_DROP && s->node != NULL)
		die(EX_USAGE, "--node does not go with --drop");
}

/*
 * Exit status for a database that could not be set up or checked: it went
 * away (try again later), or it is not set up as it must be.
 */
static int
setup_status(PGconn *conn)
{
	return PQstatus(conn) == CONNECTION_BAD ? EX_TEMPFAIL : EX_CONFIG;
}

/* Exit status for a step on the slot. */
static int
slot_status(PGconn *conn, enum slot_result r)
{
	switch (r) {
	case SLOT_OK:
		return 0;
	case SLOT_BAD_AFTER:
		return EX_DATAERR;
	case SLOT_BUSY:
		return EX_TEMPFAIL;
	default:
		return setup_status(conn);
	}
}

static int
run_setup(const struct settings *set)
{
	enum pgconn_failure failure;
	PGconn *conn = pgconn_open(set->conninfo, false, &failure);
	int status;

	if (conn == NULL)
		return cli_connect_status(failure);
	if (set->mode == MODE_INIT)
		status = capsetup_init(conn, &set->setup) ? 0 : setup_status(conn);
	else
		status = slot_status(conn, capsetup_drop(conn, &set->setup));
	PQfinish(conn);
	return status;
}

/*
 * Check --after (or the outbox's head) against the slot, and tell the
 * emitter where the stream of this node starts; 0 or an exit status.
 */
static int
check_position(struct capture *cap, bool advance, lsn_t *wal_end)
{
	const struct settings *set = cap->set;
	enum slot_result r;
	lsn_t start;

	r = capsetup_position(cap->meta, &set->setup,
	    set->has_after ? &set->after : NULL, advance, wal_end, &start);
	/* An outbox with nothing of the node must be new to it, not lost. */
	if (r == SLOT_OK && set->outbox != NULL && set->after == 0 &&
	    !history_fresh(set->outbox, cap->emit.opt.node, cap->genesis,
	    start))
		return EX_CONFIG;
	/* From the genesis on, the stream holds the node's whole history:
	 * it claims 0/0. */
	if (r == SLOT_OK)
		emitter_since(&cap->emit, start == cap->genesis ? 0 : start);
	return slot_status(cap->meta, r);
}

/*
 * --outbox: the position is the outbox's head for the node, once proven
 * to be a point of this server's history; 0 or an exit status.
 */
static int
check_history(PGconn *meta, struct settings *set, const char *node)
{
	switch (history_check(meta, set->outbox, node, &set->after)) {
	case HISTORY_OK:
		set->has_after = true;
		return 0;
	case HISTORY_FORKED:
	case HISTORY_UNKNOWN:
		return EX_CONFIG;
	default:
		return PQstatus(meta) == CONNECTION_BAD ? EX_TEMPFAIL : EX_IOERR;
	}
}

/* The meta connection, the node name and the checks; 0 or an exit status. */
static int
capture_open(struct capture *cap, struct settings *set)
{
	struct emit_options opt = { NULL, set->exclude, set->nexclude,
	    set->local_only, 0, set->mode == MODE_FOLLOW, STDOUT_FILENO };
	enum pgconn_failure failure;
	char *node;
	int status;

	memset(cap, 0, sizeof(*cap));
	cap->set = set;
	if ((cap->meta = pgconn_open(set->conninfo, false, &failure)) == NULL)
		return cli_connect_status(failure);
	if (!capsetup_check(cap->meta, &set->setup) ||
	    !capsetup_genesis(cap->meta, &cap->genesis) ||
	    (node = capsetup_node(cap->meta, &set->setup)) == NULL)
		return setup_status(cap->meta);
	if (set->outbox != NULL &&
	    (status = check_history(cap->meta, set, node)) != 0) {
		free(node);
		return status;
	}
	opt.node = node;
	opt.after = set->after;
	cap->catalog = catalog_new();
	cap->types = typenames_new();
	emitter_init(&cap->emit, &opt);
	pgoutput_init(&cap->decoder, cap->catalog, cap->types,
	    emitter_events(&cap->emit));
	pgoutput_restart(&cap->decoder, cap->meta);
	return 0;
}

static void
capture_close(struct capture *cap)
{
	if (cap->catalog != NULL) {
		free((char *)cap->emit.opt.node);
		emitter_free(&cap->emit);
		pgoutput_free(&cap->decoder);
		typenames_free(cap->types);
		catalog_free(cap->catalog);
	}
	PQfinish(cap->meta);
}

static int
end_status(enum stream_end end)
{
	switch (end) {
	case STREAM_DONE:
	case STREAM_STOPPED:
		return 0;
	case STREAM_LOST:
	case STREAM_BUSY:
		return EX_TEMPFAIL;
	default:
		return EX_UNAVAILABLE;
	}
}

/*
 * Whatever ended the stream, the transactions already whole go out and
 * the one in hand (never written yet) is dropped; status, EX_IOERR when
 * the output failed, or EX_DATAERR when a relayed transaction's group
 * mark was refused.
 */
static int
finish(struct capture *cap, int status)
{
	emitter_drop(&cap->emit);
	if (!emitter_flush(&cap->emit) || cap->emit.write_failed)
		return EX_IOERR;
	/* What the outbox will hold, named for the next run's check. */
	if (cap->set->outbox != NULL && cap->emit.has_local &&
	    !history_remember(cap->set->outbox, cap->emit.opt.node,
	    &cap->emit.last_local) && status == 0)
		status = EX_IOERR;
	if (cap->emit.bad_relay)
		return EX_DATAERR;
	emitter_summary(&cap->emit);
	return status;
}

static int
run_drain(struct capture *cap)
{
	struct peek_options opt = { cap->set->setup.slot,
	    cap->set->setup.publication, 0, &stop_requested };
	enum pgconn_failure failure;
	PGconn *conn;
	enum stream_end end;
	int status = check_position(cap, true, &opt.upto);

	if (status != 0)
		return status;
	if ((conn = pgconn_open(cap->set->conninfo, false, &failure)) == NULL)
		return cli_connect_status(failure);
	/* The server decodes the next chunk while a thread writes this one. */
	if ((cap->emit.writer = outthread_start(STDOUT_FILENO,
	    "standard output")) == NULL) {
		PQfinish(conn);
		return EX_OSERR;
	}
	end = peek_drain(conn, &opt, &cap->decoder);
	PQfinish(conn);
	status = finish(cap, end_status(end));
	if (!outthread_finish(cap->emit.writer) && status == 0)
		status = EX_IOERR;
	cap->emit.writer = NULL;
	return status;
}

/* Sleep, unless a signal asks to stop first. */
static void
pause_seconds(int seconds)
{
	struct timespec ts = { seconds, 0 };

	if (!stop_requested)
		nanosleep(&ts, NULL);
}

/*
 * Open what a lost connection took: the ordinary connection first (the
 * decoder asks type names on it), then the replication one.  NULL after
 * log_error, *failure saying why.
 */
static PGconn *
reconnect(struct capture *cap, enum pgconn_failure *failure)
{
	if (cap->meta == NULL && (cap->meta = pgconn_open(cap->set->conninfo,
	    false, failure)) == NULL)
		return NULL;
	pgoutput_restart(&cap->decoder, cap->meta);
	return pgconn_open(cap->set->conninfo, true, failure);
}

/*
 * Stream until stopped.  A lost connection is tried again, with a pause
 * that doubles up to BACKOFF_MAX; the stream then starts after the last
 * transaction emitted, so nothing is repeated and nothing is lost.  Only
 * the first start must succeed: that is where a wrong setup shows.
 */
static int
run_follow(struct capture *cap)
{
	struct repl_options opt = { cap->set->setup.slot,
	    cap->set->setup.publication, 0, cap->set->after, &stop_requested };
	int backoff = 1, status;
	bool started = false;
	lsn_t wal_end;

	if ((status = check_position(cap, false, &wal_end)) != 0)
		return status;
	while (!stop_requested) {
		enum pgconn_failure why;
		enum stream_end end = STREAM_LOST, failed;
		PGconn *conn = reconnect(cap, &why);

		if (conn == NULL && !started)
			return finish(cap, cli_connect_status(why));
		opt.start = cap->emit.skip_below;
		if (conn != NULL && repl_start(conn, &opt, &failed)) {
			started = true;
			backoff = 1;
			end = repl_stream(conn, &opt, &cap->decoder);
		} else if (!started) {
			PQfinish(conn);
			return finish(cap, end_status(failed));
		}
		PQfinish(conn);
		if (end != STREAM_LOST)
			return finish(cap, end_status(end));
		emitter_drop(&cap->emit);
		PQfinish(cap->meta);
		cap->meta = NULL;
		log_warn("connecting again in %d s", backoff);
		pause_seconds(backoff);
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
	return finish(cap, 0);
}

/* --snapshot: a join snapshot of this node on standard output. */
static int
run_snapshot(const struct settings *set)
{
	struct snaptake_options o = { set->conninfo, NULL,
	    set->setup.publication, set->setup.tables, set->setup.ntables,
	    STDOUT_FILENO };
	enum pgconn_failure failure;
	PGconn *meta = pgconn_open(set->conninfo, false, &failure);
	char *node;
	int status;

	if (meta == NULL)
		return cli_connect_status(failure);
	if ((node = capsetup_node(meta, &set->setup)) == NULL) {
		status = setup_status(meta);
		PQfinish(meta);
		return status;
	}
	o.node = node;
	switch (snaptake_run(meta, &o)) {
	case SNAPTAKE_OK: status = 0; break;
	case SNAPTAKE_LOST: status = EX_TEMPFAIL; break;
	case SNAPTAKE_OUTPUT_FAILED: status = EX_IOERR; break;
	default: status = setup_status(meta); break;
	}
	free(node);
	PQfinish(meta);
	return status;
}

int
main(int argc, char **argv)
{
	struct settings set = { .conninfo = "", .setup.publication = "pgmesh" };
	struct capture cap;
	int status;

	log_init(argv[0]);
	parse_options(argc, argv, &set);
	check_settings(&set);
	if (!pgconn_check_conninfo(set.conninfo))
		return EX_USAGE;
	catch_signals();
	if (set.mode == MODE_INIT || set.mode == MODE_DROP)
		return run_setup(&set);
	if (set.mode == MODE_SNAPSHOT)
		return run_snapshot(&set);
	status = capture_open(&cap, &set);
	if (status == 0)
		status = set.mode == MODE_DRAIN ? run_drain(&cap) : run_follow(&cap);
	capture_close(&cap);
	free(set.exclude);
	return status;
}
