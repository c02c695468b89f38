/*
 * timestamp.h: commit times.  In memory and in packs a commit time is a
 * count of microseconds since 1970-01-01 00:00:00 UTC; in change text it is
 * always written in one fixed form, "2026-11-21 13:16:41.123456+00", so that
 * the text round-trips through a pack byte for byte.
 */
#ifndef PGMESH_TIMESTAMP_H
#define PGMESH_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMESTAMP_LEN 29	/* strlen("2026-11-21 13:16:41.123456+00") */
#define TIMESTAMP_BUFSIZE (TIMESTAMP_LEN + 1)

/* pgoutput counts from 2000-01-01; this many microseconds later than 1970. */
#define PG_EPOCH_OFFSET_US INT64_C(946684800000000)

bool timestamp_parse(const char *s, size_t len, int64_t *us);
char *timestamp_format(int64_t us, char buf[TIMESTAMP_BUFSIZE]);

#endif
