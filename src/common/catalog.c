/*
 * catalog.c: table definitions by name, in an open-addressing hash table
 * (a stream may name thousands of tables, and every row looks one up).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "xalloc.h"

struct catalog {
	struct table **current;	/* by name_id */
	unsigned nnames;
	struct table **defs;	/* by def_id, all kept until catalog_free */
	unsigned ndefs;
	unsigned *slots;	/* name_id + 1, 0 for empty; size a power of 2 */
	unsigned nslots;
};

struct catalog *
catalog_new(void)
{
	struct catalog *c = xcalloc(1, sizeof(*c));

	c->nslots = 64;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	return c;
}

static void
table_free(struct table *t)
{
	for (int i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
	}
	free(t->cols);
	free(t->name);
	free(t->schema);
	free(t->relname);
	free(t);
}

void
catalog_free(struct catalog *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->ndefs; i++)
		table_free(c->defs[i]);
	free(c->defs);
	free(c->current);
	free(c->slots);
	free(c);
}

static uint32_t
hash_name(const char *s, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The slot holding name, or the empty slot where it would go. */
static unsigned *
find_slot(struct catalog *c, const char *name, size_t len)
{
	unsigned mask = c->nslots - 1;

	for (unsigned i = hash_name(name, len) & mask;; i = (i + 1) & mask) {
		unsigned id = c->slots[i];
		const char *other;

		if (id == 0)
			return &c->slots[i];
		other = c->current[id - 1]->name;
		if (strncmp(other, name, len) == 0 && other[len] == '\0')
			return &c->slots[i];
	}
}

static void
grow_slots(struct catalog *c)
{
	unsigned *old = c->slots, nold = c->nslots;

	c->nslots *= 2;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	for (unsigned i = 0; i < nold; i++) {
		if (old[i] != 0) {
			const char *name = c->current[old[i] - 1]->name;

			*find_slot(c, name, strlen(name)) = old[i];
		}
	}
	free(old);
}

const struct table *
catalog_lookup(struct catalog *c, const char *name, size_t len)
{
	unsigned id = *find_slot(c, name, len);

	return id ? c->current[id - 1] : NULL;
}

static bool
same_columns(const struct table *t, int ncols, const struct column *cols)
{
	if (t->ncols != ncols)
		return false;
	for (int i = 0; i < ncols; i++)
		if (strcmp(t->cols[i].name, cols[i].name) != 0 ||
		    strcmp(t->cols[i].type, cols[i].type) != 0)
			return false;
	return true;
}

static struct table *
table_new(const char *name, char *schema, char *relname, int ncols,
    const struct column *cols)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->name = xstrdup(name);
	t->schema = schema;
	t->relname = relname;
	t->ncols = ncols;
	t->cols = xcalloc(ncols > 0 ? (size_t)ncols : 1, sizeof(*t->cols));
	for (int i = 0; i < ncols; i++) {
		t->cols[i].name = xstrdup(cols[i].name);
		t->cols[i].type = xstrdup(cols[i].type);
	}
	return t;
}

/* Make t the current definition of its name; takes ownership of t. */
static const struct table *
install(struct catalog *c, struct table *t)
{
	unsigned *slot = find_slot(c, t->name, strlen(t->name));

	if (*slot == 0) {
		t->name_id = c->nnames++;
		c->current = xreallocarray(c->current, c->nnames, sizeof(*c->current));
		*slot = t->name_id + 1;
	} else {
		t->name_id = *slot - 1;
	}
	c->current[t->name_id] = t;
	t->def_id = c->ndefs++;
	c->defs = xreallocarray(c->defs, c->ndefs, sizeof(*c->defs));
	c->defs[t->def_id] = t;
	if (c->nnames * 2 > c->nslots)
		grow_slots(c);
	return t;
}

const struct table *
catalog_define(struct catalog *c, const char *name, int ncols,
    const struct column *cols, const char **err)
{
	const struct table *cur = catalog_lookup(c, name, strlen(name));
	char *schema, *relname;

	if (cur != NULL && same_columns(cur, ncols, cols))
		return cur;
	if (!catalog_split(name, strlen(name), &schema, &relname)) {
		*err = "not a qualified table name (schema.table)";
		return NULL;
	}
	return install(c, table_new(name, schema, relname, ncols, cols));
}

const struct table *
catalog_define_parts(struct catalog *c, const char *schema,
    const char *relname, int ncols, const struct column *cols)
{
	struct buf name;
	const struct table *cur;

	buf_init(&name);
	catalog_qualify(&name, schema, relname);
	buf_putc(&name, '\0');
	cur = catalog_lookup(c, name.data, name.len - 1);
	if (cur == NULL || !same_columns(cur, ncols, cols))
		cur = install(c, table_new(name.data, xstrdup(schema),
		    xstrdup(relname), ncols, cols));
	buf_free(&name);
	return cur;
}

unsigned
catalog_names(const struct catalog *c)
{
	return c->nnames;
}

unsigned
catalog_defs(const struct catalog *c)
{
	return c->ndefs;
}

static bool
plain_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '$'))
			return false;
	return true;
}

static void
quote_part(struct buf *out, const char *part)
{
	if (plain_identifier(part)) {
		buf_puts(out, part);
		return;
	}
	buf_putc(out, '"');
	for (; *part; part++) {
		if (*part == '"')
			buf_putc(out, '"');
		buf_putc(out, *part);
	}
	buf_putc(out, '"');
}

void
catalog_qualify(struct buf *out, const char *schema, const char *relname)
{
	quote_part(out, schema);
	buf_putc(out, '.');
	quote_part(out, relname);
}

/*
 * Read one part starting at s[*pos]: a quoted identifier or a plain one up
 * to the next dot.  The result is unquoted.
 */
static char *
unquote_part(const char *s, size_t len, size_t *pos)
{
	struct buf part;
	size_t i = *pos;

	buf_init(&part);
	if (i < len && s[i] == '"') {
		for (i++; i < len; i++) {
			if (s[i] == '"') {
				if (i + 1 < len && s[i + 1] == '"')
					i++;
				else
					break;
			}
			buf_putc(&part, s[i]);
		}
		if (i == len)
			goto bad;
		i++;
	} else {
		for (; i < len && s[i] != '.'; i++) {
			if (s[i] == '"')
				goto bad;
			buf_putc(&part, s[i]);
		}
	}
	if (part.len == 0)
		goto bad;
	buf_putc(&part, '\0');
	*pos = i;
	return part.data;
bad:
	buf_free(&part);
	return NULL;
}

bool
catalog_split(const char *name, size_t len, char **schema, char **relname)
{
	size_t pos = 0;

	*schema = unquote_part(name, len, &pos);
	if (*schema == NULL)
		return false;
	if (pos < len && name[pos] == '.') {
		pos++;
		*relname = unquote_part(name, len, &pos);
		if (*relname != NULL && pos == len)
			return true;
		free(*relname);
	}
	free(*schema);
	return false;
}
