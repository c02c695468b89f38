/*
 * spoolfeed.h: several spool files read as one pack stream.
 *
 * A transaction larger than a frame spans several frames, hence several
 * spool files, and no part may be applied without the others: the reader
 * must see an origin's frames as one stream.  A child process copies the
 * files, in order, into a pipe that apply reads like any input.
 */
#ifndef PGMESH_SPOOLFEED_H
#define PGMESH_SPOOLFEED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Start copying paths[0..n) into a pipe; *fd is its read end. */
bool spoolfeed_start(char *const *paths, size_t n, int *fd, pid_t *pid);

/*
 * Reap the child after the reader has closed *fd.  False when it failed
 * to read a file (it said so); a child cut off because the reader stopped
 * early is not a failure.
 */
bool spoolfeed_finish(pid_t pid, bool read_all);

#endif
