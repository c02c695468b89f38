/*
 * partial.h: a file being written that must not outlive a failure.
 *
 * A program watches a file from its creation until it is whole: pack's
 * -o file under its final name, a temporary one that is renamed when
 * whole (spool frames, acknowledgement records, metrics).  If the program
 * exits before partial_done (a failed run, out of memory) or is ended by
 * SIGINT, SIGTERM or SIGHUP, the file is removed, so that nothing half
 * written passes for whole.  A signal the program ignores or catches
 * itself is left so.  One file at a time; only the process that started
 * watching removes it (not a child forked meanwhile).
 */
#ifndef PGMESH_PARTIAL_H
#define PGMESH_PARTIAL_H

/* Remove path (copied) on exit or on those signals until partial_done. */
void partial_watch(const char *path);

/* The file is whole, renamed or removed already: leave it be. */
void partial_done(void);

#endif
