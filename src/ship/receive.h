/*
 * receive.h: the receiving side of pgmesh-ship.  One pack stream in; each
 * frame checked whole (pack_check_frame) before it is stored in a spool,
 * written to stdout, or handed to a pgmesh-apply child.
 */
#ifndef PGMESH_RECEIVE_H
#define PGMESH_RECEIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/change.h"
#include "pack/manifest.h"

struct receive_settings {
	const char *dir;		/* spool, NULL for stdout ("-") */
	const char *apply;		/* CONNINFO for pgmesh-apply, or NULL */
	const char *apply_program;	/* path of pgmesh-apply */
	/* Speak the resume protocol (shipproto.h) on proto_fd. */
	bool handshake;
	/*
	 * Check only each frame's length and SHA-256 against its manifest,
	 * as the sending pgmesh-ship did: a hop has to pass on the bytes
	 * pgmesh-pack wrote, which the digest proves; their contents are
	 * checked where they are decoded (apply, verify, pack -d).  Without
	 * it, a receiver that does not trust its sender checks everything.
	 */
	bool digest_only;
};

/* Create a spool named for the first time, parents included (mkdir -p).
 * False after log_error. */
bool receive_make_spool(const char *dir);

/*
 * Receive one stream from in_fd (named what in messages).  Returns an exit
 * status: EX_OK, EX_DATAERR (a bad or cut frame: whole frames before it are
 * kept), EX_IOERR, or pgmesh-apply's status.
 */
int receive_stream(const struct receive_settings *s, int in_fd,
    const char *what, int proto_fd);

/* Accept connections on [host:]port one after another, receiving each;
 * returns only when listening fails. */
int receive_listen(const struct receive_settings *s, const char *host,
    const char *port);

#endif
