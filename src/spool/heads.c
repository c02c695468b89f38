/*
 * heads.c: per-origin positions of a spool, and their text form.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heads.h"
#include "common/log.h"
#include "common/partial.h"
#include "common/privfile.h"
#include "common/xalloc.h"

void
heads_init(struct heads *h)
{
	h->v = NULL;
	h->n = 0;
}

void
heads_free(struct heads *h)
{
	free(h->v);
	heads_init(h);
}

static struct head *
heads_find(const struct heads *h, const char *origin)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->v[i].origin, origin) == 0)
			return &h->v[i];
	return NULL;
}

lsn_t
heads_get(const struct heads *h, const char *origin)
{
	const struct head *e = heads_find(h, origin);

	return e ? e->lsn : 0;
}

void
heads_raise(struct heads *h, const char *origin, lsn_t lsn)
{
	struct head *e = heads_find(h, origin);

	if (e == NULL) {
		h->v = xreallocarray(h->v, h->n + 1, sizeof(*h->v));
		e = &h->v[h->n++];
		snprintf(e->origin, sizeof(e->origin), "%s", origin);
		e->lsn = lsn;
	} else if (lsn > e->lsn)
		e->lsn = lsn;
}

lsn_t
frame_whole_lsn(lsn_t last_lsn, bool continues_next)
{
	/* LSNs of commits are at least 1 apart: last - 1 is below the
	 * unfinished transaction and at or above every whole one. */
	return continues_next ? last_lsn - 1 : last_lsn;
}

void
heads_describe(const struct heads *h, struct buf *out)
{
	char lsn[LSN_BUFSIZE];

	if (h->n == 0)
		buf_puts(out, "nothing");
	for (size_t i = 0; i < h->n; i++) {
		if (i > 0)
			buf_puts(out, ", ");
		buf_puts(out, h->v[i].origin);
		buf_putc(out, ' ');
		buf_puts(out, lsn_format(h->v[i].lsn, lsn));
	}
}

void
heads_put_lines(struct buf *out, const struct heads *h, const char *prefix)
{
	char lsn[LSN_BUFSIZE];

	for (size_t i = 0; i < h->n; i++) {
		buf_puts(out, prefix);
		buf_puts(out, h->v[i].origin);
		buf_putc(out, ' ');
		buf_puts(out, lsn_format(h->v[i].lsn, lsn));
		buf_putc(out, '\n');
	}
}

bool
heads_parse_line(const char *s, struct head *head)
{
	const char *sp = strchr(s, ' ');
	size_t olen;

	if (sp == NULL)
		return false;
	olen = (size_t)(sp - s);
	if (!node_valid(s, olen) || !lsn_parse(sp + 1, strlen(sp + 1), &head->lsn))
		return false;
	memcpy(head->origin, s, olen);
	head->origin[olen] = '\0';
	return true;
}

bool
heads_load(const char *path, struct heads *h)
{
	char line[128];
	FILE *f;
	bool ok = true;
	int lineno = 0;

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

/* The temporary name of path: ".tmp-PID-" before its last component. */
static void
temporary_name(const char *path, char *tmp, size_t size)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash != NULL ? (int)(slash - path + 1) : 0;

	snprintf(tmp, size, "%.*s.tmp-%ld-%s", dirlen, path, (long)getpid(),
	    path + dirlen);
}

bool
heads_save(const char *path, const struct heads *h)
{
	char tmp[4200];
	struct buf b;
	int fd;
	bool ok;

	temporary_name(path, tmp, sizeof(tmp));
	/* Named after this process, it is removed by nobody else: neither a
	 * failure nor an exit nor a signal before the rename may leave it. */
	partial_watch(tmp);
	if ((fd = privfile_create_temp_at(AT_FDCWD, tmp, tmp)) < 0) {
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
