/*
 * streamcheck.c: the checks of streamcheck.h.
 *
 * Pack frames are read with pack_next_frame and checked with
 * pack_check_frame, which feeds the frame's records to the sink below only
 * once the whole frame proved good (length, SHA-256, zstd checksum, CBOR).
 * The sink counts, and checks what needs the whole run: LSN order per
 * origin, and that each manifest says what its frame holds.  A manifest is
 * also re-encoded and compared byte for byte with the one read, so even a
 * change the decoder would ignore (an unknown key, a renamed optional key,
 * an altered signature placeholder) is found: pgmesh writes exactly one
 * form of a manifest.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "streamcheck.h"
#include "common/log.h"
#include "common/textread.h"
#include "common/timestamp.h"
#include "common/xalloc.h"
#include "pack/packread.h"
#include "spool/chain.h"
#include "spool/spool.h"

/* One input being checked. */
struct checker {
	struct streamcheck *sc;
	struct input *in;
	const struct spool_entry *entry;	/* when the input is a spool file */
	const struct manifest *m;	/* the frame being checked, or NULL */
	uint64_t offset;		/* its offset */
	uint64_t nframes;		/* frames of this input so far */
	struct origin_summary *o;	/* of the open transaction */
	/* Cache: the last table added to the open transaction's origin. */
	const struct table *last_table;
};

static void PRINTFLIKE(2, 3)
problem(struct checker *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->m != NULL)
		log_error("%s: frame at byte %" PRIu64 ": %s", c->in->name,
		    c->offset, msg);
	else
		log_error("%s: byte %" PRIu64 ": %s", c->in->name,
		    input_tell(c->in), msg);
	c->sc->problems++;
}

void
streamcheck_init(struct streamcheck *sc)
{
	memset(sc, 0, sizeof(*sc));
}

struct origin_summary *
streamcheck_origin(struct streamcheck *sc, const char *origin)
{
	return origin_summary_find(&sc->origins, &sc->norigins, origin);
}

void
streamcheck_free(struct streamcheck *sc)
{
	for (size_t i = 0; i < sc->norigins; i++)
		origin_summary_free(&sc->origins[i]);
	free(sc->origins);
	for (size_t i = 0; i < sc->nsnaps; i++)
		free(sc->snaps[i].where);
	free(sc->snaps);
	memset(sc, 0, sizeof(*sc));
}

/* The sink: count, check order, remember what the frame held. */

/* One more transaction of origin o at lsn: in order? */
static void
origin_txn(struct checker *c, struct origin_summary *o, lsn_t lsn)
{
	char cur[LSN_BUFSIZE], prev[LSN_BUFSIZE];

	if (o->txns > 0 && lsn <= o->last_lsn)
		problem(c, "origin %s: transaction LSN %s is not above the one "
		    "before it (%s): out of order or repeated", o->origin,
		    lsn_format(lsn, cur), lsn_format(o->last_lsn, prev));
	if (o->txns == 0 || lsn < o->first_lsn)
		o->first_lsn = lsn;
	if (lsn > o->last_lsn)
		o->last_lsn = lsn;
	o->txns++;
	if (lsn > o->applied)
		o->pending++;
}

static bool
check_begin(void *ctx, const struct txn *txn)
{
	struct checker *c = ctx;

	c->o = streamcheck_origin(c->sc, txn->origin);
	/* Summaries move when an origin is added: forget the row cache. */
	c->last_table = NULL;
	origin_txn(c, c->o, txn->lsn);
	c->o->chain_lsn = txn->lsn;
	return true;
}

static bool
check_row(void *ctx, const struct table *t, const struct value *vals)
{
	struct checker *c = ctx;

	(void)vals;
	c->o->rows++;
	if (t == c->last_table)
		return true;
	c->last_table = t;
	origin_summary_add_table(c->o, t->name);
	return true;
}

static bool
check_commit(void *ctx, const struct txn *txn)
{
	(void)ctx;
	(void)txn;
	return true;
}

static void
check_abort(void *ctx)
{
	(void)ctx;
}

/* When the frame or stream being checked arrived. */
static time_t
arrival(const struct checker *c)
{
	struct stat st;

	if (c->entry != NULL && stat(c->entry->path, &st) == 0)
		return st.st_mtime;
	return time(NULL);
}

/* For --lag, where o's chain starts and its first gap: a destination
 * that stands below either is held back there. */
