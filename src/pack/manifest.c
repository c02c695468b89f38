/*
 * manifest.c: the manifest of a pack frame, a CBOR map inside a zstd
 * skippable frame.
 *
 * On the wire (pgmesh-format(5) has it byte by byte):
 *
 *	5E 2A 4D 18     magic 0x184D2A5E, little-endian: zstd skips it
 *	LL LL LL LL     length of the CBOR map, little-endian
 *	{ "version": 2, "origin": "a", "prev_lsn": ..., ... }
 *
 * The map has text keys and a reader ignores keys it does not know, so a
 * later version can add keys without breaking readers of this one; a
 * version it does not know is refused, since that is how a format says
 * "the meaning changed".
 */
#include <stdlib.h>
#include <string.h>

#include "cborrec.h"
#include "manifest.h"
#include "common/xalloc.h"

/* Keys of each version's map (a snapshot frame's has one more). */
#define MANIFEST_KEYS 15
#define MANIFEST_KEYS_V1 14

void
manifest_free(struct manifest *m)
{
	free(m->sig);
	m->sig = NULL;
	m->sig_len = 0;
	for (size_t i = 0; i < m->ntables; i++) {
		for (int k = 0; m->table_cols && k < m->table_ncols[i]; k++) {
			free(m->table_cols[i][k].name);
			free(m->table_cols[i][k].type);
		}
		if (m->table_cols)
			free(m->table_cols[i]);
		free(m->tables[i]);
	}
	free(m->tables);
	free(m->table_ncols);
	free(m->table_cols);
	m->tables = NULL;
	m->table_ncols = NULL;
	m->table_cols = NULL;
	m->ntables = 0;
}

static void
put_key(struct buf *b, const char *key)
{
	cborrec_put_string(b, key, strlen(key));
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xFF;
	p[1] = (v >> 8) & 0xFF;
	p[2] = (v >> 16) & 0xFF;
	p[3] = (v >> 24) & 0xFF;
}

static void
put_tables(struct buf *b, const struct manifest *m)
{
	cborrec_put_array(b, m->ntables);
	for (size_t i = 0; i < m->ntables; i++) {
		int ncols = m->table_ncols[i];

		/* The same layout as a T record without its type and id. */
		cborrec_put_array(b, 1 + 2 * (size_t)ncols);
		cborrec_put_string(b, m->tables[i], strlen(m->tables[i]));
		for (int k = 0; k < ncols; k++) {
			const struct column *c = &m->table_cols[i][k];

			cborrec_put_string(b, c->name, strlen(c->name));
			cborrec_put_string(b, c->type, strlen(c->type));
		}
	}
}

/*
 * The map in the version m says (a reader checks that a manifest is in the
 * form pgmesh writes, format 1 included): format 1 had no content_len and
 * wrote "no claim" as a prev_lsn of 0.
 */
static void
put_entries(const struct manifest *m, struct buf *out)
{
	bool v1 = m->version == 1;

	put_key(out, "version");
	cborrec_put_uint(out, m->version);
	put_key(out, "origin");
	cborrec_put_string(out, m->origin, strlen(m->origin));
	put_key(out, "prev_lsn");
	if (m->prev_lsn == CLAIM_NONE && !v1)
		cborrec_put_null(out);
	else
		cborrec_put_uint(out, m->prev_lsn == CLAIM_NONE ? 0 : m->prev_lsn);
	put_key(out, "first_lsn");
	cborrec_put_uint(out, m->first_lsn);
	put_key(out, "last_lsn");
	cborrec_put_uint(out, m->last_lsn);
	put_key(out, "txns");
	cborrec_put_uint(out, m->ntxns);
	put_key(out, "rows");
	cborrec_put_uint(out, m->nrows);
	put_key(out, "continues_prev");
	cborrec_put_bool(out, m->continues_prev);
	put_key(out, "continues_next");
	cborrec_put_bool(out, m->continues_next);
	put_key(out, "part");
	cborrec_put_uint(out, m->part);
	put_key(out, "tables");
	put_tables(out, m);
	put_key(out, "data_len");
	cborrec_put_uint(out, m->data_len);
	put_key(out, "sha256");
	cborrec_put_bytes(out, m->sha256, SHA256_LEN);
	if (!v1) {
		put_key(out, "content_len");
		cborrec_put_uint(out, m->content_len);
	}
	if (m->snapshot) {
		put_key(out, "snapshot");
		cborrec_put_int(out, m->taken);
	}
}

static size_t
entries_of(const struct manifest *m)
{
	return (m->version == 1 ? MANIFEST_KEYS_V1 : MANIFEST_KEYS) +
	    (m->snapshot ? 1 : 0);
}

