/*
 * pgoutput.c: parsing pgoutput's logical replication messages, protocol
 * version 1.  All integers are big-endian; a String is NUL-terminated.
 *
 *	Begin     'B' Int64 commit LSN (start of the commit record)
 *	              Int64 commit time (us since 2000-01-01) Int32 xid
 *	Commit    'C' Int8 flags (0) Int64 commit LSN Int64 end LSN
 *	              Int64 commit time
 *	Origin    'O' Int64 origin's commit LSN  String origin name
 *	              (sent after Begin when the transaction was applied
 *	              under a replication origin)
 *	Relation  'R' Int32 relid  String namespace  String relname
 *	              Int8 replica identity  Int16 ncols, then per column:
 *	              Int8 flags (1 = key)  String name  Int32 type oid
 *	              Int32 typmod
 *	Type      'Y' Int32 oid  String namespace  String name
 *	Insert    'I' Int32 relid  Byte1 'N'  TupleData
 *	Message   'M' Int8 flags (1 = transactional) Int64 LSN
 *	              String prefix  Int32 length, length bytes of content
 *	              (sent with the option messages 'true', PostgreSQL 14
 *	              and later; inside a transaction when transactional)
 *	Update    'U', Delete 'D', Truncate 'T'
 *
 *	TupleData     Int16 ncols, then per column one of:
 *	              'n' (NULL), 'u' (unchanged TOASTed value, updates only),
 *	              't' Int32 len, len bytes of the type's text output.
 *
 * A Relation message comes before the first change of a table in a session
 * and again after the table changed, always inside a transaction: it is
 * processed even in transactions that capture then skips.  Values point
 * into the message: no copy per row.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pgoutput.h"
#include "common/log.h"
#include "common/pgconn.h"
#include "common/timestamp.h"
#include "common/xalloc.h"

struct relation {
	uint32_t relid;			/* 0: empty slot (0 is never an oid) */
	const struct table *table;
};

/* A cursor over one message; bad is set once anything is out of bounds. */
struct reader {
	const unsigned char *p, *end;
	bool bad;
};

static uint64_t
read_uint(struct reader *r, int bytes)
{
	uint64_t v = 0;

	if (r->end - r->p < bytes) {
		r->bad = true;
		r->p = r->end;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v = v << 8 | *r->p++;
	return v;
}

static const char *
read_string(struct reader *r)
{
	const unsigned char *nul = memchr(r->p, '\0', (size_t)(r->end - r->p));
	const char *s = (const char *)r->p;

	if (nul == NULL) {
		r->bad = true;
		r->p = r->end;
		return "";
	}
	r->p = nul + 1;
	return s;
}

void
pgoutput_init(struct pgoutput *p, struct catalog *catalog,
    struct typenames *types, struct pgoutput_events ev)
{
	memset(p, 0, sizeof(*p));
	p->ev = ev;
	p->catalog = catalog;
	p->types = types;
}

void
pgoutput_free(struct pgoutput *p)
{
	free(p->rels);
	free(p->vals);
	memset(p, 0, sizeof(*p));
}

enum stream_end
stream_failure(PGconn *conn, const PGresult *res)
{
	if (pgconn_in_use(res))
		return STREAM_BUSY;
	return PQstatus(conn) == CONNECTION_BAD ? STREAM_LOST : STREAM_FAILED;
}

void
pgoutput_restart(struct pgoutput *p, PGconn *meta)
{
	if (p->rels != NULL)
		memset(p->rels, 0, p->relcap * sizeof(*p->rels));
	p->nrels = 0;
	p->meta = meta;
}

static struct relation *
find_relation(struct pgoutput *p, uint32_t relid)
{
	size_t mask = p->relcap - 1;

	for (size_t i = (relid * 2654435761u) & mask;; i = (i + 1) & mask)
		if (p->rels[i].relid == relid || p->rels[i].relid == 0)
			return &p->rels[i];
}

static void
remember_relation(struct pgoutput *p, uint32_t relid, const struct table *t)
{
	struct relation *slot;

	if ((p->nrels + 1) * 2 > p->relcap) {
		struct relation *old = p->rels;
		size_t oldcap = p->relcap;

		p->relcap = oldcap ? oldcap * 2 : 64;
		p->rels = xcalloc(p->relcap, sizeof(*p->rels));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].relid != 0)
				*find_relation(p, old[i].relid) = old[i];
		free(old);
	}
	slot = find_relation(p, relid);
	if (slot->relid == 0)
		p->nrels++;
	slot->relid = relid;
	slot->table = t;
}

static bool
malformed(const struct pgoutput *p, char type)
{
	char lsn[LSN_BUFSIZE];

	log_error("LSN %s: malformed pgoutput message '%c'",
	    lsn_format(p->commit_lsn, lsn), type);
	return false;
}

static bool
decode_begin(struct pgoutput *p, struct reader *r)
{
	lsn_t commit_lsn = read_uint(r, 8);
	int64_t time = (int64_t)read_uint(r, 8);
	uint32_t xid = (uint32_t)read_uint(r, 4);

	if (r->bad)
		return malformed(p, 'B');
	p->commit_lsn = commit_lsn;
	return p->ev.begin(p->ev.ctx, commit_lsn, time + PG_EPOCH_OFFSET_US, xid);
}

