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

void
shipproto_put_refused(struct buf *out, const char *origin, lsn_t first,
    lsn_t last, const char *why)
{
	char f[LSN_BUFSIZE], l[LSN_BUFSIZE];
	char line[NODE_MAX + 2 * LSN_BUFSIZE + SHIPPROTO_WHY_MAX + 16];

	snprintf(line, sizeof(line), "refused %s %s %s %.*s", origin,
	    lsn_format(first, f), lsn_format(last, l), SHIPPROTO_WHY_MAX - 1,
	    why);
	for (char *c = line; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	buf_puts(out, line);
	buf_puts(out, "\n");
}

/* The next word of *s, up to a space, into word (of size bytes). */
static bool
next_word(const char **s, char *word, size_t size)
{
	const char *sp = strchr(*s, ' ');
	size_t len = sp != NULL ? (size_t)(sp - *s) : 0;

	if (sp == NULL || len == 0 || len >= size)
		return false;
	memcpy(word, *s, len);
	word[len] = '\0';
	*s = sp + 1;
	return true;
}

/* "ORIGIN FIRST LAST WHY" */
static bool
parse_refused(const char *args, struct shipmsg *msg)
{
	char origin[NODE_MAX + 1], first[LSN_BUFSIZE], last[LSN_BUFSIZE];

	if (!next_word(&args, origin, sizeof(origin)) ||
	    !next_word(&args, first, sizeof(first)) ||
	    !next_word(&args, last, sizeof(last)) || *args == '\0' ||
	    strlen(args) >= sizeof(msg->why) ||
	    !node_valid(origin, strlen(origin)) ||
	    !lsn_parse(first, strlen(first), &msg->first) ||
	    !lsn_parse(last, strlen(last), &msg->head.lsn))
		return false;
	memcpy(msg->head.origin, origin, sizeof(origin));
	memcpy(msg->why, args, strlen(args) + 1);
	return true;
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
	else if (strncmp(line, "refused ", 8) == 0 &&
	    parse_refused(line + 8, msg))
		msg->kind = SHIPMSG_REFUSED;
}
