/*
 * pgmesh-pack: change text in, pack stream out; with -d, the reverse.
 *
 * Packing is textread feeding the pack writer; unpacking is packread
 * feeding the text writer.  Both stop at the first bad record or frame,
 * after passing on every transaction completed before it, and say where.
 * An output file (-o) is removed when the run fails or is interrupted:
 * what it holds is whole frames or transactions, and would pass for all
 * of the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/catalog.h"
#include "common/cli.h"
#include "common/input.h"
#include "common/log.h"
#include "common/partial.h"
#include "common/privfile.h"
#include "common/signers.h"
#include "common/sshprivkey.h"
#include "common/textread.h"
#include "common/textwrite.h"
#include "pack/packread.h"
#include "pack/packwrite.h"

#define DEFAULT_LEVEL 3
#define DEFAULT_FRAME_BYTES (4u << 20)
#define DEFAULT_FRAME_MS 200
#define MIN_FRAME_BYTES (1u << 10)
#define MAX_FRAME_BYTES (256u << 20)
#define MAX_LEVEL 19
#define MAX_FRAME_MS 3600000

/* pack -d writes a transaction's text out once this much is buffered. */
#define UNPACK_FLUSH_COMMIT (1u << 20)
#define UNPACK_FLUSH_ROW (8u << 20)

enum { OPT_FRAME_BYTES = 256, OPT_FRAME_MS, OPT_SIGN, OPT_SIGNERS };

struct settings {
	bool unpack;
	bool pack_options;	/* one of -l, --frame-bytes, --frame-ms given */
	struct packwriter_options writer;
	const char *sign;	/* --sign KEYFILE */
	const char *signers_file;	/* --signers FILE */
	struct signers signers;
	const char *output;	/* NULL: stdout */
	char **inputs;		/* NULL-terminated; none: stdin */
};

/* The text writer as pack -d's sink, writing out as it goes. */
struct unpacker {
	struct textwriter w;
	struct buf out;
	int fd;
	const char *what;
	bool open;		/* a transaction's text is being written */
};

static const char usage[] =
    "usage: pgmesh-pack [-v] [-l level] [--frame-bytes n] [--frame-ms ms]\n"
    "                   [--sign keyfile] [-o file] [file ...]\n"
    "       pgmesh-pack -d [-v] [--signers file] [-o file] [--limit name=size]\n"
    "                   [file ...]\n";

static long long
parse_number(const char *opt, const char *s, long long min, long long max,
    bool suffix)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (suffix && end != s && end[0] != '\0' && end[1] == '\0') {
		int shift = end[0] == 'K' || end[0] == 'k' ? 10 :
		    end[0] == 'M' || end[0] == 'm' ? 20 :
		    end[0] == 'G' || end[0] == 'g' ? 30 : -1;

		if (shift > 0 && v >= 0 && v <= (max >> shift)) {
			v <<= shift;
			end++;
		}
	}
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max)
		die(EX_USAGE, "%s %s: want a number from %lld to %lld", opt, s,
		    min, max);
	return v;
}

