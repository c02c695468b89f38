/*
 * signers.c: reading a signers file and looking keys up in it.
 *
 * The file decides whose frames are believed, so reading it is strict and
 * bounded: lines of at most SIGNERS_LINE_MAX bytes, at most SIGNERS_MAX
 * keys, a file of at most SIGNERS_FILE_MAX bytes, and the first line that
 * is not understood fails the whole file (a file half read would refuse a
 * node whose line was skipped).  OpenSSH's options, patterns and lists of
 * principals are not taken: one node, one key, per line.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "signers.h"
#include "smallfile.h"
#include "sshwire.h"
#include "xalloc.h"

#define STR(x) #x
#define XSTR(x) STR(x)

static const char *
skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *
word_end(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return p;
}

static void
add(struct signers *s, const char *node, size_t len, const struct sshkey *k)
{
	struct signer *sg;

	/* Grow by doubling: n is a power of two whenever v is full. */
	if ((s->n & (s->n - 1)) == 0)
		s->v = xreallocarray(s->v, s->n ? 2 * s->n : 1, sizeof(*s->v));
	sg = &s->v[s->n++];
	memcpy(sg->node, node, len);
	sg->node[len] = '\0';
	sg->key = *k;
}

/* One line, from p to end (its line break excluded), into s. */
static bool
parse_line(const char *p, const char *end, struct signers *s,
    const char **why)
{
	const char *node_end, *key;
	struct sshkey k;

	if (end - p > SIGNERS_LINE_MAX) {
		*why = "line longer than " XSTR(SIGNERS_LINE_MAX) " bytes";
		return false;
	}
	if (end > p && end[-1] == '\r')
		end--;
	p = skip_blanks(p, end);
	if (p == end || *p == '#')
		return true;
	node_end = word_end(p, end);
	/* A key line pasted without its node would pass for a node name. */
	if (!node_valid(p, (size_t)(node_end - p)) || sshwire_equal(
	    (const unsigned char *)p, (size_t)(node_end - p), SSHKEY_TYPE)) {
		*why = "not NODE " SSHKEY_TYPE " KEY [comment], NODE 1 to 32 "
		    "of a-z, 0-9, _ and -";
		return false;
	}
	key = skip_blanks(node_end, end);
	if (!sshkey_parse_line(key, (size_t)(end - key), &k, why))
		return false;
	if (s->n == SIGNERS_MAX) {
		*why = "more than " XSTR(SIGNERS_MAX) " keys";
		return false;
	}
	add(s, p, (size_t)(node_end - p), &k);
	return true;
}

bool
signers_parse(const char *text, size_t len, const char *name,
    struct signers *s)
{
	const char *p = text, *end = text + len, *nl;
	const char *why;
	size_t line = 0;

	s->v = NULL;
	s->n = 0;
	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (!parse_line(p, nl ? nl : end, s, &why)) {
			log_error("%s:%zu: %s", name, line, why);
			signers_free(s);
			return false;
		}
	}
	return true;
}

bool
signers_load(const char *path, struct signers *s)
{
	struct buf text;
	bool ok;

	buf_init(&text);
	ok = smallfile_read(path, SIGNERS_FILE_MAX, &text) &&
	    signers_parse(text.data, text.len, path, s);
	buf_free(&text);
	return ok;
}

bool
signers_has_key(const struct signers *s, const char *node,
    const struct sshkey *key)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].node, node) == 0 &&
		    sshkey_equal(&s->v[i].key, key))
			return true;
	}
	return false;
}

void
signers_free(struct signers *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
