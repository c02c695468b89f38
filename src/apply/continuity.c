/*
 * continuity.c: holding back what does not follow without a gap.
 *
 * The rule, per origin: a transaction above where the destination stands
 * goes on to the applier only while the chain is tied, that is, after a
 * continuity claim at or below where it stands, with nothing cut short
 * since.  Everything else above it is held: not applied, and not skipped
 * either, because the destination's progress only moves through
 * transactions passed on, so a held one comes again with its input.
 * Transactions at or below where it stands always go on: the applier
 * skips them as applied.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "continuity.h"
#include "common/log.h"
#include "common/xalloc.h"

/* Why the chain of an origin is not tied. */
enum untied {
	UNTIED_UNCLAIMED,	/* no claim since the input began */
	UNTIED_GAP,		/* a claim beyond where the destination stands */
	UNTIED_CUT		/* a transaction came cut short */
};

struct chain {
	char origin[NODE_MAX + 1];
	lsn_t stands;		/* applied, or passed on to be */
	bool tied;
	enum untied why;	/* when not tied */
	lsn_t claim;		/* UNTIED_GAP: the claim; UNTIED_CUT: the LSN */

	/* What was held, and why the first of it was. */
	uint64_t held;
	lsn_t held_first, held_last;
	time_t held_since;
	enum untied held_why;
	lsn_t held_claim;
	lsn_t held_after;	/* where the destination stood then */
};

struct continuity {
	struct change_sink down;
	continuity_progress_fn *progress;
	void *ctx;
	struct chain **chains;
	size_t nchains;
	time_t arrived;

	/* The transaction being read, and whether it is held. */
	struct chain *open;
	struct txn open_txn;
	bool holding;
};

static struct chain *
chain_find(struct continuity *c, const char *origin)
{
	for (size_t i = 0; i < c->nchains; i++)
		if (strcmp(c->chains[i]->origin, origin) == 0)
			return c->chains[i];
	return NULL;
}

/* The origin's chain, untied, standing where the destination says. */
static struct chain *
chain_get(struct continuity *c, const char *origin)
{
	struct chain *ch = chain_find(c, origin);
	lsn_t stands;

	if (ch != NULL)
		return ch;
	if (!c->progress(c->ctx, origin, &stands))
		return NULL;
	ch = xcalloc(1, sizeof(*ch));
	snprintf(ch->origin, sizeof(ch->origin), "%s", origin);
	ch->stands = stands;
	ch->why = UNTIED_UNCLAIMED;
	c->chains = xreallocarray(c->chains, c->nchains + 1,
	    sizeof(*c->chains));
	c->chains[c->nchains++] = ch;
	return ch;
}

static void
untie(struct chain *ch, enum untied why, lsn_t claim)
{
	/* The first reason stands until the chain is tied again. */
	if (!ch->tied && ch->why != UNTIED_UNCLAIMED)
		return;
	ch->tied = false;
	ch->why = why;
	ch->claim = claim;
}

static void
hold(struct continuity *c, struct chain *ch, const struct txn *txn)
{
	if (ch->held == 0 || ch->held_last <= ch->stands) {
		ch->held = 0;
		ch->held_first = txn->lsn;
		ch->held_since = c->arrived;
		ch->held_why = ch->why;
		ch->held_claim = ch->claim;
		ch->held_after = ch->stands;
	}
	ch->held++;
	if (txn->lsn > ch->held_last)
		ch->held_last = txn->lsn;
}

static bool
sink_since(void *ctx, const char *origin, lsn_t lsn)
{
	struct continuity *c = ctx;
	struct chain *ch = chain_get(c, origin);

	if (ch == NULL)
		return false;
	if (lsn == CLAIM_NONE)
		untie(ch, UNTIED_UNCLAIMED, 0);
	else if (lsn <= ch->stands)
		ch->tied = true;
	else
		untie(ch, UNTIED_GAP, lsn);
	return c->down.since == NULL || c->down.since(c->down.ctx, origin, lsn);
}

static bool
sink_restart(void *ctx)
{
	struct continuity *c = ctx;

	for (size_t i = 0; i < c->nchains; i++)
		untie(c->chains[i], UNTIED_UNCLAIMED, 0);
	return c->down.restart == NULL || c->down.restart(c->down.ctx);
}

