/*
 * rowkey.c: key columns from pg_index, and rows described by them.
 */
#include <string.h>
#include <stdlib.h>

#include "rowkey.h"
#include "common/xalloc.h"

/* Longest value shown in a message; the rest is elided. */
#define SHOW_MAX 64

static int
column_index(const struct table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}

static void
rowkey_whole(const struct table *t, struct rowkey *k)
{
	k->n = t->ncols;
	k->whole_row = true;
	for (int i = 0; i < t->ncols; i++)
		k->cols[i] = i;
}

bool
rowkey_lookup(PGconn *c, const struct table *t, struct rowkey *k,
    struct dberror *err)
{
	/* The primary key, else the replica identity index, columns in
	 * index order.  The table name goes in as a regclass parameter. */
	static const char sql[] =
	    "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
	    "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
	    "WHERE i.indexrelid = (SELECT indexrelid FROM pg_index "
	    "WHERE indrelid = $1::regclass AND (indisprimary OR indisreplident) "
	    "ORDER BY indisprimary DESC LIMIT 1) "
	    "ORDER BY array_position(i.indkey::int2[], a.attnum)";
	const char *params[1] = { t->name };
	PGresult *res = dbconn_query(c, sql, 1, params, err);
	int n;

	if (res == NULL)
		return false;
	k->cols = xcalloc((size_t)t->ncols + 1, sizeof(*k->cols));
	k->n = 0;
	k->whole_row = false;
	n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		int col = column_index(t, PQgetvalue(res, i, 0));

		if (col < 0) {
			k->n = 0;
			break;
		}
		k->cols[k->n++] = col;
	}
	if (k->n == 0)
		rowkey_whole(t, k);
	PQclear(res);
	return true;
}

void
rowkey_free(struct rowkey *k)
{
	free(k->cols);
	k->cols = NULL;
	k->n = 0;
}

void
rowkey_describe(struct buf *out, const struct table *t,
    const struct rowkey *k, const struct value *vals)
{
	for (int i = 0; i < k->n; i++) {
		const struct value *v = &vals[k->cols[i]];

		if (i > 0)
			buf_puts(out, ", ");
		buf_puts(out, t->cols[k->cols[i]].name);
		buf_putc(out, '=');
		if (v->data == NULL) {
			buf_puts(out, "NULL");
			continue;
		}
		for (size_t j = 0; j < v->len && j < SHOW_MAX; j++)
			buf_putc(out, (v->data[j] == '\n' || v->data[j] == '\t') ?
			    ' ' : v->data[j]);
		if (v->len > SHOW_MAX)
			buf_puts(out, "...");
	}
}
