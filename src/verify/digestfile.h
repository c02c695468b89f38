/*
 * digestfile.h: the text form of a digest, what `pgmesh-verify --digest`
 * prints and `--compare` reads.  Tab-separated lines, so that two peers'
 * digests also compare with diff(1):
 *
 *	#pgmesh-digest	1	buckets=16	keys=20	tables=all
 *	table	public.payments	1000	8f3a0c21d9e4b7a6
 *	bucket	public.payments	0	61	0c4d2e...
 *	key	public.payments	0	id=42	77a1...
 *
 * The header gives the format version, the number of buckets (0: none),
 * the key limit (buckets of at most that many rows list their keys) and
 * whether the digest covers every user table or the tables named.  A table
 * line gives the row count and hash (16 hexadecimal digits); its bucket
 * lines (every bucket, empty ones too) and key lines follow it.  Names and
 * keys use change text escapes.
 */
#ifndef PGMESH_DIGESTFILE_H
#define PGMESH_DIGESTFILE_H

#include "digest.h"
#include "common/buf.h"
#include "common/input.h"

#define DIGESTFILE_VERSION 1

void digestfile_write(const struct digest *d, struct buf *out);

/* Read a digest; false after a message "NAME:LINE: what is wrong". */
bool digestfile_read(struct input *in, struct digest *d);

#endif
