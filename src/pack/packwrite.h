/*
 * packwrite.h: writing pack streams.  The writer is a change_sink: feed it
 * transactions, and it emits frames (manifest + data frame) to its fd, each
 * holding whole transactions of one origin, closing a frame when it reaches
 * frame_bytes, when the origin changes, at idle once frame_ms has passed
 * without more input, and at packwriter_finish.
 */
#ifndef PGMESH_PACKWRITE_H
#define PGMESH_PACKWRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/change.h"
#include "common/input.h"
#include "common/sshprivkey.h"

struct packwriter_options {
	int level;		/* zstd level, default 3 */
	size_t frame_bytes;	/* close a frame past this much CBOR */
	int frame_ms;		/* at idle, close a frame this old (from its
				 * first transaction); till then wait for input */
	const struct sshprivkey *key;	/* sign every frame; NULL: unsigned */
};

struct packwriter;

/* in is the input being read, for the idle wait (may be NULL). */
struct packwriter *packwriter_new(int fd, const char *what,
    const struct packwriter_options *opts, struct input *in);
struct change_sink packwriter_sink(struct packwriter *pw);
/* Close the open frame; false after a write error was reported. */
bool packwriter_finish(struct packwriter *pw);
void packwriter_free(struct packwriter *pw);

#endif
