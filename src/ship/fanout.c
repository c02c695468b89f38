/*
 * fanout.c: the event loop that feeds every destination from one source.
 *
 * Each destination (a link) has its own queue and writes without blocking,
 * so the loop only waits for whichever is ready.  A spool source is read
 * by each link at its own pace, from its own cursor: nobody waits for
 * anybody.  A stream source (stdin) can be read only once, so its frames
 * are shared; stdin is read while some destination keeps up, and a
 * destination that falls QUEUE_MAX behind the others is dropped (it fails
 * as worth retrying, and catches up from a spool on a later run) instead
 * of holding them up or growing memory without bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "pack/packread.h"
#include "spool/spool.h"

#define QUEUE_LOW ((size_t)4 << 20)	/* spool source: load below this */
#define QUEUE_HIGH ((size_t)8 << 20)	/* stream: read while one is below */
#define QUEUE_MAX ((size_t)64 << 20)	/* stream: drop a link this far behind */

enum load_result { LOAD_OK, LOAD_GONE, LOAD_BAD, LOAD_IO_ERROR };

struct fanout {
	struct input *in;
	const char *spool;	/* the spool source, or NULL */
	const struct signers *signers;	/* or NULL */
	struct spool_entry *entries;
	size_t nentries;
	size_t *cursor;		/* spool source: each link's next entry */
	bool source_done;	/* stream source: no more frames */
	enum fanout_result source_result;
	struct link *links;
	size_t n;
};

static bool
link_live(const struct link *l)
{
	return l->state != LINK_DONE && l->state != LINK_FAILED;
}

/* Does the frame in a spool file say what its name says?  Links skip
 * frames by name, and heads are chained by name (spool/chain.h). */
static bool
frame_matches_name(const struct manifest *m, const struct spool_entry *e)
{
	return strcmp(m->origin, e->origin) == 0 &&
	    m->prev_lsn == e->prev_lsn && m->first_lsn == e->first_lsn &&
	    m->last_lsn == e->last_lsn && m->part == e->part &&
	    m->continues_next == e->continues_next;
}

/*
 * One spool file's frame, checked as every hop checks it (receive.h), its
 * signature too when signers is not NULL.  A file gone since the listing
 * was pruned, or quarantined by another link's load of it: LOAD_GONE.
 * *why says what is wrong with a LOAD_BAD.
 */
static enum load_result
load_frame(const struct spool_entry *e, const struct signers *signers,
    struct frame **out, const char **why)
{
	struct frame *f = frame_new();
	struct input in;
	uint64_t offset;
	bool got = false;
	enum read_result rr;
	int fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		frame_release(f);
		if (errno == ENOENT)
			return LOAD_GONE;
		log_error("%s: %s", e->path, strerror(errno));
		return LOAD_IO_ERROR;
	}
	input_init_fd(&in, fd, e->path);
	rr = pack_next_frame(&in, &f->m, &f->raw, &offset, &got);
	if (rr == READ_OK && got)
		rr = pack_check_bytes(&f->m, &f->raw, signers, e->path, offset);
	if (rr == READ_OK && got && f->m.snapshot) {
		*why = "a snapshot's frame";
		input_close(&in);
		frame_release(f);
		return LOAD_BAD;
	}
	*why = signers != NULL ?
	    "a damaged frame, or one not signed by its origin" :
	    "a damaged frame";
	if (rr == READ_OK && !got)
		*why = "an empty file";
	else if (rr == READ_OK && !frame_matches_name(&f->m, e))
		*why = "a frame whose manifest does not match its name";
	else if (rr == READ_OK && input_fill(&in, 1) != 0)
		*why = "more than one frame in one file";
	else if (rr == READ_OK) {
		input_close(&in);
		*out = f;
		return LOAD_OK;
	}
	input_close(&in);
	frame_release(f);
	return rr == READ_IO_ERROR ? LOAD_IO_ERROR : LOAD_BAD;
}

/*
 * A bad frame is moved aside and the link goes on with the rest: the
 * destination's continuity check holds back what follows it in its
 * origin (pgmesh-apply(1)), other origins go on, and the run ends 65.
 */
static void
set_aside(struct fanout *fo, const struct spool_entry *e, const char *why)
{
	fo->source_result = FANOUT_BAD_SOURCE;
	if (!spool_quarantine(fo->spool, e->origin, e->path, why))
		log_error("%s: left in place", e->path);
}

/* Spool source: queue l's next frames, skipping by name what it holds. */
static void
refill_from_spool(struct fanout *fo, size_t i)
{
	struct link *l = &fo->links[i];

	while (l->state == LINK_SEND && l->q.bytes < QUEUE_LOW &&
	    fo->cursor[i] < fo->nentries) {
		const struct spool_entry *e = &fo->entries[fo->cursor[i]++];
		struct frame *f = NULL;
		const char *why = NULL;

		if (!link_routes(l, e->origin))
			continue;
		/* Skipped by its name alone, before it is loaded. */
		if (link_skips(l, e->origin, e->last_lsn))
			continue;
		switch (load_frame(e, fo->signers, &f, &why)) {
		case LOAD_OK:
			link_enqueue(l, f);
			frame_release(f);
			break;
		case LOAD_GONE:
			log_verbose("%s: gone since the spool was listed",
			    e->path);
			break;
		case LOAD_BAD:
			set_aside(fo, e, why);
			break;
		case LOAD_IO_ERROR:
			fo->source_result = FANOUT_READ_FAILED;
			link_fail(l, LINK_IO, "cannot read %s", e->path);
			return;
		}
	}
}