static void
note_claim(struct checker *c, struct origin_summary *o, lsn_t prev_lsn)
{
	if (o->chain_lsn == 0 && o->start_since == 0) {
		o->start_claim = prev_lsn;
		o->start_since = arrival(c);
	} else if (prev_lsn != CLAIM_NONE && prev_lsn > o->chain_lsn &&
	    o->gap_to == 0) {
		o->gap_to = prev_lsn;
		o->gap_since = arrival(c);
	}
}

/*
 * Continuity: o's frames or transactions before, which ended at chain_lsn
 * (0: none yet), and what comes now, which says it follows prev_lsn.
 */
static void
check_gap(struct checker *c, struct origin_summary *o, lsn_t prev_lsn,
    const char *what)
{
	char prev[LSN_BUFSIZE], end[LSN_BUFSIZE];

	note_claim(c, o, prev_lsn);
	if (prev_lsn == CLAIM_NONE || o->chain_lsn == 0 ||
	    prev_lsn == o->chain_lsn)
		return;
	lsn_format(prev_lsn, prev);
	lsn_format(o->chain_lsn, end);
	if (prev_lsn > o->chain_lsn)
		problem(c, "origin %s: %s between %s and %s are missing (gap)",
		    o->origin, what, end, prev);
	else
		problem(c, "origin %s: continues from %s, but what came before "
		    "ends at %s (overlap)", o->origin, prev, end);
}

/* A P record of change text (pack frames have it in their manifest). */
static bool
check_since(void *ctx, const char *origin, lsn_t lsn)
{
	struct checker *c = ctx;

	check_gap(c, streamcheck_origin(c->sc, origin), lsn, "transactions");
	return true;
}

/* The manifest must be exactly what pgmesh would write for its values. */
static void
check_canonical(struct checker *c, const struct manifest *m,
    const struct buf *raw)
{
	struct buf enc;

	buf_init(&enc);
	manifest_encode(m, &enc);
	if (enc.len != m->manifest_len || raw->len < enc.len ||
	    memcmp(enc.data, raw->data, enc.len) != 0)
		problem(c, "manifest is not in the form pgmesh writes (bytes "
		    "altered, or keys this version does not know)");
	buf_free(&enc);
}

/* A spool file holds one frame, named after its manifest. */
static void
check_spool_name(struct checker *c, const struct manifest *m)
{
	const struct spool_entry *e = c->entry;

	if (c->nframes > 1)
		problem(c, "a spool file holds one frame; this is frame %" PRIu64,
		    c->nframes);
	else if (strcmp(e->origin, m->origin) != 0 ||
	    e->prev_lsn != m->prev_lsn || e->first_lsn != m->first_lsn ||
	    e->last_lsn != m->last_lsn || e->part != m->part ||
	    e->continues_next != m->continues_next)
		problem(c, "file name does not match the frame's manifest "
		    "(origin %s)", m->origin);
}

/*
 * The first frame of an origin in a spool may be the last part of a
 * transaction the spool's base covers: its first parts were pruned, once
 * every consumer had the transaction whole.
 */
static bool
pruned_part(const struct origin_summary *o, const struct manifest *m)
{
	return !o->split_open && o->frames == 1 && m->first_lsn <= o->base;
}

/* Parts of a transaction split over frames follow each other in order. */
static void
check_chain(struct checker *c, const struct manifest *m,
    struct origin_summary *o)
{
	char lsn[LSN_BUFSIZE];
	char where[1024];

	if (m->continues_prev) {
		if (!pruned_part(o, m) && (!o->split_open ||
		    o->split_lsn != m->first_lsn || m->part != o->split_part + 1))
			problem(c, "origin %s: part %u of transaction LSN %s, but "
			    "part %u before it is missing", m->origin, m->part,
			    lsn_format(m->first_lsn, lsn), m->part - 1);
	} else {
		if (m->part != 0)
			problem(c, "part %u in a frame that does not continue a "
			    "transaction", m->part);
		if (o->split_open)
			problem(c, "origin %s: transaction LSN %s (%s) continues in "
			    "a part %u that is missing", m->origin,
			    lsn_format(o->split_lsn, lsn), o->split_where,
			    o->split_part + 1);
	}
	o->split_open = m->continues_next;
	o->split_lsn = m->last_lsn;
	o->split_part = m->continues_prev ? m->part : 0;
	snprintf(where, sizeof(where), "%s, frame at byte %" PRIu64,
	    c->in->name, c->offset);
	free(o->split_where);
	o->split_where = xstrdup(where);
}

