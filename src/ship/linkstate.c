/*
 * linkstate.c: a link's failure, its end, and the resume test.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "linkstate.h"
#include "common/xalloc.h"

uint64_t
link_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
link_fail(struct link *l, enum link_outcome outcome, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (l->state == LINK_FAILED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->failure = xstrdup(msg);
	l->outcome = outcome;
	l->state = LINK_FAILED;
	l->t_end = link_now();
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

void
link_done(struct link *l)
{
	l->t_end = link_now();
	l->state = LINK_DONE;
}

/*
 * Compare the frame's last LSN, not the whole range: a frame with part of
 * a split transaction is needed until the receiver holds that transaction
 * entirely (parts it already has are left alone by spool_store).
 */
bool
link_skips(struct link *l, const char *origin, lsn_t last_lsn)
{
	if (last_lsn > heads_get(&l->have, origin))
		return false;
	l->skipped++;
	return true;
}
