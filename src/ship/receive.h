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

/* How receiving ended. */
enum receive_outcome {
	RECEIVE_OK,
	RECEIVE_BAD_FRAME,	/* bad or cut: the whole frames before it are kept */
	RECEIVE_IO_ERROR,	/* reading, storing, passing on or answering */
	RECEIVE_APPLY_FAILED,	/* pgmesh-apply exited with apply_status */
	RECEIVE_CANT_LISTEN,
	RECEIVE_ACCEPT_FAILED,
};

/* Every failure was reported where it happened. */
struct receive_result {
	enum receive_outcome outcome;
	int apply_status;	/* RECEIVE_APPLY_FAILED: not 0 (128 + signal
				 * when a signal ended it) */
};

/*
 * Receive one stream from in_fd (named what in messages), speaking the
 * resume protocol on proto_fd when s->handshake.
 */
struct receive_result receive_stream(const struct receive_settings *s,
    int in_fd, const char *what, int proto_fd);

/* Told of a connection that ended badly, from peer (the service goes on). */
typedef void receive_dropped_fn(const char *peer, struct receive_result r);

/* Accept connections on [host:]port one after another, receiving each;
 * returns only when listening fails (RECEIVE_CANT_LISTEN or
 * RECEIVE_ACCEPT_FAILED). */
struct receive_result receive_listen(const struct receive_settings *s,
    const char *host, const char *port, receive_dropped_fn *dropped);

#endif