static void
frame_start(struct checker *c, const struct manifest *m, uint64_t offset,
    const struct buf *raw)
{
	struct origin_summary *o = streamcheck_origin(c->sc, m->origin);

	c->m = m;
	c->offset = offset;
	c->nframes++;
	c->last_table = NULL;
	check_gap(c, o, m->prev_lsn, "frames");
	o->chain_lsn = m->last_lsn;
	o->frames++;
	if (m->last_lsn > o->last_frame_lsn)
		o->last_frame_lsn = m->last_lsn;
	check_canonical(c, m, raw);
	if (c->entry != NULL)
		check_spool_name(c, m);
	check_chain(c, m, o);
}

/*
 * A part of a split transaction cannot go to a sink alone (the sink grammar
 * wants whole transactions); it is checked without one, and counted from
 * its manifest, which the check proved true.  Only the first and last LSN
 * of its transactions are known, so only those take part in the order check.
 */
static void
count_split_frame(struct checker *c, const struct manifest *m)
{
	struct origin_summary *o = streamcheck_origin(c->sc, m->origin);
	uint64_t begun = m->ntxns;

	if (!m->continues_prev && begun > 0) {
		origin_txn(c, o, m->first_lsn);
		begun--;
	}
	if (begun > 0 && m->last_lsn != o->last_lsn) {
		origin_txn(c, o, m->last_lsn);
		begun--;
	}
	o->txns += begun;
	o->rows += m->nrows;
	for (size_t i = 0; i < m->ntables; i++)
		origin_summary_add_table(o, m->tables[i]);
}

/*
 * After a frame that could not be delimited (a bad or truncated manifest),
 * look for the next manifest's magic number, from the byte after the bad
 * frame's start.  1 when found, 0 at end of input, -1 on a read error.
 */
static int
resync(struct input *in)
{
	static const unsigned char magic[4] = { 0x5E, 0x2A, 0x4D, 0x18 };
	ssize_t n;

	input_skip(in, 1);
	while ((n = input_fill(in, sizeof(magic))) >= (ssize_t)sizeof(magic)) {
		const char *p = in->buf + in->start;
		size_t i;

		for (i = 0; i + sizeof(magic) <= (size_t)n; i++) {
			if (memcmp(p + i, magic, sizeof(magic)) == 0) {
				input_skip(in, i);
				return 1;
			}
		}
		input_skip(in, i);
	}
	if (n < 0)
		return -1;
	input_skip(in, (size_t)n);
	return 0;
}

/*
 * A snapshot's frame, checked alone: its parts must follow each other
 * (pgmesh-format(5)), and the E record of its last count the rows of all.
 */
static void
snapshot_start(struct checker *c, const struct manifest *m)
{
	struct streamcheck *sc = c->sc;
	struct snapshot_summary *s = sc->snap_open ? &sc->snaps[sc->nsnaps - 1] :
	    NULL;

	if (c->entry != NULL)
		problem(c, "a snapshot's frame in a spool");
	if (m->continues_prev && (s == NULL || s->part + 1 != m->part ||
	    strcmp(s->snap.source, m->origin) != 0 || s->snap.taken != m->taken))
		problem(c, "part %u of a snapshot of %s, but part %u before it is "
		    "missing", m->part, m->origin, m->part - 1);
	if (!m->continues_prev && s != NULL)
		problem(c, "the snapshot of %s (%s) continues in a part %u that "
		    "is missing", s->snap.source, s->where, s->part + 1);
	if (m->continues_prev && s != NULL)
		return;
	sc->snaps = xreallocarray(sc->snaps, sc->nsnaps + 1, sizeof(*sc->snaps));
	s = &sc->snaps[sc->nsnaps++];
	memset(s, 0, sizeof(*s));
	memcpy(s->snap.source, m->origin, sizeof(s->snap.source));
	s->snap.taken = m->taken;
	sc->snap_open = true;
}

