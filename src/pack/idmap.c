/*
 * idmap.c: open addressing with linear probing, kept at most half full.
 */
#include <stdlib.h>

#include "idmap.h"
#include "common/xalloc.h"

static size_t
idmap_slot(const struct idmap *map, uint64_t id)
{
	size_t mask = map->cap - 1;
	size_t i = (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;

	while (map->tables[i] != NULL && map->keys[i] != id)
		i = (i + 1) & mask;
	return i;
}

void
idmap_put(struct idmap *map, uint64_t id, const struct table *t)
{
	size_t i;

	if ((map->n + 1) * 2 > map->cap) {
		struct idmap old = *map;

		map->cap = old.cap ? old.cap * 2 : 16;
		map->keys = xcalloc(map->cap, sizeof(*map->keys));
		map->tables = xcalloc(map->cap, sizeof(*map->tables));
		for (size_t k = 0; k < old.cap; k++)
			if (old.tables[k] != NULL) {
				i = idmap_slot(map, old.keys[k]);
				map->keys[i] = old.keys[k];
				map->tables[i] = old.tables[k];
			}
		free(old.keys);
		free(old.tables);
	}
	i = idmap_slot(map, id);
	if (map->tables[i] == NULL)
		map->n++;
	map->keys[i] = id;
	map->tables[i] = t;
}

const struct table *
idmap_get(const struct idmap *map, uint64_t id)
{
	return map->cap ? map->tables[idmap_slot(map, id)] : NULL;
}

void
idmap_free(struct idmap *map)
{
	free(map->keys);
	free(map->tables);
	*map = (struct idmap){ .keys = NULL };
}