void
manifest_encode(const struct manifest *m, struct buf *out)
{
	size_t start = out->len;

	buf_reserve(out, MANIFEST_HEADER_LEN);
	out->len += MANIFEST_HEADER_LEN;
	cborrec_put_map(out, entries_of(m));
	put_entries(m, out);
	/* The origin's signature, always last: it signs the entries before
	 * it (pgmesh-format(5)). */
	put_key(out, "sig");
	if (m->sig == NULL)
		cborrec_put_null(out);
	else
		cborrec_put_bytes(out, m->sig, m->sig_len);
	/* The skippable frame's header: magic, then the content's length. */
	put_le32((unsigned char *)out->data + start, MANIFEST_MAGIC);
	put_le32((unsigned char *)out->data + start + 4,
	    (uint32_t)(out->len - start - MANIFEST_HEADER_LEN));
}

void
manifest_encode_signed(const struct manifest *m, struct buf *out)
{
	cborrec_put_map(out, entries_of(m) - 1);
	put_entries(m, out);
}

void
manifest_signed_part(const struct manifest *m, const unsigned char *map,
    struct buf *out)
{
	cborrec_put_map(out, (size_t)m->nsigned);
	buf_append(out, map + m->signed_from, m->signed_to - m->signed_from);
}

/* One entry of "tables": [name, column, type, ...]. */
static bool
decode_table(struct cborrec_cursor *c, struct manifest *m, size_t i)
{
	struct cborrec_item item;
	uint64_t n;

	if (cborrec_next(c, &item) != 1 || item.kind != CBORREC_ARRAY ||
	    item.u == 0 || item.u % 2 != 1 || item.u > 2 * (uint64_t)INT16_MAX)
		return false;
	n = (item.u - 1) / 2;
	if (!cborrec_next_string(c, &item))
		return false;
	m->tables[i] = xstrndup(item.str, item.len);
	m->table_cols[i] = xcalloc(n + 1, sizeof(struct column));
	for (uint64_t k = 0; k < n; k++) {
		struct column *col = &m->table_cols[i][k];

		if (!cborrec_next_string(c, &item))
			return false;
		col->name = xstrndup(item.str, item.len);
		m->table_ncols[i] = (int)k + 1;
		if (!cborrec_next_string(c, &item))
			return false;
		col->type = xstrndup(item.str, item.len);
	}
	return true;
}

static bool
decode_tables(struct cborrec_cursor *c, struct manifest *m)
{
	struct cborrec_item item;

	if (m->tables != NULL)
		return false;	/* the key twice */
	if (cborrec_next(c, &item) != 1 || item.kind != CBORREC_ARRAY ||
	    item.u > c->len - c->pos)	/* each entry takes a byte at least */
		return false;
	m->tables = xcalloc(item.u + 1, sizeof(*m->tables));
	m->table_ncols = xcalloc(item.u + 1, sizeof(*m->table_ncols));
	m->table_cols = xcalloc(item.u + 1, sizeof(*m->table_cols));
	for (uint64_t i = 0; i < item.u; i++) {
		m->ntables = i + 1;
		if (!decode_table(c, m, i))
			return false;
	}
	return true;
}

static bool
decode_bool(struct cborrec_cursor *c, bool *v)
{
	struct cborrec_item item;

	if (cborrec_next(c, &item) != 1 || item.kind != CBORREC_BOOL)
		return false;
	*v = item.u != 0;
	return true;
}

static bool
decode_origin(struct cborrec_cursor *c, struct manifest *m)
{
	struct cborrec_item item;

	if (!cborrec_next_string(c, &item) || !node_valid(item.str, item.len))
		return false;
	memcpy(m->origin, item.str, item.len);
	m->origin[item.len] = '\0';
	return true;
}

static bool
decode_sha256(struct cborrec_cursor *c, struct manifest *m)
{
	struct cborrec_item item;

	if (cborrec_next(c, &item) != 1 || item.kind != CBORREC_BYTES ||
	    item.len != SHA256_LEN)
		return false;
	memcpy(m->sha256, item.str, SHA256_LEN);
	return true;
}

/* prev_lsn: an LSN, or null for no claim (CLAIM_NONE). */
static bool
decode_prev(struct cborrec_cursor *c, struct manifest *m)
{
	struct cborrec_item item;

	if (cborrec_next(c, &item) != 1)
		return false;
	if (item.kind == CBORREC_NULL) {
		m->prev_lsn = CLAIM_NONE;
		return true;
	}
	m->prev_lsn = item.u;
	return item.kind == CBORREC_UINT && item.u != CLAIM_NONE;
}