static void
snapshot_frame(struct checker *c, const struct manifest *m,
    const struct packdata_frame *f)
{
	struct streamcheck *sc = c->sc;
	struct snapshot_summary *s = &sc->snaps[sc->nsnaps - 1];
	char where[1024];

	s->frames++;
	s->rows += m->nrows;
	s->marks += f->nmarks;
	s->part = m->part;
	snprintf(where, sizeof(where), "%s, frame at byte %" PRIu64,
	    c->in->name, c->offset);
	free(s->where);
	s->where = xstrdup(where);
	if (!f->snap_ended)
		return;
	sc->snap_open = false;
	s->whole = f->snap_rows == s->rows;
	if (!s->whole)
		problem(c, "the snapshot of %s says it has %" PRIu64 " rows, its "
		    "frames hold %" PRIu64, s->snap.source, f->snap_rows, s->rows);
}

static enum read_result
check_snapshot_frame(struct checker *c, struct pack_checker *pc,
    struct catalog *cat, const struct manifest *m, const struct buf *raw,
    uint64_t offset)
{
	enum read_result r;

	c->m = m;
	c->offset = offset;
	c->nframes++;
	check_canonical(c, m, raw);
	snapshot_start(c, m);
	r = pack_check_frame(pc, m, raw, cat, NULL, c->in->name, offset);
	if (r == READ_OK)
		snapshot_frame(c, m, &pc->f);
	else if (r == READ_BAD_DATA)
		c->sc->problems++;	/* reported by pack_check_frame */
	c->m = NULL;
	return r;
}

static enum read_result
check_frame(struct checker *c, struct pack_checker *pc,
    const struct change_sink *sink, struct catalog *cat,
    const struct manifest *m, const struct buf *raw, uint64_t offset)
{
	bool split = m->continues_prev || m->continues_next;
	enum read_result r;

	if (m->snapshot)
		return check_snapshot_frame(c, pc, cat, m, raw, offset);
	frame_start(c, m, offset, raw);
	r = pack_check_frame(pc, m, raw, cat, split ? NULL : sink, c->in->name,
	    offset);
	if (r == READ_OK && split)
		count_split_frame(c, m);
	else if (r == READ_BAD_DATA)
		c->sc->problems++;	/* reported by pack_check_frame */
	c->m = NULL;
	return r;
}

static enum check_status
check_pack(struct checker *c, const struct change_sink *sink,
    struct catalog *cat)
{
	struct pack_checker pc = { .signers = c->sc->signers };
	struct manifest m;
	struct buf raw;
	uint64_t offset;
	enum read_result r;
	int found = 1;
	bool got;

	buf_init(&raw);
	while (found > 0) {
		r = pack_next_frame(c->in, &m, &raw, &offset, &got);
		if (r == READ_OK && got)
			r = check_frame(c, &pc, sink, cat, &m, &raw, offset);
		else if (r == READ_OK)
			found = 0;
		else if (r == READ_BAD_DATA) {
			c->sc->problems++;	/* reported by pack_next_frame */
			found = resync(c->in);
		}
		manifest_free(&m);
		if (r == READ_IO_ERROR)
			found = -1;
	}
	pack_checker_free(&pc);
	buf_free(&raw);
	return found < 0 ? CHECK_IO_ERROR : CHECK_OK;
}

static enum check_status
check_text(struct checker *c, const struct change_sink *sink,
    struct catalog *cat)
{
	enum read_result r;

	if (c->sc->signers != NULL) {
		problem(c, "change text cannot be signed, and --signers wants "
		    "every transaction signed by its origin");
		return CHECK_OK;
	}
	r = textread_run(c->in, cat, sink);
	if (r == READ_IO_ERROR)
		return CHECK_IO_ERROR;
	if (r != READ_OK)
		c->sc->problems++;	/* reported by textread_run */
	return CHECK_OK;
}

static enum check_status
check_input(struct streamcheck *sc, struct input *in,
    const struct spool_entry *entry)
{
	struct checker c = { .sc = sc, .in = in, .entry = entry };
	struct change_sink sink = { .ctx = &c, .begin = check_begin,
	    .row = check_row, .commit = check_commit, .abort = check_abort,
	    .since = check_since };
	struct catalog *cat;
	enum check_status st = CHECK_OK;
	ssize_t n = input_fill(in, 8);
	const char *data = in->buf + in->start;

	if (n < 0)
		return CHECK_IO_ERROR;
	cat = catalog_new();
	if (n > 0 && pack_detect((const unsigned char *)data, (size_t)n))
		st = check_pack(&c, &sink, cat);
	else if (n > 0 && entry == NULL && textread_detect(data, (size_t)n))
		st = check_text(&c, &sink, cat);
	else
		problem(&c, "%s", n == 0 ? "empty input" :
		    "neither a pack stream nor change text");
	catalog_free(cat);
	return st;
}

