/*
 * spool.c: frames as files.  Durability is decided here: a frame gets its
 * final name only after its bytes are on disk, so a crash leaves either
 * the whole frame or a temporary file that readers ignore and the next
 * store replaces; spool_sync then makes the names themselves durable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "spool.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/partial.h"
#include "common/privfile.h"
#include "common/xalloc.h"

#define LSN_HEX LSN_FIXED_LEN

/* "@PREV.pack", or ".pack" for a frame that makes no claim. */
static bool
parse_name_tail(const char *p, struct spool_entry *e)
{
	e->prev_lsn = CLAIM_NONE;
	if (*p == '@') {
		if (!lsn_parse_fixed(p + 1, &e->prev_lsn) || e->prev_lsn == CLAIM_NONE)
			return false;
		p += 1 + LSN_HEX;
	}
	return strcmp(p, ".pack") == 0;
}

/*
 * FIRST-LAST[.PART][+][@PREV].pack, as spool_store names frames, with the
 * LSNs in the order every manifest has them (manifest.c): a name a
 * manifest could not have is not a frame's.
 */
static bool
parse_frame_name(const char *name, struct spool_entry *e)
{
	const char *p = name + 2 * LSN_HEX + 1;
	char *end;

	if (strlen(name) < 2 * LSN_HEX + 1 || name[LSN_HEX] != '-' ||
	    !lsn_parse_fixed(name, &e->first_lsn) ||
	    !lsn_parse_fixed(name + LSN_HEX + 1, &e->last_lsn) ||
	    e->first_lsn == 0 || e->last_lsn < e->first_lsn)
		return false;
	e->part = 0;
	if (*p == '.' && p[1] >= '1' && p[1] <= '9') {
		unsigned long part = strtoul(p + 1, &end, 10);

		if (part > UINT32_MAX)
			return false;
		e->part = (uint32_t)part;
		p = end;
	}
	e->continues_next = *p == '+';
	if (e->continues_next)
		p++;
	if (!parse_name_tail(p, e))
		return false;
	if (e->prev_lsn == CLAIM_NONE)
		return true;
	return e->part > 0 ? e->prev_lsn == e->first_lsn :
	    e->prev_lsn < e->first_lsn;
}

static void
format_frame_name(char *buf, size_t size, const struct manifest *m)
{
	char part[16] = "", prev[2 + LSN_HEX] = "";

	if (m->part > 0)
		snprintf(part, sizeof(part), ".%" PRIu32, m->part);
	if (m->prev_lsn != CLAIM_NONE)
		snprintf(prev, sizeof(prev), "@%016" PRIX64, m->prev_lsn);
	snprintf(buf, size, "%016" PRIX64 "-%016" PRIX64 "%s%s%s.pack",
	    m->first_lsn, m->last_lsn, part, m->continues_next ? "+" : "",
	    prev);
}

static int
compare_entries(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;
	int c = strcmp(x->origin, y->origin);

	if (c != 0)
		return c;
	if (x->first_lsn != y->first_lsn)
		return x->first_lsn < y->first_lsn ? -1 : 1;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	if (x->last_lsn != y->last_lsn)
		return x->last_lsn < y->last_lsn ? -1 : 1;
	/* The same frame with two claims: the lower one chains sooner. */
	return x->prev_lsn < y->prev_lsn ? -1 : x->prev_lsn > y->prev_lsn;
}

struct listing {
	struct spool_entry *entries;
	size_t n;
	size_t cap;
};

/*
 * A temporary file ".tmp-PID-NAME" whose writer is gone: a writer killed
 * before its rename leaves one, and nothing else would ever remove it.
 * (A spool is local to its machine: PIDs name processes here.)
 */
static void
remove_if_orphan(const char *odir, const char *name)
{
	char path[4200];
	long pid;

	if (strncmp(name, ".tmp-", 5) != 0 || (pid = strtol(name + 5, NULL, 10)) <= 0)
		return;
	if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return;
	snprintf(path, sizeof(path), "%s/%s", odir, name);
	if (unlink(path) == 0)
		log_verbose("%s: removed, its writer (process %ld) is gone", path, pid);
}

