/*
 * shipproto.c: the receiver's text lines (see shipproto.h).  The lines
 * are parsed strictly: anything unexpected from the far end means it is not
 * a pgmesh-ship receiver (a wrong forced command, a login banner), and the
 * sender must not stream into it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shipproto.h"

void
shipproto_put_heads(struct buf *out, const struct heads *h)
{
	heads_put_lines(out, h, "have ");
}

static bool
parse_done(const char *args, struct shipmsg *msg)
{
	char extra;

	return sscanf(args, "%" SCNu64 " %" SCNu64 "%c",
	    &msg->frames, &msg->bytes, &extra) == 2;
}

void
shipproto_parse(const char *line, struct shipmsg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->kind = SHIPMSG_BAD;
	if (strcmp(line, SHIPPROTO_GREETING) == 0)
		msg->kind = SHIPMSG_GREETING;
	else if (strcmp(line, "ready") == 0)
		msg->kind = SHIPMSG_READY;
	else if (strcmp(line, "pong") == 0)
		msg->kind = SHIPMSG_PONG;
	else if (strncmp(line, "have ", 5) == 0 && heads_parse_line(line + 5, &msg->head))
		msg->kind = SHIPMSG_HAVE;
	else if (strncmp(line, "done ", 5) == 0 && parse_done(line + 5, msg))
		msg->kind = SHIPMSG_DONE;
}
