/*
 * signers.h: which keys may sign for which node, from a signers file in
 * the spirit of OpenSSH's allowed_signers (and one that ssh-keygen -Y
 * verify reads as such):
 *
 *	# comment
 *	NODE ssh-ed25519 BASE64 [comment]
 *
 * One key per line, NODE a node name (node.h).  A node may have several
 * lines: its new key is listed before its old one is retired.
 */
#ifndef PGMESH_SIGNERS_H
#define PGMESH_SIGNERS_H

#include <stdbool.h>
#include <stddef.h>

#include "node.h"
#include "sshkey.h"

/* Bounds: a line (a key line with a long comment is ~200 bytes), the keys
 * of a file (two for each of thousands of nodes), and the file. */
#define SIGNERS_LINE_MAX 1024
#define SIGNERS_MAX 10000
#define SIGNERS_FILE_MAX (1024 * 1024)

struct signer {
	char node[NODE_MAX + 1];
	struct sshkey key;
};

struct signers {
	struct signer *v;
	size_t n;
};

/*
 * The signers of the len bytes of text, named name in messages.  Every
 * line must be a key line, a comment or blank: false, after log_error
 * naming name:line and what is wrong, for anything else, so that a typo
 * never drops a key unnoticed; s then holds nothing to free.
 */
bool signers_parse(const char *text, size_t len, const char *name,
    struct signers *s);

/* The signers of the file at path; false after log_error (and then s
 * holds nothing to free). */
bool signers_load(const char *path, struct signers *s);

/* Is key listed for node? */
bool signers_has_key(const struct signers *s, const char *node,
    const struct sshkey *key);

void signers_free(struct signers *s);

#endif