static void
add_entry(struct listing *l, const struct spool_entry *e)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->entries = xreallocarray(l->entries, l->cap, sizeof(*l->entries));
	}
	l->entries[l->n++] = *e;
}

static bool
list_origin(const char *dir, const char *origin, void *ctx)
{
	struct listing *l = ctx;
	char path[4096], file[4400];
	struct dirent *d;
	DIR *dp;

	snprintf(path, sizeof(path), "%s/%s", dir, origin);
	if ((dp = opendir(path)) == NULL) {
		log_error("spool %s: %s", path, strerror(errno));
		return false;
	}
	while ((d = readdir(dp)) != NULL) {
		struct spool_entry e = { 0 };

		if (d->d_name[0] == '.') {
			remove_if_orphan(path, d->d_name);
			continue;
		}
		snprintf(file, sizeof(file), "%s/%s", path, d->d_name);
		if (!parse_frame_name(d->d_name, &e)) {
			spool_quarantine(dir, origin, file, "not the name of a "
			    "frame (FIRST-LAST[.PART][+]@PREV.pack)");
			continue;
		}
		memcpy(e.origin, origin, strlen(origin) + 1);
		e.path = xstrdup(file);
		add_entry(l, &e);
	}
	closedir(dp);
	return true;
}

/*
 * Call visit for each origin directory of the spool, in no order; what is
 * not a node name (and not hidden) is quarantined.
 */