static bool
decode_commit(struct pgoutput *p, struct reader *r)
{
	lsn_t commit_lsn, end_lsn;

	(void)read_uint(r, 1);
	commit_lsn = read_uint(r, 8);
	end_lsn = read_uint(r, 8);
	(void)read_uint(r, 8);
	if (r->bad)
		return malformed(p, 'C');
	return p->ev.commit(p->ev.ctx, commit_lsn, end_lsn);
}

static bool
decode_origin(struct pgoutput *p, struct reader *r)
{
	lsn_t origin_lsn = read_uint(r, 8);
	const char *name = read_string(r);

	if (r->bad)
		return malformed(p, 'O');
	return p->ev.origin(p->ev.ctx, name, origin_lsn);
}

static bool
decode_relation(struct pgoutput *p, struct reader *r)
{
	uint32_t relid = (uint32_t)read_uint(r, 4);
	const char *schema = read_string(r), *relname;
	struct column *cols;
	int ncols;
	bool ok = true;

	relname = read_string(r);
	(void)read_uint(r, 1);
	ncols = (int)read_uint(r, 2);
	if (r->bad)
		return malformed(p, 'R');
	cols = xcalloc(ncols > 0 ? (size_t)ncols : 1, sizeof(*cols));
	for (int i = 0; i < ncols && ok; i++) {
		uint32_t oid;
		int32_t typmod;

		(void)read_uint(r, 1);
		cols[i].name = (char *)read_string(r);
		oid = (uint32_t)read_uint(r, 4);
		typmod = (int32_t)(uint32_t)read_uint(r, 4);
		if (r->bad)
			ok = malformed(p, 'R');
		else
			ok = (cols[i].type = (char *)typenames_lookup(p->types,
			    p->meta, oid, typmod)) != NULL;
	}
	if (ok && relid == 0)
		ok = malformed(p, 'R');
	if (ok)
		remember_relation(p, relid, catalog_define_parts(p->catalog,
		    schema, relname, ncols, cols));
	free(cols);
	return ok;
}

static bool
decode_insert(struct pgoutput *p, struct reader *r)
{
	uint32_t relid = (uint32_t)read_uint(r, 4);
	const struct table *t;
	int ncols;

	(void)read_uint(r, 1);
	ncols = (int)read_uint(r, 2);
	if (r->bad)
		return malformed(p, 'I');
	t = p->relcap ? find_relation(p, relid)->table : NULL;
	if (t == NULL || t->ncols != ncols)
		return malformed(p, 'I');
	if (ncols > p->valcap) {
		p->valcap = ncols;
		p->vals = xreallocarray(p->vals, (size_t)ncols, sizeof(*p->vals));
	}
	for (int i = 0; i < ncols; i++) {
		int kind = (int)read_uint(r, 1);

		p->vals[i].data = NULL;
		p->vals[i].len = 0;
		if (kind == 't') {
			size_t len = (size_t)read_uint(r, 4);

			if ((size_t)(r->end - r->p) < len)
				return malformed(p, 'I');
			p->vals[i].data = (const char *)r->p;
			p->vals[i].len = len;
			r->p += len;
		} else if (kind != 'n') {
			return malformed(p, 'I');
		}
	}
	if (r->bad)
		return malformed(p, 'I');
	return p->ev.row(p->ev.ctx, t, p->vals);
}

static bool
decode_message(struct pgoutput *p, struct reader *r)
{
	bool transactional = read_uint(r, 1) & 1;
	const char *prefix, *content;
	size_t len;

	(void)read_uint(r, 8);
	prefix = read_string(r);
	len = (size_t)read_uint(r, 4);
	if (r->bad || (size_t)(r->end - r->p) < len)
		return malformed(p, 'M');
	content = (const char *)r->p;
	if (!transactional)
		return true;
	return p->ev.message(p->ev.ctx, prefix, content, len);
}

/*
 * The publication publishes inserts only, so these come only when someone
 * changed it.  Rows are never updated or deleted in pgmesh: say so once
 * and carry on with the inserts.
 */
static bool
warn_not_insert(struct pgoutput *p, char type)
{
	char lsn[LSN_BUFSIZE];

	if (!p->warned)
		log_warn("LSN %s: pgoutput sent %s; pgmesh carries inserts only "
		    "and ignores it (is the publication publish = 'insert'?)",
		    lsn_format(p->commit_lsn, lsn), type == 'U' ? "an UPDATE" :
		    type == 'D' ? "a DELETE" : "a TRUNCATE");
	p->warned = true;
	return true;
}

bool
pgoutput_decode(struct pgoutput *p, const char *msg, size_t len)
{
	struct reader r = { (const unsigned char *)msg,
	    (const unsigned char *)msg + len, false };
	char type = (char)read_uint(&r, 1);

	switch (type) {
	case 'B':
		return decode_begin(p, &r);
	case 'C':
		return decode_commit(p, &r);
	case 'O':
		return decode_origin(p, &r);
	case 'R':
		return decode_relation(p, &r);
	case 'I':
		return decode_insert(p, &r);
	case 'U':
	case 'D':
	case 'T':
		return warn_not_insert(p, type);
	case 'M':
		return decode_message(p, &r);
	case 'Y':
		return true;
	default:
		log_error("unknown pgoutput message type 0x%02x",
		    (unsigned char)type);
		return false;
	}
}
