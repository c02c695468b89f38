/*
 * grants.c: --allow rules, matched in order with fnmatch(3).  There are a
 * handful of rules at most and apply caches each answer per table, so a
 * list is all this needs.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "grants.h"
#include "common/xalloc.h"

struct rule {
	char *node;
	char *table;
};

struct grants {
	struct rule *rules;
	size_t n;
};

struct grants *
grants_new(void)
{
	return xcalloc(1, sizeof(struct grants));
}

void
grants_free(struct grants *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->rules[i].node);
		free(g->rules[i].table);
	}
	free(g->rules);
	free(g);
}

bool
grants_add(struct grants *g, const char *rule)
{
	const char *colon = strchr(rule, ':');

	if (colon == NULL || colon == rule || colon[1] == '\0')
		return false;
	g->rules = xreallocarray(g->rules, g->n + 1, sizeof(*g->rules));
	g->rules[g->n].node = xstrndup(rule, (size_t)(colon - rule));
	g->rules[g->n].table = xstrdup(colon + 1);
	g->n++;
	return true;
}

bool
grants_empty(const struct grants *g)
{
	return g->n == 0;
}

bool
grants_allow(const struct grants *g, const char *origin, const char *table)
{
	if (g->n == 0)
		return true;
	for (size_t i = 0; i < g->n; i++)
		if (fnmatch(g->rules[i].node, origin, 0) == 0 &&
		    fnmatch(g->rules[i].table, table, 0) == 0)
			return true;
	return false;
}
