/*
 * grants.c: --allow rules, matched in order with fnmatch(3).  There are a
 * handful of rules at most and apply caches each answer per table, so a
 * list is all this needs.
 *
 * A rule's table part is split into its schema and relation patterns by
 * the catalog's own reader of qualified names, so that a rule and a
 * stream's name are read alike, and each pattern is matched against one
 * part alone: "*" in a schema pattern never reaches across a dot into the
 * relation, nor the other way round, whatever dots a quoted name holds.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grants.h"
#include "common/buf.h"
#include "common/catalog.h"
#include "common/log.h"
#include "common/smallfile.h"
#include "common/xalloc.h"

#define GRANTS_FILE_MAX (1024 * 1024)

struct rule {
	char *node;
	char *schema;
	char *relname;
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
		free(g->rules[i].schema);
		free(g->rules[i].relname);
	}
	free(g->rules);
	free(g);
}

/*
 * PostgreSQL reserves schema names beginning with pg_ for its own
 * (pg_catalog, pg_toast, pg_temp_N, pg_toast_temp_N, and pg_temp, which
 * names the session's temporary schema: apply's staging tables); a user
 * cannot create one.  information_schema is its views, and pgmesh holds
 * capture's guard (src/capture/capsetup.c).  A row written into any of
 * them would change what the database is and who may use it, not what it
 * holds.  Compared regardless of case: a schema that differs from these
 * by case alone would be a user's, but nobody needs one, and refusing it
 * leaves no doubt about how some layer folds a name.
 */
bool
grants_system_schema(const char *schema)
{
	return strncasecmp(schema, "pg_", 3) == 0 ||
	    strcasecmp(schema, "information_schema") == 0 ||
	    strcasecmp(schema, "pgmesh") == 0;
}

bool
grants_add(struct grants *g, const char *rule, const char **why)
{
	const char *colon = strchr(rule, ':'), *table;
	char *schema, *relname;

	if (colon == NULL || colon == rule || colon[1] == '\0') {
		*why = "want NODE:SCHEMA.TABLE (patterns allowed)";
		return false;
	}
	table = colon + 1;
	if (strcmp(table, "*") == 0) {
		schema = xstrdup("*");
		relname = xstrdup("*");
	} else if (!catalog_split(table, strlen(table), &schema, &relname)) {
		*why = "want NODE:SCHEMA.TABLE (patterns allowed; a part "
		    "holding a dot in double quotes) or NODE:*";
		return false;
	}
	if (grants_system_schema(schema)) {
		free(schema);
		free(relname);
		*why = "a system schema, which no rule can grant";
		return false;
	}
	g->rules = xreallocarray(g->rules, g->n + 1, sizeof(*g->rules));
	g->rules[g->n].node = xstrndup(rule, (size_t)(colon - rule));
	g->rules[g->n].schema = schema;
	g->rules[g->n].relname = relname;
	g->n++;
	return true;
}

/* One line of a file, its line break excluded, blanks around it ignored. */
static bool
add_line(struct grants *g, const char *p, const char *end, const char **why)
{
	char *rule;
	bool ok;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (p == end || *p == '#')
		return true;
	rule = xstrndup(p, (size_t)(end - p));
	ok = grants_add(g, rule, why);
	free(rule);
	return ok;
}

bool
grants_load(struct grants *g, const char *path)
{
	struct buf text;
	const char *why;
	size_t line = 0;
	bool ok;

	buf_init(&text);
	ok = smallfile_read(path, GRANTS_FILE_MAX, &text);
	for (size_t at = 0, eol; ok && at < text.len; at = eol + 1) {
		const char *nl = memchr(text.data + at, '\n', text.len - at);

		eol = nl ? (size_t)(nl - text.data) : text.len;
		line++;
		if (!add_line(g, text.data + at, text.data + eol, &why)) {
			log_error("%s:%zu: %s", path, line, why);
			ok = false;
		}
	}
	buf_free(&text);
	return ok;
}

bool
grants_empty(const struct grants *g)
{
	return g->n == 0;
}

bool
grants_allow(const struct grants *g, const char *origin, const char *schema,
    const char *relname)
{
	if (grants_system_schema(schema))
		return false;
	for (size_t i = 0; i < g->n; i++)
		if (fnmatch(g->rules[i].node, origin, 0) == 0 &&
		    fnmatch(g->rules[i].schema, schema, 0) == 0 &&
		    fnmatch(g->rules[i].relname, relname, 0) == 0)
			return true;
	return false;
}
