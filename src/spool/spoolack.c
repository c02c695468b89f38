/*
 * spoolack.c: acknowledgement records and pruning.
 *
 * A record says "this downstream durably holds everything of ORIGIN up to
 * LSN": it is written only from what the downstream itself reported after
 * storing (or, for a local spool, read back from it), never from what was
 * merely sent.  Pruning trusts nothing else, so a frame leaves a spool only
 * when every downstream has it, unless the administrator forces it by age.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "spoolack.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/partial.h"

static void
ack_path(const char *spool, const char *name, const char *prefix,
    char *path, size_t size)
{
	struct buf b;

	buf_init(&b);
	for (const char *p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		char hex[4];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    (c == '.' && p != name))
			buf_putc(&b, (char)c);
		else {
			snprintf(hex, sizeof(hex), "%%%02X", c);
			buf_puts(&b, hex);
		}
	}
	buf_putc(&b, '\0');
	snprintf(path, size, "%s/.acked/%s%s", spool, prefix, b.data);
	buf_free(&b);
}

bool
spoolack_read(const char *spool, const char *name, struct heads *h)
{
	char path[4096], line[128];
	FILE *f;
	bool ok = true;
	int lineno = 0;

	ack_path(spool, name, "", path, sizeof(path));
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return true;
		log_error("%s: %s", path, strerror(errno));
		return false;
	}
	while (ok && fgets(line, sizeof(line), f) != NULL) {
		struct head head;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (heads_parse_line(line, &head))
			heads_raise(h, head.origin, head.lsn);
		else {
			log_error("%s:%d: expected ORIGIN LSN", path, lineno);
			ok = false;
		}
	}
	fclose(f);
	return ok;
}

bool
spoolack_write(const char *spool, const char *name, const struct heads *h)
{
	char dir[4096], path[4096], tmp[4200], prefix[32];
	struct buf b;
	int fd;
	bool ok;

	snprintf(dir, sizeof(dir), "%s/.acked", spool);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("%s: %s", dir, strerror(errno));
		return false;
	}
	ack_path(spool, name, "", path, sizeof(path));
	snprintf(prefix, sizeof(prefix), ".tmp-%ld-", (long)getpid());
	ack_path(spool, name, prefix, tmp, sizeof(tmp));
	partial_watch(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		log_error("%s: %s", tmp, strerror(errno));
		partial_done();
		return false;
	}
	buf_init(&b);
	heads_put_lines(&b, h, "");
	ok = buf_write_fd(&b, fd, tmp);
	buf_free(&b);
	if (ok && fsync(fd) != 0) {
		log_error("fsync %s: %s", tmp, strerror(errno));
		ok = false;
	}
	close(fd);
	if (ok && rename(tmp, path) != 0) {
		log_error("%s: %s", path, strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	partial_done();
	return ok;
}

static bool
held_by_all(const struct spool_entry *e, const struct heads *downstreams,
    size_t n)
{
	/* Every transaction the frame touches, the split one included. */
	for (size_t i = 0; i < n; i++)
		if (heads_get(&downstreams[i], e->origin) < e->last_lsn)
			return false;
	return true;
}

static bool
older_than(const char *path, time_t max_age)
{
	struct stat st;

	return max_age > 0 && stat(path, &st) == 0 &&
	    st.st_mtime < time(NULL) - max_age;
}

static bool
newest_of_origin(const struct spool_entry *e, size_t i, size_t n)
{
	return i + 1 == n || strcmp(e[i].origin, e[i + 1].origin) != 0;
}

bool
spoolack_prune(const char *spool, const struct heads *downstreams, size_t n,
    time_t max_age, bool force, struct prune_result *res)
{
	struct spool_entry *e;
	size_t count;
	bool ok = true;

	memset(res, 0, sizeof(*res));
	if (!spool_list(spool, &e, &count))
		return false;
	for (size_t i = 0; ok && i < count; i++) {
		bool all = held_by_all(&e[i], downstreams, n);
		bool old = older_than(e[i].path, max_age);

		if (newest_of_origin(e, i, count)) {
			res->kept += !all;
			continue;
		}
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
	spool_entries_free(e, count);
	return ok;
}
