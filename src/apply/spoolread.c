/*
 * spoolread.c: a spool's frames into apply, origin by origin.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spoolread.h"
#include "common/input.h"
#include "common/log.h"
#include "pack/packread.h"
#include "spool/spool.h"

/*
 * One frame file.  A file gone since the listing was pruned meanwhile:
 * what follows it waits (continuity) rather than fail the run.  The
 * file's time dates what is held back behind a gap.
 */
static enum read_result
read_file(const char *dir, const struct spool_entry *e, struct packread *r,
    struct continuity *c, bool signed_only, size_t *quarantined)
{
	struct input in;
	struct stat st;
	enum read_result res;
	int fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		log_verbose("%s: gone since the spool was listed", e->path);
		return READ_OK;
	}
	if (fd < 0 || fstat(fd, &st) != 0) {
		log_error("%s: %s", e->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return READ_IO_ERROR;
	}
	continuity_arrived(c, st.st_mtime);
	input_init_fd(&in, fd, e->path);
	res = packread_input(r, &in);
	input_close(&in);
	if (res != READ_BAD_DATA)
		return res;
	if (!spool_quarantine(dir, e->origin, e->path, signed_only ?
	    "a damaged frame, or one not signed by its origin" :
	    "a damaged frame"))
		return READ_IO_ERROR;
	(*quarantined)++;
	return READ_OK;
}

enum read_result
spoolread_run(const char *dir, struct catalog *cat, struct continuity *c,
    const struct signers *signers, size_t *quarantined)
{
	const struct change_sink sink = continuity_sink(c);
	struct spool_entry *e;
	struct packread *r;
	enum read_result res = READ_OK;
	lsn_t stands = 0;
	size_t n;

	if (!spool_list(dir, &e, &n))
		return READ_IO_ERROR;
	r = packread_open(cat, &sink,
	    &(struct packread_options){ .signers = signers });
	for (size_t i = 0; i < n && res == READ_OK; i++) {
		if ((i == 0 || strcmp(e[i].origin, e[i - 1].origin) != 0) &&
		    !continuity_stands(c, e[i].origin, &stands))
			res = READ_SINK_FAILED;
		else if (e[i].last_lsn > stands)
			res = read_file(dir, &e[i], r, c, signers != NULL,
			    quarantined);
	}
	/* A split transaction still open at the end waits for its parts
	 * (continuity holds it back): not an error. */
	packread_close(r);
	spool_entries_free(e, n);
	return res;
}
