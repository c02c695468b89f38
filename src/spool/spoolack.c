/*
 * spoolack.c: acknowledgement records and pruning.
 *
 * A record says "this consumer durably holds everything of ORIGIN up to
 * LSN": it is written only from what the consumer itself reported after
 * storing (or, for a local spool or a database, read back from it), never
 * from what was merely sent.  Pruning trusts nothing else, so a frame
 * leaves a spool only when every consumer has it, unless the administrator
 * forces it by age.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain.h"
#include "spool.h"
#include "spoolack.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/privfile.h"
#include "common/xalloc.h"

/* The consumer's name as a file name (spoolack.h), escaped into b. */
static void
escape_name(const char *name, struct buf *b)
{
	for (const char *p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		char hex[4];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    (c == '.' && p != name))
			buf_putc(b, (char)c);
		else {
			snprintf(hex, sizeof(hex), "%%%02X", c);
			buf_puts(b, hex);
		}
	}
	buf_putc(b, '\0');
}

static void
ack_path(const char *spool, const char *name, char *path, size_t size)
{
	struct buf b;

	buf_init(&b);
	escape_name(name, &b);
	snprintf(path, size, "%s/.acked/%s", spool, b.data);
	buf_free(&b);
}

bool
spoolack_read(const char *spool, const char *name, struct heads *h)
{
	char path[4200];

	ack_path(spool, name, path, sizeof(path));
	return heads_load(path, h);
}

bool
spoolack_write(const char *spool, const char *name, const struct heads *h)
{
	char dir[4096], path[4200];

	snprintf(dir, sizeof(dir), "%s/.acked", spool);
	if (!privdir_make(dir))
		return false;
	ack_path(spool, name, path, sizeof(path));
	return heads_save(path, h);
}

/* "%XX" escapes back to bytes, in place: the consumer's own name. */
static void
unescape_name(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		unsigned int c;

		if (*s == '%' && sscanf(s + 1, "%2x", &c) == 1) {
			*out++ = (char)c;
			s += 2;
		} else
			*out++ = *s;
	}
	*out = '\0';
}

/* One record of .acked into the lists; false after log_error. */
static bool
add_consumer(const char *dir, const char *file, char ***names,
    struct heads **h, size_t *n)
{
	char path[4400], *name = xstrdup(file);
	struct heads *c;

	*names = xreallocarray(*names, *n + 1, sizeof(**names));
	*h = xreallocarray(*h, *n + 1, sizeof(**h));
	c = &(*h)[*n];
	heads_init(c);
	unescape_name(name);
	(*names)[(*n)++] = name;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (node_valid(name, strlen(name)))
		heads_raise(c, name, UINT64_MAX);
	return heads_load(path, c);
}

bool
spoolack_consumers(const char *spool, char ***names, struct heads **h,
    size_t *n)
{
	char dir[4096];
	struct dirent *d;
	DIR *dp;
	bool ok = true;

	*names = NULL;
	*h = NULL;
	*n = 0;
	snprintf(dir, sizeof(dir), "%s/.acked", spool);
	if ((dp = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return true;
		log_error("%s: %s", dir, strerror(errno));
		return false;
	}
	while (ok && (d = readdir(dp)) != NULL)
		if (d->d_name[0] != '.')
			ok = add_consumer(dir, d->d_name, names, h, n);
	closedir(dp);
	if (!ok)
		spoolack_consumers_free(*names, *h, *n);
	return ok;
}

void
spoolack_consumers_free(char **names, struct heads *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		heads_free(&h[i]);
	}
	free(names);
	free(h);
}

/* What every consumer holds of origin: the lowest of their heads. */
static lsn_t
held_by_all(const char *origin, const struct heads *downstreams, size_t n)
{
	lsn_t held = n > 0 ? UINT64_MAX : 0;

	for (size_t i = 0; i < n; i++) {
		lsn_t head = heads_get(&downstreams[i], origin);

		if (head < held)
			held = head;
	}
	return held;
}

static bool
older_than(const char *path, time_t max_age)
{
	struct stat st;

	return max_age > 0 && stat(path, &st) == 0 &&
	    st.st_mtime < time(NULL) - max_age;
}

/*
 * The base each origin of the spool can move to: the end of the last of
 * its frames that every consumer holds.  Not the consumers' heads
 * themselves: a consumer never sent an origin counts as holding all of
 * it, which says nothing of where the origin's chain stands.
 */
static void
base_to(const struct spool_entry *e, size_t count,
    const struct heads *downstreams, size_t n, struct heads *to)
{
	for (size_t i = 0; i < count; i++)
		if (e[i].last_lsn <= held_by_all(e[i].origin, downstreams, n))
			heads_raise(to, e[i].origin, e[i].last_lsn);
}

/* Remove (or keep) each frame; the base already covers what goes. */
static bool
prune_frames(const struct spool_entry *e, size_t count,
    const struct heads *downstreams, size_t n, time_t max_age, bool force,
    struct prune_result *res)
{
	bool ok = true;

	for (size_t i = 0; i < count; i++) {
		bool all = e[i].last_lsn <= held_by_all(e[i].origin,
		    downstreams, n);
		bool old = older_than(e[i].path, max_age);

		if (!all && !(old && force)) {
			res->kept++;
			res->stale += old;
			continue;
		}
		/* No directory fsync: a removal lost in a crash only brings
		 * back a frame everyone has, which is harmless. */
		if (unlink(e[i].path) != 0 && errno != ENOENT) {
			log_error("%s: %s", e[i].path, strerror(errno));
			ok = false;
		}
		res->removed++;
		res->forced += !all;
	}
	return ok;
}

bool
spoolack_prune(const char *spool, const struct heads *downstreams, size_t n,
    time_t max_age, bool force, struct prune_result *res)
{
	struct spool_entry *e;
	struct heads to;
	size_t count;
	bool ok;

	memset(res, 0, sizeof(*res));
	if (!spool_list(spool, &e, &count))
		return false;
	heads_init(&to);
	base_to(e, count, downstreams, n, &to);
	ok = chain_base_raise(spool, &to) &&
	    prune_frames(e, count, downstreams, n, max_age, force, res);
	heads_free(&to);
	spool_entries_free(e, count);
	return ok;
}

bool
spoolack_prune_recorded(const char *spool, struct prune_result *res)
{
	char **names;
	struct heads *h;
	size_t n;
	bool ok;

	if (!spoolack_consumers(spool, &names, &h, &n))
		return false;
	ok = spoolack_prune(spool, h, n, 0, false, res);
	spoolack_consumers_free(names, h, n);
	return ok;
}
