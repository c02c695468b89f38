/*
 * privfile.h: files and folders that hold rows (spool frames, rejects,
 * pack output) or say what a node holds, created private and never
 * written through a symbolic link planted in their place.
 *
 * Whoever may write a folder we write into could otherwise put a link
 * there to any file we may write, and have us append to it or truncate
 * it; and a frame readable by every local user shows them every row.
 */
#ifndef PGMESH_PRIVFILE_H
#define PGMESH_PRIVFILE_H

#include <stdbool.h>

#define PRIVATE_FILE_MODE 0600
#define PRIVATE_DIR_MODE 0700

/*
 * Open path for writing (flags adds O_APPEND, O_TRUNC or O_EXCL), created
 * PRIVATE_FILE_MODE if it is new; a symbolic link in its place is refused.
 * -1 after log_error naming path.
 */
int privfile_open(const char *path, int flags);

/*
 * Create the temporary file name, named after this process, in the folder
 * dirfd (AT_FDCWD for a path) with O_EXCL: a file already there is a dead
 * writer's that had our process id, and is replaced.  shown names it in
 * messages.  -1 after log_error.
 */
int privfile_create_temp_at(int dirfd, const char *name, const char *shown);

/* Make the folder path PRIVATE_DIR_MODE unless it exists.  False after
 * log_error. */
bool privdir_make(const char *path);

/* The same for name in the folder dirfd, then open it for *at calls, not
 * through a symbolic link.  -1 after log_error (shown names it). */
int privdir_make_open_at(int dirfd, const char *name, const char *shown);

#endif