static bool
sink_begin(void *ctx, const struct txn *txn)
{
	struct continuity *c = ctx;
	struct chain *ch = chain_get(c, txn->origin);

	if (ch == NULL)
		return false;
	c->open = ch;
	c->open_txn = *txn;
	c->holding = txn->lsn > ch->stands && !ch->tied;
	if (c->holding) {
		hold(c, ch, txn);
		return true;
	}
	return c->down.begin(c->down.ctx, txn);
}

static bool
sink_row(void *ctx, const struct table *t, const struct value *vals)
{
	struct continuity *c = ctx;

	return c->holding || c->down.row(c->down.ctx, t, vals);
}

static bool
sink_commit(void *ctx, const struct txn *txn)
{
	struct continuity *c = ctx;

	if (c->holding) {
		c->holding = false;
		return true;
	}
	if (!c->down.commit(c->down.ctx, txn))
		return false;
	if (txn->lsn > c->open->stands)
		c->open->stands = txn->lsn;
	return true;
}

/* A transaction cut short: those after it of its origin do not follow
 * without a gap, unless a claim says so again. */
static void
sink_abort(void *ctx)
{
	struct continuity *c = ctx;
	struct chain *ch = c->open;

	if (c->holding) {
		c->holding = false;
		return;
	}
	c->down.abort(c->down.ctx);
	if (c->open_txn.lsn > ch->stands) {
		untie(ch, UNTIED_CUT, c->open_txn.lsn);
		hold(c, ch, &c->open_txn);
	}
}

static bool
sink_idle(void *ctx)
{
	struct continuity *c = ctx;

	return c->down.idle == NULL || c->down.idle(c->down.ctx);
}

struct change_sink
continuity_sink(struct continuity *c)
{
	return (struct change_sink){
		.ctx = c,
		.begin = sink_begin,
		.row = sink_row,
		.commit = sink_commit,
		.abort = sink_abort,
		.idle = sink_idle,
		.since = sink_since,
		.restart = sink_restart,
	};
}

struct continuity *
continuity_new(const struct change_sink *down,
    continuity_progress_fn *progress, void *ctx)
{
	struct continuity *c = xcalloc(1, sizeof(*c));

	c->down = *down;
	c->progress = progress;
	c->ctx = ctx;
	return c;
}

void
continuity_free(struct continuity *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nchains; i++)
		free(c->chains[i]);
	free(c->chains);
	free(c);
}

bool
continuity_stands(struct continuity *c, const char *origin, lsn_t *lsn)
{
	struct chain *ch = chain_get(c, origin);

	if (ch == NULL)
		return false;
	*lsn = ch->stands;
	return true;
}

void
continuity_arrived(struct continuity *c, time_t t)
{
	c->arrived = t;
}

/* One line on what holds ch back. */
static void
report_chain(const struct chain *ch)
{
	char after[LSN_BUFSIZE], claim[LSN_BUFSIZE], first[LSN_BUFSIZE],
	    last[LSN_BUFSIZE];

	lsn_format(ch->held_after, after);
	lsn_format(ch->held_claim, claim);
	lsn_format(ch->held_first, first);
	lsn_format(ch->held_last, last);
	switch (ch->held_why) {
	case UNTIED_GAP:
		log_error("origin %s: its transactions after %s up to %s are "
		    "missing here; transactions held back: %" PRIu64 " (LSN %s "
		    "to %s)", ch->origin, after, claim, ch->held, first, last);
		break;
	case UNTIED_CUT:
		log_error("origin %s: its transaction at LSN %s came cut short; "
		    "transactions held back: %" PRIu64 " (LSN %s to %s)",
		    ch->origin, claim, ch->held, first, last);
		break;
	case UNTIED_UNCLAIMED:
		log_error("origin %s: transactions held back: %" PRIu64 " (LSN "
		    "%s to %s): their input does not say they follow %s, where "
		    "this database stands", ch->origin, ch->held, first, last,
		    after);
		break;
	}
}

size_t
continuity_report(struct continuity *c, time_t now, double *oldest)
{
	size_t n = 0;

	*oldest = 0;
	for (size_t i = 0; i < c->nchains; i++) {
		const struct chain *ch = c->chains[i];

		if (ch->held == 0 || ch->held_last <= ch->stands)
			continue;
		report_chain(ch);
		if (difftime(now, ch->held_since) > *oldest)
			*oldest = difftime(now, ch->held_since);
		n++;
	}
	return n;
}
