/*
 * stage.c: duplicates and conflicts through a staging table.
 *
 * The staging table is created from the target's own columns (CREATE TEMP
 * TABLE ... AS SELECT ... WITH NO DATA), so values convert exactly as they
 * would into the target and rows compare with the same types; it carries
 * no constraint, so constraint errors still come from the target.  Rows are
 * compared through their text form, which every type has (not every type
 * has an equality operator), joined on the key so the check uses its index.
 */
#include <stdio.h>
#include <stdlib.h>

#include "copyin.h"
#include "rowkey.h"
#include "stage.h"
#include "common/xalloc.h"

struct staging {
	PGconn *c;
	const struct table *t;
	char stage[32];		/* pgmesh_stage_<def_id>, safe as it is */
	struct buf target;	/* quoted schema.relname */
	struct buf cols;	/* quoted column list */
	struct rowkey key;
	struct dberror *err;
	/* The rows: a segment of the log (which may lie in its file), or
	 * COPY text in memory. */
	struct applylog *log;
	const struct applylog_seg *seg;
	const char *rows;
	size_t len;
	uint64_t nrows;
};

static bool
staging_run(struct staging *st, struct buf *sql)
{
	bool ok;

	buf_putc(sql, '\0');
	ok = dbconn_exec(st->c, sql->data, 0, NULL, st->err);
	buf_reset(sql);
	return ok;
}

/* A fresh, empty staging table shaped like the target's columns. */
static bool
staging_prepare(struct staging *st, struct buf *sql)
{
	buf_puts(sql, "CREATE TEMP TABLE IF NOT EXISTS ");
	buf_puts(sql, st->stage);
	buf_puts(sql, " ON COMMIT DROP AS SELECT ");
	buf_append(sql, st->cols.data, st->cols.len);
	buf_puts(sql, " FROM ");
	buf_append(sql, st->target.data, st->target.len);
	buf_puts(sql, " WITH NO DATA");
	if (!staging_run(st, sql))
		return false;
	buf_puts(sql, "TRUNCATE ");
	buf_puts(sql, st->stage);
	return staging_run(st, sql);
}

static bool
staging_load(struct staging *st)
{
	return copyin_start(st->c, st->t, st->stage, false, st->err) &&
	    (st->seg != NULL ?
	    copyin_put_segment(st->c, st->log, st->seg, st->err) :
	    copyin_put(st->c, st->rows, st->len, st->err)) &&
	    copyin_end(st->c, st->err);
}

static bool
staging_insert(struct staging *st, struct buf *sql, uint64_t *inserted)
{
	PGresult *res;

	buf_puts(sql, "INSERT INTO ");
	buf_append(sql, st->target.data, st->target.len);
	buf_puts(sql, " (");
	buf_append(sql, st->cols.data, st->cols.len);
	/* Identity values are data, as COPY takes them. */
	buf_puts(sql, ") OVERRIDING SYSTEM VALUE SELECT ");
	buf_append(sql, st->cols.data, st->cols.len);
	buf_puts(sql, " FROM ");
	buf_puts(sql, st->stage);
	buf_puts(sql, " ON CONFLICT DO NOTHING");
	buf_putc(sql, '\0');
	res = dbconn_query(st->c, sql->data, 0, NULL, st->err);
	buf_reset(sql);
	if (res == NULL)
		return false;
	*inserted = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return true;
}

/* "ROW(p.a, p.b)::text" */
static bool
row_text(struct staging *st, struct buf *sql, const char *prefix)
{
	buf_puts(sql, "ROW(");
	if (!dbconn_quote_columns(st->c, sql, st->t, prefix, st->err))
		return false;
	buf_puts(sql, ")::text");
	return true;
}

