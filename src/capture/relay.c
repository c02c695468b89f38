/*
 * relay.c: writing a relayed transaction as the source transactions of its
 * group mark.
 *
 * Each row is one I record, one line (change text escapes newlines in
 * values), and a T record only ever comes right before a row: so the
 * source transactions are cut right after the line of each one's last
 * row, and a T record lands in the transaction whose row needs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"
#include "common/log.h"
#include "common/xalloc.h"

struct relay_chain {
	char origin[NODE_MAX + 1];
	/* The stream holds every transaction of origin up to here, from its
	 * last claim on; CLAIM_NONE: no claim holds. */
	lsn_t at;
};

void
relay_init(struct relay *r)
{
	memset(r, 0, sizeof(*r));
	groupmark_init(&r->mark);
}

void
relay_free(struct relay *r)
{
	groupmark_free(&r->mark);
	free(r->chains);
	memset(r, 0, sizeof(*r));
}

void
relay_begin(struct relay *r)
{
	r->marked = false;
}

bool
relay_mark(struct relay *r, const char *content, size_t len)
{
	const char *why;

	if (r->marked) {
		log_error("a relayed transaction has two group marks");
		return false;
	}
	if (!groupmark_parse(&r->mark, content, len, &why)) {
		log_error("a relayed transaction's group mark is bad: %s", why);
		return false;
	}
	r->marked = true;
	return true;
}

static struct relay_chain *
chain_get(struct relay *r, const char *origin)
{
	struct relay_chain *ch;

	for (size_t i = 0; i < r->nchains; i++)
		if (strcmp(r->chains[i].origin, origin) == 0)
			return &r->chains[i];
	r->chains = xreallocarray(r->chains, r->nchains + 1, sizeof(*r->chains));
	ch = &r->chains[r->nchains++];
	snprintf(ch->origin, sizeof(ch->origin), "%s", origin);
	ch->at = CLAIM_NONE;
	return ch;
}

/*
 * No claim may cover what follows of ch's origin.  Change text withdraws
 * a claim with a header, which withdraws every other claim too: they all
 * start again.
 */
static void
withdraw(struct relay *r, struct textwriter *w, struct relay_chain *ch)
{
	size_t claims = w->nclaimed;

	textwriter_since(w, ch->origin, CLAIM_NONE);
	ch->at = CLAIM_NONE;
	if (claims == 0 || w->nclaimed > 0)
		return;
	for (size_t i = 0; i < r->nchains; i++)
		r->chains[i].at = CLAIM_NONE;
	r->restarted = true;
}

/* What mark transaction i follows: the one before it, or the group's
 * start (CLAIM_NONE for a group that claims nothing). */
static lsn_t
prev_of(const struct groupmark *m, size_t i)
{
	if (i == 0 || m->prev == CLAIM_NONE)
		return m->prev;
	return m->txns[i - 1].lsn;
}

/*
 * Walk the mark from r->next to the next transaction with rows and begin
 * it, claiming what it follows unless what was written of its origin
 * already says so.  One set aside breaks the chain (the next one claims
 * from it), one with no row left here (its rows all there before) passes.
 */
static void
open_next(struct relay *r, struct textwriter *w)
{
	const struct groupmark *m = &r->mark;
	struct relay_chain *ch = chain_get(r, m->origin);

	for (; r->next < m->ntxns; r->next++) {
		const struct groupmark_txn *t = &m->txns[r->next];
		lsn_t prev = prev_of(m, r->next);

		if (t->rejected) {
			ch->at = CLAIM_NONE;
			continue;
		}
		if (t->rows == 0) {
			if (ch->at == prev && prev != CLAIM_NONE)
				ch->at = t->lsn;
			continue;
		}
		if (prev == CLAIM_NONE)
			withdraw(r, w, ch);
		else if (ch->at != prev)
			textwriter_since(w, m->origin, prev);
		ch->at = prev == CLAIM_NONE ? CLAIM_NONE : t->lsn;
		r->txn.lsn = t->lsn;
		r->txn.commit_time = t->commit_time;
		r->left = t->rows;
		r->next++;
		textwriter_begin(w, &r->txn);
		return;
	}
}

/* Does the mark describe the transaction? */
static bool
mark_fits(struct relay *r, const struct txn *txn, uint64_t rows)
{
	const struct groupmark *m = &r->mark;
	char at[LSN_BUFSIZE];

	lsn_format(txn->lsn, at);
	if (strcmp(m->origin, txn->origin) != 0 ||
	    m->txns[m->ntxns - 1].lsn != txn->lsn) {
		log_error("origin %s, LSN %s: the group mark names another "
		    "transaction (origin %s)", txn->origin, at, m->origin);
		return false;
	}
	if (groupmark_rows(m) != rows) {
		log_error("origin %s, LSN %s: the group mark counts %llu rows, "
		    "the transaction has %llu here (is every table it applies "
		    "in the publication, and does no trigger insert into "
		    "one?)", txn->origin, at,
		    (unsigned long long)groupmark_rows(m),
		    (unsigned long long)rows);
		return false;
	}
	return true;
}

/* A relayed transaction without a mark (an older apply): whole, as it is. */
static void
start_unmarked(struct relay *r, struct textwriter *w)
{
	char at[LSN_BUFSIZE];

	if (!r->unmarked_noticed)
		log_notice("origin %s, LSN %s: a relayed transaction without a "
		    "group mark (applied by an older pgmesh-apply) is written "
		    "whole, and claims nothing for its origin", r->txn.origin,
		    lsn_format(r->txn.lsn, at));
	r->unmarked_noticed = true;
	withdraw(r, w, chain_get(r, r->txn.origin));
	textwriter_begin(w, &r->txn);
}

bool
relay_start(struct relay *r, struct textwriter *w, const struct txn *txn,
    uint64_t rows)
{
	r->txn = *txn;
	r->line_start = true;
	r->restarted = false;
	if (!r->marked) {
		start_unmarked(r, w);
		return true;
	}
	if (!mark_fits(r, txn, rows))
		return false;
	r->next = 0;
	open_next(r, w);
	return true;
}

void
relay_text(struct relay *r, struct textwriter *w, const char *data,
    size_t len)
{
	if (!r->marked) {
		buf_append(w->out, data, len);
		return;
	}
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - data) + 1 : len;

		if (r->line_start)
			r->row_line = data[0] == 'I';
		buf_append(w->out, data, n);
		r->line_start = nl != NULL;
		if (nl != NULL && r->row_line && --r->left == 0) {
			textwriter_commit(w, &r->txn);
			open_next(r, w);
		}
		data += n;
		len -= n;
	}
}

void
relay_end(struct relay *r, struct textwriter *w)
{
	if (!r->marked)
		textwriter_commit(w, &r->txn);
	else
		open_next(r, w);	/* only those without rows are left */
	r->marked = false;
}

bool
relay_restarted(struct relay *r)
{
	return r->restarted;
}
