/*
 * packdata_int.h: a checked frame's insides, shared by its two files:
 * packcheck.c (the check pass, which keeps each record it decoded as an
 * event) and packdata.c (the feed pass, which replays the events into a
 * sink).  Nothing else includes this.
 *
 * The events are what lets the CBOR be walked only once.  Values are 8
 * bytes each (content is at most 1 GiB, so offsets fit 32 bits), which
 * bounds a checked frame's memory at a small multiple of its content.
 */
#ifndef PGMESH_PACKDATA_INT_H
#define PGMESH_PACKDATA_INT_H

#include <stdint.h>

#include "packdata.h"

enum event_kind {
	EV_BEGIN, EV_RESUME, EV_ROW, EV_COMMIT,
	/* A snapshot frame's: S (or S again, continuing), W, E. */
	EV_SNAP_BEGIN, EV_SNAP_RESUME, EV_WATERMARK, EV_SNAP_END
};

struct packdata_event {
	enum event_kind kind;
	uint32_t index;		/* BEGIN, RESUME: txns[]; ROW: first of vals[];
				 * WATERMARK: marks[] */
	const struct table *table;	/* ROW */
};

#define VREF_NULL UINT32_MAX

struct packdata_vref {
	uint32_t off;
	uint32_t len;		/* VREF_NULL: SQL NULL */
};

#endif
