/*
 * limits.h: the bounds a node keeps against a sender it does not control.
 *
 * Every byte a receiver takes may come from a machine run by someone
 * else: a few kilobytes of zstd can stand for gigabytes, a manifest or a
 * line can be as long as the sender likes.  Each bound has a name, a
 * default above anything pgmesh writes with its own options, and the
 * option --limit NAME=SIZE in every program that reads what others send;
 * pgmesh(7) lists them.  What exceeds one is bad input (status 65), but
 * for the spool's free-space floor (75: try again once there is room) and
 * apply's memory for a transaction (no error: the rest spills to disk).
 */
#ifndef PGMESH_LIMITS_H
#define PGMESH_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

struct limits {
	/* Bytes a frame's data decompresses to (its manifest's content_len,
	 * enforced while decompressing): pack writes frames of up to 256 MiB
	 * (--frame-bytes) and one row more. */
	uint64_t frame_content;
	/* Records, and values, in one frame: what decoding a frame costs
	 * beyond its bytes (24 bytes each), whatever they compress to. */
	uint64_t frame_records;
	/* Bytes of one manifest: names and columns of the tables a frame
	 * touches, kilobytes in practice. */
	uint64_t manifest;
	/* Bytes of one line of change text: one row, escaped. */
	uint64_t text_line;
	/* Free bytes a spool keeps: a frame that would leave less is refused
	 * (75) before the disk is full, never written in part. */
	uint64_t spool_free;
	/* Bytes of rows apply keeps in memory for the group it applies
	 * (each transaction whole until its commit is read, all of them until
	 * the group commits, for a retry); the rest wait in a temporary file.
	 * Above the 32 MiB at which apply ends a group: only a transaction
	 * larger than that spills. */
	uint64_t txn_memory;
};

/* The process's limits: the defaults until limits_set changes one. */
extern struct limits limits;

/*
 * Set one limit from "NAME=SIZE" (SIZE a count of bytes or items, with
 * an optional K, M or G): false after log_error when spec is not one.
 */
bool limits_set(const char *spec);

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
