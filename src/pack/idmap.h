/*
 * idmap.h: the table ids of one data frame (T records number their tables,
 * I records name them by number), in a small hash.  A zeroed idmap is
 * empty.
 */
#ifndef PGMESH_IDMAP_H
#define PGMESH_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/change.h"

struct idmap {
	uint64_t *keys;
	const struct table **tables;	/* NULL: empty slot */
	size_t cap;
	size_t n;
};

/* Number id is table t (a later put of the same id replaces it). */
void idmap_put(struct idmap *map, uint64_t id, const struct table *t);
/* The table numbered id, or NULL. */
const struct table *idmap_get(const struct idmap *map, uint64_t id);
void idmap_free(struct idmap *map);

#endif
