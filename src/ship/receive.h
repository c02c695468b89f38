/*
 * receive.h: the receiving side of pgmesh-ship.  One pack stream in; each
 * frame checked whole (pack_check_frame) before it is stored in a spool,
 * written to stdout, or handed to a pgmesh-apply child; a bad one read
 * whole is refused (the sender is told, shipproto.h) and the next read.
 */
#ifndef PGMESH_RECEIVE_H
#define PGMESH_RECEIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/change.h"
#include "common/signers.h"
#include "pack/manifest.h"

struct receive_settings {
	const char *dir;		/* spool, NULL for stdout ("-") */
	const char *apply;		/* CONNINFO for pgmesh-apply, or NULL */
	const char *apply_program;	/* path of pgmesh-apply */
	/* Its grant options (--allow RULE, --allow-file FILE), in pairs. */
	const char *const *grants;
	int ngrants;
	/* Take only frames signed by a key listed for their origin, and
	 * have pgmesh-apply check them again (--signers signers_file);
	 * NULL: signatures not checked. */
	const struct signers *signers;
	const char *signers_file;
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
	/* Drop a sender silent for idle_s seconds, or connected for total_s
	 * (0: no bound), with RECEIVE_TIMED_OUT. */
	int idle_s;
	int total_s;
	/* --listen: connections served at once. */
	int max_clients;
};

/* Create a spool named for the first time, parents included (mkdir -p).
 * False after log_error. */
bool receive_make_spool(const char *dir);

/* How receiving ended. */
enum receive_outcome {
	RECEIVE_OK,
	RECEIVE_BAD_FRAME,	/* bad or cut: the whole frames before it are kept */
	RECEIVE_REFUSED,	/* read to its end, but bad frames were refused */
	RECEIVE_IO_ERROR,	/* reading, storing, passing on or answering */
	RECEIVE_TIMED_OUT,	/* the sender went idle or stayed too long */
	RECEIVE_NO_ROOM,	/* the spool is at its free-space floor */
	RECEIVE_APPLY_FAILED,	/* pgmesh-apply exited with apply_status */
	RECEIVE_CANT_LISTEN,
	RECEIVE_ACCEPT_FAILED,
};

/* Every failure was reported where it happened. */
struct receive_result {
	enum receive_outcome outcome;
	int apply_status;	/* RECEIVE_APPLY_FAILED: not 0 (128 + signal
				 * when a signal ended it) */
	uint64_t refused;	/* bad frames read whole, never stored */
};

/*
 * Receive one stream from in_fd (named what in messages), speaking the
 * resume protocol on proto_fd when s->handshake.
 */
struct receive_result receive_stream(const struct receive_settings *s,
    int in_fd, const char *what, int proto_fd);

/* Told of a connection that ended badly, from peer (the service goes on). */
typedef void receive_dropped_fn(const char *peer, struct receive_result r);

/*
 * Accept connections on host:port, receiving each in a process of its own
 * so that a slow or idle sender holds up no other, s->max_clients at a
 * time; a connection that ends badly is told to dropped, from that
 * process.  Returns only when listening fails (RECEIVE_CANT_LISTEN or
 * RECEIVE_ACCEPT_FAILED).
 */
struct receive_result receive_listen(const struct receive_settings *s,
    const char *host, const char *port, receive_dropped_fn *dropped);

#endif
