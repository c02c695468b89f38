/*
 * sshcmd.h: the ssh command line that runs the receiving pgmesh-ship on a
 * destination host.
 */
#ifndef PGMESH_SSHCMD_H
#define PGMESH_SSHCMD_H

#include "dest.h"
#include "transport.h"
#include "common/buf.h"

struct ssh_settings {
	const char *program;		/* "ssh" */
	const char *const *options;	/* -o values, passed through */
	int noptions;
	const char *identity;		/* -i, may be NULL */
	int connect_timeout;		/* seconds */
	const char *remote_ship;	/* "pgmesh-ship" */
	const char *remote_apply;	/* --apply CONNINFO there, may be NULL */
};

/* argv for ssh to run "remote_ship --receive PATH [--apply CONNINFO]". */
void sshcmd_build(const struct dest *d, const struct ssh_settings *s,
    struct argv *a);
/* Append s single-quoted for a POSIX shell. */
void sshcmd_quote(struct buf *out, const char *s);

#endif