static bool
each_origin(const char *dir, bool (*visit)(const char *dir,
    const char *origin, void *ctx), void *ctx)
{
	struct dirent *d;
	DIR *dp;
	bool ok = true;

	if ((dp = opendir(dir)) == NULL) {
		log_error("spool %s: %s", dir, strerror(errno));
		return false;
	}
	while (ok && (d = readdir(dp)) != NULL) {
		char path[4400];

		if (d->d_name[0] == '.')
			continue;
		if (node_valid(d->d_name, strlen(d->d_name))) {
			ok = visit(dir, d->d_name, ctx);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		spool_quarantine(dir, NULL, path, "not an origin node's folder");
	}
	closedir(dp);
	return ok;
}

bool
spool_list(const char *dir, struct spool_entry **entries, size_t *n)
{
	struct listing l = { 0 };
	bool ok = each_origin(dir, list_origin, &l);

	if (!ok) {
		spool_entries_free(l.entries, l.n);
		return false;
	}
	if (l.n > 0)
		qsort(l.entries, l.n, sizeof(*l.entries), compare_entries);
	*entries = l.entries;
	*n = l.n;
	return true;
}

void
spool_entries_free(struct spool_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(entries[i].path);
	free(entries);
}

static bool
fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && fsync(fd) == 0;

	if (!ok)
		log_error("fsync %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Write data to the new file tmp in the folder ofd, on disk before it
 * gets its final name. */
static bool
write_durably(int ofd, const char *tmp, const char *shown,
    const struct buf *data)
{
	int fd = privfile_create_temp_at(ofd, tmp, shown);
	bool ok;

	if (fd < 0)
		return false;
	ok = write_all(fd, data->data, data->len, shown);
	if (ok && fsync(fd) != 0) {
		log_error("fsync %s: %s", shown, strerror(errno));
		ok = false;
	}
	close(fd);
	return ok;
}

/* Would len more bytes in the folder ofd leave its file system the free
 * space of the spool-free limit?  A sender does not get to fill the disk
 * (a full disk fails everything else on it, a database's WAL too). */
static bool
has_room(int ofd, const char *odir, size_t len)
{
	struct statvfs fs;
	uint64_t avail;

	if (fstatvfs(ofd, &fs) != 0)
		return true;	/* then writing says what is wrong */
	avail = (uint64_t)fs.f_bavail * fs.f_frsize;
	if (avail >= len && avail - len >= limits.spool_free)
		return true;
	log_error("spool %s: %" PRIu64 " bytes free; a frame of %zu would leave "
	    "less than the spool-free limit (%" PRIu64 "); not stored", odir,
	    avail, len, limits.spool_free);
	return false;
}

/*
 * Store the frame as name in the origin's folder ofd (odir in messages).
 * Everything is done relative to ofd, which was opened not through a
 * link: a link planted in the folder is neither followed nor written.
 */
static enum spool_store_result
store_at(int ofd, const char *odir, const char *name, const struct buf *raw)
{
	char tmp[128], shown[4300];
	struct stat st;
	bool ok;

	/* Same origin and range: the same frame, delivered again. */
	if (fstatat(ofd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return SPOOL_STORED;
	if (!has_room(ofd, odir, raw->len))
		return SPOOL_NO_ROOM;
	snprintf(tmp, sizeof(tmp), ".tmp-%ld-%s", (long)getpid(), name);
	snprintf(shown, sizeof(shown), "%s/%s", odir, tmp);
	/* Named after this process, it is removed by nobody else: neither a
	 * failure nor an exit nor a signal before the rename may leave it. */
	partial_watch(shown);
	ok = write_durably(ofd, tmp, shown, raw);
	if (ok && renameat(ofd, tmp, ofd, name) != 0) {
		log_error("spool %s/%s: %s", odir, name, strerror(errno));
		ok = false;
	}
	if (!ok)
		unlinkat(ofd, tmp, 0);
	partial_done();
	return ok ? SPOOL_STORED : SPOOL_FAILED;
}

enum spool_store_result
spool_store(const char *dir, const struct manifest *m, const struct buf *raw)
{
	char odir[4096], name[64];
	enum spool_store_result res;
	int dfd, ofd;

	if (!privdir_make(dir))
		return SPOOL_FAILED;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_error("spool %s: %s", dir, strerror(errno));
		return SPOOL_FAILED;
	}
	snprintf(odir, sizeof(odir), "%s/%s", dir, m->origin);
	ofd = privdir_make_open_at(dfd, m->origin, odir);
	close(dfd);
	if (ofd < 0)
		return SPOOL_FAILED;
	format_frame_name(name, sizeof(name), m);
	res = store_at(ofd, odir, name, raw);
	close(ofd);
	return res;
}

static bool
visit_sync(const char *dir, const char *origin, void *ctx)
{
	char path[4096];

	(void)ctx;
	snprintf(path, sizeof(path), "%s/%s", dir, origin);
	return fsync_path(path);
}

bool
spool_sync(const char *dir)
{
	return each_origin(dir, visit_sync, NULL) && fsync_path(dir);
}

/* DIR/.quarantine/ORIGIN (or DIR/.quarantine for what is not an origin's). */
static bool
quarantine_dir(const char *dir, const char *origin, char *path, size_t size)
{
	snprintf(path, size, "%s/.quarantine", dir);
	if (!privdir_make(path))
		return false;
	if (origin == NULL)
		return true;
	snprintf(path + strlen(path), size - strlen(path), "/%s", origin);
	return privdir_make(path);
}

bool
spool_quarantine(const char *dir, const char *origin, const char *path,
    const char *why)
{
	const char *name = strrchr(path, '/');
	char to[4200], qdir[4096];

	if (!quarantine_dir(dir, origin, qdir, sizeof(qdir)))
		return false;
	snprintf(to, sizeof(to), "%s/%s", qdir, name != NULL ? name + 1 : path);
	/* Another reader may have moved it already: that is the same end. */
	if (rename(path, to) != 0 && errno != ENOENT) {
		log_error("%s: %s; cannot move it into %s: %s", path, why, qdir,
		    strerror(errno));
		return false;
	}
	log_warn("%s: %s; moved into %s", path, why, qdir);
	return true;
}