/* sig: null (unsigned), or the signature's bytes. */
static bool
decode_sig(struct cborrec_cursor *c, struct manifest *m)
{
	struct cborrec_item item;

	if (cborrec_next(c, &item) != 1 || m->sig != NULL)
		return false;
	if (item.kind == CBORREC_NULL)
		return true;
	if (item.kind != CBORREC_BYTES || item.len == 0 ||
	    item.len > MANIFEST_SIG_MAX)
		return false;
	m->sig = xmalloc(item.len);
	memcpy(m->sig, item.str, item.len);
	m->sig_len = item.len;
	return true;
}

static bool
decode_u32(struct cborrec_cursor *c, uint32_t *v)
{
	uint64_t u;

	if (!cborrec_next_uint(c, &u) || u > UINT32_MAX)
		return false;
	*v = (uint32_t)u;
	return true;
}

/*
 * The keys this version knows, all required (content_len from format 2
 * on): the SHA-256 covers the data frame, not the manifest, so a damaged
 * key name must show up as a missing key rather than pass as an unknown
 * one.
 */
enum key {
	K_VERSION, K_ORIGIN, K_PREV_LSN, K_FIRST_LSN, K_LAST_LSN, K_TXNS,
	K_ROWS, K_TABLES, K_DATA_LEN, K_SHA256, K_CONTINUES_PREV,
	K_CONTINUES_NEXT, K_PART, K_CONTENT_LEN, K_SIG,
	K_SNAPSHOT,		/* optional: only in a snapshot's frames */
	K_UNKNOWN
};

static const char *const key_names[K_UNKNOWN] = {
	"version", "origin", "prev_lsn", "first_lsn", "last_lsn", "txns",
	"rows", "tables", "data_len", "sha256", "continues_prev",
	"continues_next", "part", "content_len", "sig", "snapshot"
};

#define KEYS_OF_VERSION_2 ((1u << K_SNAPSHOT) - 1)
#define KEYS_OF_VERSION_1 (KEYS_OF_VERSION_2 - (1u << K_CONTENT_LEN))

_Static_assert(MANIFEST_KEYS == K_SNAPSHOT, "the writer puts every key");
_Static_assert(MANIFEST_KEYS_V1 == K_SNAPSHOT - 1, "format 1 had no content_len");

static enum key
find_key(const struct cborrec_item *key)
{
	enum key k;

	for (k = 0; k < K_UNKNOWN; k++)
		if (strlen(key_names[k]) == key->len &&
		    memcmp(key_names[k], key->str, key->len) == 0)
			break;
	return k;
}

/* snapshot: when it was taken, an integer as a commit time is. */
static bool
decode_taken(struct cborrec_cursor *c, struct manifest *m)
{
	struct cborrec_item item;

	if (cborrec_next(c, &item) != 1 || item.u > INT64_MAX ||
	    (item.kind != CBORREC_UINT && item.kind != CBORREC_NEGINT))
		return false;
	m->taken = item.kind == CBORREC_UINT ? (int64_t)item.u :
	    -1 - (int64_t)item.u;
	m->snapshot = true;
	return true;
}

/* The value of key k into m; unknown keys are skipped. */
static bool
decode_value(struct cborrec_cursor *c, enum key k, struct manifest *m)
{
	struct cborrec_item item;
	uint32_t version;

	switch (k) {
	case K_VERSION:
		if (!decode_u32(c, &version))
			return false;
		m->version = version;
		return true;
	case K_ORIGIN: return decode_origin(c, m);
	case K_PREV_LSN: return decode_prev(c, m);
	case K_FIRST_LSN: return cborrec_next_uint(c, &m->first_lsn);
	case K_LAST_LSN: return cborrec_next_uint(c, &m->last_lsn);
	case K_TXNS: return cborrec_next_uint(c, &m->ntxns);
	case K_ROWS: return cborrec_next_uint(c, &m->nrows);
	case K_TABLES: return decode_tables(c, m);
	case K_DATA_LEN: return cborrec_next_uint(c, &m->data_len);
	case K_SHA256: return decode_sha256(c, m);
	case K_CONTINUES_PREV: return decode_bool(c, &m->continues_prev);
	case K_CONTINUES_NEXT: return decode_bool(c, &m->continues_next);
	case K_PART: return decode_u32(c, &m->part);
	case K_CONTENT_LEN: return cborrec_next_uint(c, &m->content_len);
	case K_SIG: return decode_sig(c, m);
	case K_SNAPSHOT: return !m->snapshot && decode_taken(c, m);
	case K_UNKNOWN: break;
	}
	return cborrec_next(c, &item) == 1 && cborrec_skip(c, &item);
}

/* Format 1 had no null: its prev_lsn 0 was "no claim". */
static void
upgrade_version_1(struct manifest *m)
{
	if (m->prev_lsn == 0)
		m->prev_lsn = CLAIM_NONE;
}