/* The key join "t.k = s.k AND ", empty without a key. */
static bool
key_join(struct staging *st, struct buf *sql)
{
	if (st->key.whole_row)
		return true;
	for (int i = 0; i < st->key.n; i++) {
		const char *name = st->t->cols[st->key.cols[i]].name;

		buf_puts(sql, "t.");
		if (!dbconn_quote(st->c, sql, name, st->err))
			return false;
		buf_puts(sql, " = s.");
		if (!dbconn_quote(st->c, sql, name, st->err))
			return false;
		buf_puts(sql, " AND ");
	}
	return true;
}

/* The first staged row without an identical row in the target, if any. */
static PGresult *
staging_conflict(struct staging *st, struct buf *sql)
{
	PGresult *res = NULL;

	buf_puts(sql, "SELECT s.* FROM ");
	buf_puts(sql, st->stage);
	buf_puts(sql, " s WHERE NOT EXISTS (SELECT 1 FROM ");
	buf_append(sql, st->target.data, st->target.len);
	buf_puts(sql, " t WHERE ");
	if (key_join(st, sql) && row_text(st, sql, "t")) {
		buf_puts(sql, " = ");
		if (row_text(st, sql, "s")) {
			buf_puts(sql, ") LIMIT 1");
			buf_putc(sql, '\0');
			res = dbconn_query(st->c, sql->data, 0, NULL, st->err);
		}
	}
	buf_reset(sql);
	return res;
}

static void
describe_conflict(struct staging *st, PGresult *res, struct buf *key)
{
	struct value *vals = xcalloc((size_t)st->t->ncols + 1, sizeof(*vals));

	for (int i = 0; i < st->t->ncols; i++)
		if (!PQgetisnull(res, 0, i))
			vals[i] = (struct value){ PQgetvalue(res, 0, i),
			    (size_t)PQgetlength(res, 0, i) };
	rowkey_describe(key, st->t, &st->key, vals);
	free(vals);
}

static enum stage_result
staging_apply(struct staging *st, uint64_t *dups, struct buf *key)
{
	struct buf sql;
	PGresult *res;
	uint64_t inserted = 0;
	enum stage_result r = STAGE_FAILED;

	buf_init(&sql);
	if (!staging_prepare(st, &sql) || !staging_load(st) ||
	    !staging_insert(st, &sql, &inserted) ||
	    (res = staging_conflict(st, &sql)) == NULL)
		goto out;
	if (PQntuples(res) > 0) {
		describe_conflict(st, res, key);
		r = STAGE_CONFLICT;
	} else {
		*dups += st->nrows - inserted;
		r = STAGE_OK;
	}
	PQclear(res);
out:
	buf_free(&sql);
	return r;
}

/* Stage st's rows into st->t, with what quoting and its key need. */
static enum stage_result
stage(struct staging *st, uint64_t *dups, struct buf *key)
{
	enum stage_result r = STAGE_FAILED;

	snprintf(st->stage, sizeof(st->stage), "pgmesh_stage_%u", st->t->def_id);
	buf_init(&st->target);
	buf_init(&st->cols);
	if (dbconn_quote_table(st->c, &st->target, st->t, st->err) &&
	    dbconn_quote_columns(st->c, &st->cols, st->t, NULL, st->err) &&
	    rowkey_lookup(st->c, st->t, &st->key, st->err))
		r = staging_apply(st, dups, key);
	rowkey_free(&st->key);
	buf_free(&st->target);
	buf_free(&st->cols);
	return r;
}

enum stage_result
stage_segment(PGconn *c, struct applylog *l,
    const struct applylog_seg *s, uint64_t *dups, struct buf *key,
    struct dberror *err)
{
	struct staging st = { .c = c, .t = s->table, .err = err, .log = l,
	    .seg = s, .nrows = s->nrows };

	return stage(&st, dups, key);
}

enum stage_result
stage_rows(PGconn *c, const struct table *t, const char *rows, size_t len,
    uint64_t nrows, uint64_t *dups, struct buf *key, struct dberror *err)
{
	struct staging st = { .c = c, .t = t, .err = err, .rows = rows,
	    .len = len, .nrows = nrows };

	return stage(&st, dups, key);
}