static enum check_status
check_file(struct streamcheck *sc, const char *path,
    const struct spool_entry *entry)
{
	struct input in;
	enum check_status st;

	if (!input_open(&in, path))
		return CHECK_NO_INPUT;
	st = check_input(sc, &in, entry);
	input_close(&in);
	return st;
}

/* Each origin of the spool starts its chain at the spool's base. */
static bool
load_base(struct streamcheck *sc, const char *dir)
{
	struct heads base;
	bool ok;

	heads_init(&base);
	ok = chain_base_read(dir, &base);
	for (size_t i = 0; ok && i < base.n; i++) {
		struct origin_summary *o = streamcheck_origin(sc, base.v[i].origin);

		o->base = base.v[i].lsn;
		if (o->chain_lsn < o->base)
			o->chain_lsn = o->base;
	}
	heads_free(&base);
	return ok;
}

/* Files readers moved into the quarantine: each one is a problem. */
static void
count_quarantined(struct streamcheck *sc, const char *dir)
{
	char path[4200], sub[4500];
	struct dirent *d, *f;
	DIR *qp, *op;

	snprintf(path, sizeof(path), "%s/.quarantine", dir);
	if ((qp = opendir(path)) == NULL)
		return;
	while ((d = readdir(qp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		if ((op = opendir(sub)) == NULL) {
			log_error("%s: in quarantine", sub);
			sc->problems++;
			continue;
		}
		while ((f = readdir(op)) != NULL)
			if (f->d_name[0] != '.') {
				log_error("%s/%s: in quarantine", sub, f->d_name);
				sc->problems++;
			}
		closedir(op);
	}
	closedir(qp);
}

static enum check_status
check_spool(struct streamcheck *sc, const char *dir)
{
	struct spool_entry *entries;
	enum check_status st = CHECK_OK;
	size_t n;

	if (!load_base(sc, dir) || !spool_list(dir, &entries, &n))
		return CHECK_NO_INPUT;
	for (size_t i = 0; i < n && st == CHECK_OK; i++)
		st = check_file(sc, entries[i].path, &entries[i]);
	spool_entries_free(entries, n);
	count_quarantined(sc, dir);
	return st;
}

enum check_status
streamcheck_path(struct streamcheck *sc, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return check_spool(sc, path);
	return check_file(sc, path, NULL);
}

void
streamcheck_finish(struct streamcheck *sc)
{
	char lsn[LSN_BUFSIZE];

	for (size_t i = 0; i < sc->norigins; i++) {
		struct origin_summary *o = &sc->origins[i];

		if (!o->split_open)
			continue;
		log_error("%s: origin %s: transaction LSN %s continues in a part "
		    "%u that is missing (end of input)", o->split_where,
		    o->origin, lsn_format(o->split_lsn, lsn), o->split_part + 1);
		sc->problems++;
	}
	if (sc->snap_open) {
		struct snapshot_summary *s = &sc->snaps[sc->nsnaps - 1];

		log_error("%s: the snapshot of %s continues in a part %u that is "
		    "missing (end of input)", s->where, s->snap.source,
		    s->part + 1);
		sc->problems++;
	}
}

void
streamcheck_print(const struct streamcheck *sc, bool lag, struct buf *out)
{
	char line[64];

	char taken[TIMESTAMP_BUFSIZE];
	char snap[256];

	for (size_t i = 0; i < sc->norigins; i++)
		origin_summary_print(&sc->origins[i], lag, out);
	for (size_t i = 0; i < sc->nsnaps; i++) {
		const struct snapshot_summary *s = &sc->snaps[i];

		snprintf(snap, sizeof(snap), "snapshot %s taken %s frames %"
		    PRIu64 " rows %" PRIu64 " watermarks %" PRIu64 "%s\n",
		    s->snap.source, timestamp_format(s->snap.taken, taken),
		    s->frames, s->rows, s->marks, s->whole ? "" : " incomplete");
		buf_puts(out, snap);
	}
	snprintf(line, sizeof(line), "problems %" PRIu64 "\n", sc->problems);
	buf_puts(out, line);
}
