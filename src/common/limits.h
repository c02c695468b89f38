/*
 * limits.h: the defaults of the bounds a node keeps against a sender it
 * does not control, in one place.  Each has an option to change it and a
 * line in the man page of the program that keeps it, and pgmesh(7)'s
 * "Limits" lists them all.
 */
#ifndef PGMESH_LIMITS_H
#define PGMESH_LIMITS_H

/*
 * A receiver drops a connection that sends nothing for this long
 * (--idle-timeout), and any connection open longer than the total
 * (--total-timeout).  A sender streaming in near real time (capture
 * --follow) is idle between commits: ten minutes of silence, and a day
 * of streaming, are far beyond what a working link shows, while an idle
 * or endless connection ties up a receiver for good.
 */
#define LIMIT_IDLE_TIMEOUT_S 600
#define LIMIT_TOTAL_TIMEOUT_S 86400

/* --listen serves this many connections at once (--max-clients); one
 * more waits for one of them to end. */
#define LIMIT_LISTEN_CLIENTS 16

#endif
