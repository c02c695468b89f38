/*
 * chain.c: a spool's heads, each the end of its origin's unbroken chain of
 * frames from the spool's base (chain.h says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "chain.h"
#include "common/log.h"

/* Where a walk along one origin's frames stands. */
struct walk {
	lsn_t end;		/* every whole transaction up to here is held */
	bool split;		/* the last frame taken ends inside one */
	lsn_t split_lsn;	/* its LSN */
	uint32_t next_part;	/* and the part that must come next */
};

/* The next part of the split transaction the walk is inside. */
static bool
is_next_part(const struct walk *w, const struct spool_entry *e)
{
	return w->split && e->part == w->next_part &&
	    e->first_lsn == w->split_lsn;
}

/* Take e into the chain when it continues it; anything else waits. */
static void
walk_step(struct walk *w, const struct spool_entry *e)
{
	if (is_next_part(w, e)) {
		w->next_part++;
		if (!e->continues_next) {
			w->split = false;
			w->end = e->last_lsn;
		}
		return;
	}
	/* A part of a transaction the walk is not inside; a frame that adds
	 * nothing, makes no claim, or follows a point not reached yet. */
	if (e->part > 0 || e->last_lsn <= w->end ||
	    e->prev_lsn == CLAIM_NONE || e->prev_lsn > w->end)
		return;
	w->split = e->continues_next;
	if (w->split) {
		w->split_lsn = e->last_lsn;
		w->next_part = 1;
	}
	w->end = frame_whole_lsn(e->last_lsn, e->continues_next);
}

lsn_t
chain_end(const struct spool_entry *e, size_t n, lsn_t base)
{
	struct walk w = { .end = base };

	/* Sorted by first LSN, a frame comes after every frame it could
	 * follow: one pass is enough. */
	for (size_t i = 0; i < n; i++)
		walk_step(&w, &e[i]);
	return w.end;
}

static void
base_path(const char *dir, char *path, size_t size)
{
	snprintf(path, size, "%s/.base", dir);
}

bool
chain_base_read(const char *dir, struct heads *base)
{
	char path[4200];

	base_path(dir, path, sizeof(path));
	return heads_load(path, base);
}

bool
chain_heads(const char *dir, struct heads *h)
{
	struct spool_entry *e;
	struct heads base;
	size_t n, i = 0;

	heads_init(&base);
	if (!chain_base_read(dir, &base) || !spool_list(dir, &e, &n)) {
		heads_free(&base);
		return false;
	}
	for (size_t k = 0; k < base.n; k++)
		heads_raise(h, base.v[k].origin, base.v[k].lsn);
	while (i < n) {
		size_t first = i;

		while (i < n && strcmp(e[i].origin, e[first].origin) == 0)
			i++;
		heads_raise(h, e[first].origin, chain_end(&e[first], i - first,
		    heads_get(&base, e[first].origin)));
	}
	spool_entries_free(e, n);
	heads_free(&base);
	return true;
}

/* Does to raise anything of base? */
static bool
raises(const struct heads *base, const struct heads *to)
{
	for (size_t i = 0; i < to->n; i++)
		if (to->v[i].lsn > heads_get(base, to->v[i].origin))
			return true;
	return false;
}

/*
 * Under the spool directory's lock, so that two pruning rounds at once
 * never write back a base lower than the other raised it to.
 */
static bool
raise_locked(const char *dir, int dfd, const struct heads *to)
{
	char path[4200];
	struct heads base;
	bool ok;

	heads_init(&base);
	base_path(dir, path, sizeof(path));
	ok = heads_load(path, &base);
	if (ok && raises(&base, to)) {
		for (size_t i = 0; i < to->n; i++)
			heads_raise(&base, to->v[i].origin, to->v[i].lsn);
		/* Durable before any frame it covers is removed: a crash
		 * then leaves frames behind, never a head that fell back. */
		ok = heads_save(path, &base);
		if (ok && fsync(dfd) != 0) {
			log_error("fsync %s: %s", dir, strerror(errno));
			ok = false;
		}
	}
	heads_free(&base);
	return ok;
}

bool
chain_base_raise(const char *dir, const struct heads *to)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok;

	if (dfd < 0 || flock(dfd, LOCK_EX) != 0) {
		log_error("spool %s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	ok = raise_locked(dir, dfd, to);
	close(dfd);		/* and with it the lock */
	return ok;
}