/*
 * What every reader may take for granted once a manifest decodes: its
 * LSNs are in order, which is what spool names, heads and the continuity
 * check rely on.  A frame's transactions follow prev_lsn, the first one
 * being first_lsn and the last last_lsn; a part of a split transaction
 * continues it, so its prev_lsn is that transaction's LSN, its first.
 */
static bool
check_lsns(const struct manifest *m, const char **err)
{
	/* A snapshot's frames hold no transaction, so they have no LSN: 0
	 * is none's, which also makes a reader that knows nothing of
	 * snapshots refuse them rather than file them by LSN. */
	*err = "a snapshot frame with transactions, LSNs or a continuity claim";
	if (m->snapshot)
		return m->first_lsn == 0 && m->last_lsn == 0 && m->ntxns == 0 &&
		    m->prev_lsn == CLAIM_NONE && m->continues_prev == (m->part > 0);
	*err = "manifest's first_lsn is above its last_lsn";
	if (m->first_lsn > m->last_lsn || m->first_lsn == 0)
		return false;
	*err = "manifest's part and continues_prev disagree";
	if (m->continues_prev != (m->part > 0))
		return false;
	*err = "manifest's prev_lsn is not the LSN of the transaction it continues";
	if (m->continues_prev)
		return m->prev_lsn == CLAIM_NONE || m->prev_lsn == m->first_lsn;
	*err = "manifest's prev_lsn is not below its first_lsn";
	return m->prev_lsn == CLAIM_NONE || m->prev_lsn < m->first_lsn;
}

static bool
check_decoded(struct manifest *m, unsigned seen, const char **err)
{
	bool v1 = m->version == 1;

	/* A later version may drop keys: say what is wrong first. */
	*err = "pack format version not supported (this pgmesh reads versions "
	    "1 and 2)";
	if ((seen & 1u << K_VERSION) && m->version != PACK_FORMAT_VERSION &&
	    m->version != PACK_FORMAT_OLDEST)
		return false;
	*err = "manifest lacks a required key";
	if ((seen & (v1 ? KEYS_OF_VERSION_1 : KEYS_OF_VERSION_2)) !=
	    (v1 ? KEYS_OF_VERSION_1 : KEYS_OF_VERSION_2))
		return false;
	*err = "a format 1 manifest with a signature, a snapshot or no claim "
	    "spelled null";
	if (v1 && (m->sig != NULL || m->snapshot || m->prev_lsn == CLAIM_NONE))
		return false;
	if (v1)
		upgrade_version_1(m);
	if (!check_lsns(m, err))
		return false;
	*err = NULL;
	return true;
}

bool
manifest_decode(const void *data, size_t len, struct manifest *m,
    const char **err)
{
	struct cborrec_cursor c;
	struct cborrec_item item, key;
	unsigned seen = 0;
	enum key k;

	memset(m, 0, sizeof(*m));
	m->manifest_len = MANIFEST_HEADER_LEN + (uint64_t)len;
	cborrec_cursor_init(&c, data, len);
	*err = "not a CBOR map";
	if (cborrec_next(&c, &item) != 1 || item.kind != CBORREC_MAP)
		return false;
	m->signed_from = c.pos;
	for (uint64_t i = 0; i < item.u; i++) {
		/* The signature covers the entries before it: none may follow. */
		*err = "manifest has an entry after sig";
		if (seen & 1u << K_SIG)
			return false;
		*err = "malformed manifest (bad CBOR, a key that is not text, or "
		    "a value of the wrong type)";
		/* Up to here, what the origin signed if this key is sig. */
		m->signed_to = c.pos;
		m->nsigned = i;
		if (cborrec_next(&c, &key) != 1 || key.kind != CBORREC_TEXT)
			return false;
		k = find_key(&key);
		if (!decode_value(&c, k, m))
			return false;
		if (k < K_UNKNOWN)
			seen |= 1u << k;
	}
	*err = "trailing bytes after the manifest's map";
	if (c.pos != c.len)
		return false;
	return check_decoded(m, seen, err);
}

struct manifest_chain_end {
	char origin[NODE_MAX + 1];
	lsn_t lsn;
};

lsn_t *
manifest_chain_at(struct manifest_chain *c, const char *origin)
{
	struct manifest_chain_end *e;

	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->ends[i].origin, origin) == 0)
			return &c->ends[i].lsn;
	c->ends = xreallocarray(c->ends, c->n + 1, sizeof(*c->ends));
	e = &c->ends[c->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->origin, origin, strnlen(origin, NODE_MAX));
	e->lsn = CLAIM_NONE;
	return &e->lsn;
}

void
manifest_chain_free(struct manifest_chain *c)
{
	free(c->ends);
	c->ends = NULL;
	c->n = 0;
}