static void
parse_options(int argc, char **argv, struct settings *s)
{
	static const struct option longopts[] = {
		{ "decompress", no_argument, NULL, 'd' },
		{ "level", required_argument, NULL, 'l' },
		{ "frame-bytes", required_argument, NULL, OPT_FRAME_BYTES },
		{ "frame-ms", required_argument, NULL, OPT_FRAME_MS },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "signers", required_argument, NULL, OPT_SIGNERS },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		CLI_LIMIT_OPTION,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct cli cli = { usage, ":dl:o:vhV", longopts };
	int c;

	while ((c = cli_getopt(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'd':
			s->unpack = true;
			break;
		case 'l':
			s->writer.level = (int)parse_number("-l", optarg, 1,
			    MAX_LEVEL, false);
			s->pack_options = true;
			break;
		case OPT_FRAME_BYTES:
			s->writer.frame_bytes = (size_t)parse_number("--frame-bytes",
			    optarg, MIN_FRAME_BYTES, MAX_FRAME_BYTES, true);
			s->pack_options = true;
			break;
		case OPT_FRAME_MS:
			s->writer.frame_ms = (int)parse_number("--frame-ms", optarg,
			    0, MAX_FRAME_MS, false);
			s->pack_options = true;
			break;
		case OPT_SIGN:
			s->sign = optarg;
			s->pack_options = true;
			break;
		case OPT_SIGNERS:
			s->signers_file = optarg;
			break;
		case 'o':
			s->output = optarg;
			break;
		case 'v':
			verbosity++;
			break;
		}
	}
	s->inputs = argv + optind;
}

/*
 * stdout, or the -o file, watched until the run succeeds.  Only a regular
 * file is removed on failure: a fifo or a device (-o /dev/null) is not
 * ours to remove.
 */
static int
open_output(const struct settings *s)
{
	struct stat st;
	int fd;

	if (s->output == NULL || strcmp(s->output, "-") == 0)
		return STDOUT_FILENO;
	if ((fd = privfile_open(s->output, O_TRUNC)) < 0)
		exit(EX_IOERR);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		partial_watch(s->output);
	return fd;
}

static int
exit_status(enum read_result r)
{
	switch (r) {
	case READ_OK: return 0;
	case READ_BAD_DATA: return EX_DATAERR;
	case READ_IO_ERROR: return EX_IOERR;
	case READ_SINK_FAILED: return EX_IOERR;
	case READ_INCOMPLETE: return EX_DATAERR;
	}
	return EX_SOFTWARE;
}

/*
 * Read every input (stdin when none) into sink, change text or, with -d, a
 * pack stream, stopping at the first failure; returns the exit status it
 * calls for.
 */
static int
read_inputs(const struct settings *s, struct catalog *cat, struct input *in,
    const struct change_sink *sink)
{
	static char *stdin_only[] = { "-", NULL };
	const struct packread_options o = { .threads = true,
	    .signers = s->signers_file != NULL ? &s->signers : NULL };
	char **inputs = s->inputs[0] != NULL ? s->inputs : stdin_only;
	enum read_result r = READ_OK;

	for (; *inputs != NULL && r == READ_OK; inputs++) {
		if (!input_open(in, *inputs))
			return EX_NOINPUT;
		r = s->unpack ? packread_run(in, cat, sink, &o) :
		    textread_run(in, cat, sink);
		input_close(in);
	}
	return exit_status(r);
}

static int
run_pack(struct settings *s)
{
	struct catalog *cat;
	struct sshprivkey *key = NULL;
	struct packwriter *pw;
	struct change_sink sink;
	struct input in = { .fd = -1 };
	const char *what = s->output ? s->output : "stdout";
	int fd, status;

	/* The key before the output: a bad key leaves no empty output. */
	if (s->sign != NULL && !sshprivkey_load(s->sign, &key))
		return EX_CONFIG;
	s->writer.key = key;
	fd = open_output(s);
	if ((pw = packwriter_new(fd, what, &s->writer, &in)) == NULL) {
		sshprivkey_free(key);
		return EX_SOFTWARE;
	}
	cat = catalog_new();
	sink = packwriter_sink(pw);
	status = read_inputs(s, cat, &in, &sink);
	/* Whole transactions read before a bad line are still written. */
	if (!packwriter_finish(pw) && status == 0)
		status = EX_IOERR;
	packwriter_free(pw);
	sshprivkey_free(key);
	catalog_free(cat);
	if (fd != STDOUT_FILENO && close(fd) != 0 && status == 0)
		die(EX_IOERR, "%s: %s", what, strerror(errno));
	return status;
}

static bool
unpack_flush_over(struct unpacker *u, size_t limit)
{
	return u->out.len < limit || textwriter_flush(&u->w, u->fd, u->what);
}

static bool
unpack_begin(void *ctx, const struct txn *txn)
{
	struct unpacker *u = ctx;

	textwriter_begin(&u->w, txn);
	u->open = true;
	return true;
}

static bool
unpack_row(void *ctx, const struct table *t, const struct value *vals)
{
	struct unpacker *u = ctx;

	textwriter_row(&u->w, t, vals);
	/* Only a transaction split across frames gets this big. */
	return unpack_flush_over(u, UNPACK_FLUSH_ROW);
}

static bool
unpack_commit(void *ctx, const struct txn *txn)
{
	struct unpacker *u = ctx;

	textwriter_commit(&u->w, txn);
	u->open = false;
	return unpack_flush_over(u, UNPACK_FLUSH_COMMIT);
}

/*
 * A snapshot comes out as a transaction does: its text can be taken back
 * until it outgrows UNPACK_FLUSH_ROW; past that, text cut short has no E
 * record, and no reader takes any of it (pgmesh-format(5)).
 */
static bool
unpack_snapshot_begin(void *ctx, const struct snapshot *snap)
{
	struct unpacker *u = ctx;

	u->w.txn_start = u->out.len;
	textwriter_snapshot_begin(&u->w, snap);
	u->open = true;
	return true;
}

static bool
unpack_watermark(void *ctx, const char *origin, lsn_t lsn)
{
	struct unpacker *u = ctx;

	textwriter_watermark(&u->w, origin, lsn);
	return true;
}

static bool
unpack_snapshot_end(void *ctx, const struct snapshot *snap, uint64_t rows)
{
	struct unpacker *u = ctx;

	textwriter_snapshot_end(&u->w, snap, rows);
	u->open = false;
	return unpack_flush_over(u, UNPACK_FLUSH_COMMIT);
}

static bool
unpack_since(void *ctx, const char *origin, lsn_t lsn)
{
	struct unpacker *u = ctx;

	textwriter_since(&u->w, origin, lsn);
	return true;
}

static void
unpack_abort(void *ctx)
{
	struct unpacker *u = ctx;
	struct change_sink text = textwriter_sink(&u->w);

	text.abort(text.ctx);
	u->open = false;
}

/*
 * Between frames: write out the transactions that are whole.  The open one
 * (split across frames, its next part still to come) stays buffered, so
 * that it can still be taken back, unless it outgrew UNPACK_FLUSH_ROW.
 */
static bool
unpack_idle(void *ctx)
{
	struct unpacker *u = ctx;
	size_t whole = u->w.txn_start;

	if (!u->open)
		return unpack_flush_over(u, 1);
	if (whole == SIZE_MAX || whole == 0)
		return true;
	if (!write_all(u->fd, u->out.data, whole, u->what))
		return false;
	buf_consume(&u->out, whole);
	u->w.txn_start = 0;
	return true;
}

static int
run_unpack(const struct settings *s)
{
	struct catalog *cat = catalog_new();
	struct unpacker u = { .fd = open_output(s) };
	struct change_sink sink = {
		.ctx = &u, .begin = unpack_begin, .row = unpack_row,
		.commit = unpack_commit, .abort = unpack_abort, .idle = unpack_idle,
		.since = unpack_since, .snapshot_begin = unpack_snapshot_begin,
		.watermark = unpack_watermark,
		.snapshot_end = unpack_snapshot_end
	};
	struct input in = { .fd = -1 };
	int status;

	u.what = s->output ? s->output : "stdout";
	buf_init(&u.out);
	textwriter_init(&u.w, &u.out);
	status = read_inputs(s, cat, &in, &sink);
	/* Frames are fed only once checked whole: what is buffered is good.
	 * A transaction left open was aborted, its text cut already. */
	if (!unpack_flush_over(&u, 1) && status == 0)
		status = EX_IOERR;
	textwriter_free(&u.w);
	buf_free(&u.out);
	catalog_free(cat);
	if (u.fd != STDOUT_FILENO && close(u.fd) != 0 && status == 0)
		die(EX_IOERR, "%s: %s", u.what, strerror(errno));
	return status;
}

int
main(int argc, char **argv)
{
	struct settings s = {
		.writer = { .level = DEFAULT_LEVEL,
		    .frame_bytes = DEFAULT_FRAME_BYTES,
		    .frame_ms = DEFAULT_FRAME_MS }
	};
	int status;

	log_init(argv[0]);
	parse_options(argc, argv, &s);
	if (s.unpack && s.pack_options)
		die(EX_USAGE, "-l, --frame-bytes, --frame-ms and --sign are for "
		    "packing, not with -d");
	if (!s.unpack && s.signers_file != NULL)
		die(EX_USAGE, "--signers checks what -d reads: change text "
		    "cannot be signed");
	if (!s.unpack && (s.output == NULL || strcmp(s.output, "-") == 0) &&
	    isatty(STDOUT_FILENO))
		die(EX_USAGE, "refusing to write a pack stream to a terminal "
		    "(redirect it, or use -o FILE)");
	if (s.signers_file != NULL && !signers_load(s.signers_file, &s.signers))
		return EX_CONFIG;
	status = s.unpack ? run_unpack(&s) : run_pack(&s);
	signers_free(&s.signers);
	/* The output file of a failed run goes at exit (partial.h). */
	if (status == 0)
		partial_done();
	return status;
}