static bool
source_exhausted(const struct fanout *fo, size_t i)
{
	if (fo->links[i].q.len > 0)
		return false;
	return fo->in != NULL ? fo->source_done : fo->cursor[i] == fo->nentries;
}

/* Stream source: read while at least one live link has room. */
static bool
stream_wanted(const struct fanout *fo)
{
	if (fo->in == NULL || fo->source_done)
		return false;
	for (size_t i = 0; i < fo->n; i++)
		if (link_live(&fo->links[i]) && fo->links[i].q.bytes < QUEUE_HIGH)
			return true;
	return false;
}

static void
drop_laggards(struct fanout *fo)
{
	for (size_t i = 0; i < fo->n; i++) {
		struct link *l = &fo->links[i];

		if (link_live(l) && l->q.bytes > QUEUE_MAX)
			link_fail(l, LINK_FELL_BEHIND, "fell %zu MiB behind the "
			    "other destinations", QUEUE_MAX >> 20);
	}
}

/*
 * One frame from stdin to every link that routes it.  pack_next_frame
 * blocks until the frame is whole; the links lose nothing meanwhile, as
 * what they wrote keeps draining from the kernel's buffers.
 */
static void
read_stream_frame(struct fanout *fo)
{
	struct frame_error err;
	struct frame *f = frame_new();
	uint64_t offset;
	bool got;
	enum read_result rr;

	rr = pack_next_frame(fo->in, &f->m, &f->raw, &offset, &got);
	/* Its digest and signature, as every hop checks them (receive.h):
	 * its contents are for the programs that decode it. */
	if (rr == READ_OK && got)
		rr = pack_check_bytes(&f->m, &f->raw, fo->signers, fo->in->name,
		    offset);
	if (rr == READ_OK && got &&
	    !frame_check_not_snapshot(&f->m, fo->in->name, offset, &err)) {
		log_error("%s", err.text);
		rr = READ_BAD_DATA;
	}
	if (rr != READ_OK || !got) {
		fo->source_done = true;
		if (rr != READ_OK)
			fo->source_result = rr == READ_IO_ERROR ?
			    FANOUT_READ_FAILED : FANOUT_BAD_SOURCE;
		frame_release(f);
		return;
	}
	for (size_t i = 0; i < fo->n; i++) {
		struct link *l = &fo->links[i];

		if (link_live(l) && link_routes(l, f->m.origin))
			link_enqueue(l, f);
	}
	frame_release(f);
	/* stream_wanted held: some link had room, so the laggards are
	 * behind a destination that keeps up. */
	drop_laggards(fo);
}

/* Move every link as far as it goes without waiting. */
static void
advance_links(struct fanout *fo)
{
	for (size_t i = 0; i < fo->n; i++) {
		struct link *l = &fo->links[i];

		if (l->state != LINK_SEND)
			continue;
		if (fo->in == NULL)
			refill_from_spool(fo, i);
		link_pump(l);
		if (l->state == LINK_SEND && source_exhausted(fo, i))
			link_close(l);
	}
}

static bool
any_live(const struct fanout *fo)
{
	for (size_t i = 0; i < fo->n; i++)
		if (link_live(&fo->links[i]))
			return true;
	return false;
}

/* Link i's part of the descriptors run_loop polls; p[0] is the source. */
static struct pollfd *
pollfds_of(struct pollfd *p, size_t i)
{
	return p + 1 + i * LINK_POLLFDS;
}

/* Wait for something to do, then do it. */
static void
wait_and_dispatch(struct fanout *fo, struct pollfd *p)
{
	int rc, timeout = -1;

	p[0] = (struct pollfd){ .fd = stream_wanted(fo) ? fo->in->fd : -1,
	    .events = POLLIN };
	for (size_t i = 0; i < fo->n; i++) {
		int t = link_watch(&fo->links[i], pollfds_of(p, i));

		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
	}
	do
		rc = poll(p, 1 + fo->n * LINK_POLLFDS, timeout);
	while (rc < 0 && errno == EINTR);
	if (p[0].revents != 0)
		read_stream_frame(fo);
	for (size_t i = 0; i < fo->n; i++)
		link_ready(&fo->links[i], pollfds_of(p, i));
}

static void
run_loop(struct fanout *fo)
{
	struct pollfd *p = xcalloc(1 + fo->n * LINK_POLLFDS, sizeof(*p));

	for (;;) {
		advance_links(fo);
		if (!any_live(fo))
			break;
		/* Bytes already buffered do not wake poll: take them now. */
		if (stream_wanted(fo) && input_buffered(fo->in) > 0) {
			read_stream_frame(fo);
			continue;
		}
		wait_and_dispatch(fo, p);
	}
	free(p);
}

enum fanout_result
fanout_run(const struct fanout_settings *s, struct input *in,
    const char *spool, const struct dest *dests, struct link *links,
    size_t n)
{
	struct fanout fo = { .in = in, .spool = spool,
	    .signers = s->signers, .links = links, .n = n };

	for (size_t i = 0; i < n; i++)
		link_init(&links[i], &dests[i], s->exclude, s->nexclude);
	if (spool != NULL && !spool_list(spool, &fo.entries, &fo.nentries))
		return FANOUT_NO_SOURCE;
	fo.cursor = xcalloc(n, sizeof(*fo.cursor));
	for (size_t i = 0; i < n; i++)
		link_start(&links[i], &s->ssh);
	run_loop(&fo);
	for (size_t i = 0; i < n; i++)
		link_report(&links[i]);
	if (spool != NULL)
		spool_entries_free(fo.entries, fo.nentries);
	free(fo.cursor);
	return fo.source_result;
}
