/*
 * privfile.c: private files and folders, never through a planted link.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privfile.h"
#include "log.h"

/* O_NOFOLLOW fails with ELOOP on a link: say so rather than "too many
 * levels of symbolic links", which names no cause anyone planted. */
static void
log_open_error(const char *shown, int err)
{
	if (err == ELOOP)
		log_error("%s: is a symbolic link; refusing to write through it",
		    shown);
	else
		log_error("%s: %s", shown, strerror(err));
}

int
privfile_open(const char *path, int flags)
{
	int fd = open(path, flags | O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    PRIVATE_FILE_MODE);

	if (fd < 0)
		log_open_error(path, errno);
	return fd;
}

int
privfile_create_temp_at(int dirfd, const char *name, const char *shown)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, name, flags, PRIVATE_FILE_MODE);

	if (fd < 0 && errno == EEXIST && unlinkat(dirfd, name, 0) == 0)
		fd = openat(dirfd, name, flags, PRIVATE_FILE_MODE);
	if (fd < 0)
		log_open_error(shown, errno);
	return fd;
}

bool
privdir_make(const char *path)
{
	if (mkdir(path, PRIVATE_DIR_MODE) == 0 || errno == EEXIST)
		return true;
	log_error("%s: %s", path, strerror(errno));
	return false;
}

int
privdir_make_open_at(int dirfd, const char *name, const char *shown)
{
	int fd;

	if (mkdirat(dirfd, name, PRIVATE_DIR_MODE) != 0 && errno != EEXIST) {
		log_error("%s: %s", shown, strerror(errno));
		return -1;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		log_error("%s: %s", shown, errno == ELOOP || errno == ENOTDIR ?
		    "not a folder (a symbolic link?); refusing to write into it" :
		    strerror(errno));
	return fd;
}
