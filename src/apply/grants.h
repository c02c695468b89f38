/*
 * grants.h: which origin nodes may insert into which tables.
 *
 * The destination decides, with rules NODE:TABLE given as --allow or one a
 * line in an --allow-file.  NODE is an fnmatch(3) pattern of origin node
 * names.  TABLE is SCHEMA.NAME, spelled as change text spells a table (a
 * part that holds a dot or a double quote goes in double quotes), each
 * part an fnmatch pattern matched against the name PostgreSQL stores,
 * unquoted, case and all; or "*" alone, for every table.
 *
 * Rules judge the table a name resolves to, never how a stream spelled it:
 * the caller passes the schema and relation name the catalog resolved, the
 * very strings the rows are written into.  Nothing is allowed without a
 * rule, and no rule reaches a system schema (grants_system_schema).
 */
#ifndef PGMESH_GRANTS_H
#define PGMESH_GRANTS_H

#include <stdbool.h>

/* What to say to someone who gave no rule: the option to add. */
#define GRANTS_HINT "say which origins may insert into which tables, " \
	"as in --allow 'a:public.*' (--allow '*:*' grants every table)"

struct grants;

struct grants *grants_new(void);
void grants_free(struct grants *g);

/* Add a rule "NODE:TABLE"; false, with *why set, when it is not one. */
bool grants_add(struct grants *g, const char *rule, const char **why);
/* Add the rules of a file, one a line ('#' starts a comment line); false
 * after log_error naming the file and line. */
bool grants_load(struct grants *g, const char *path);
bool grants_empty(const struct grants *g);

/* May origin insert into schema.relname (both unquoted)? */
bool grants_allow(const struct grants *g, const char *origin,
    const char *schema, const char *relname);

/* A schema no rule can grant: PostgreSQL's own, and pgmesh's. */
bool grants_system_schema(const char *schema);

#endif
