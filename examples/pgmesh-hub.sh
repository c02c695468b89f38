#!/bin/bash
# pgmesh-hub.sh: one round of a regional hub, run by cron or a systemd
# timer.  The peers of its region ship into its spool (an ssh forced
# command, see README.md); this applies the spool to the hub's own
# database for regional queries, forwards the spool to every peer of the
# region, never a peer's own rows (NODE=), and to the other regions' hubs,
# and prunes what all of them hold.
#
# The hub's database is a consumer of the spool like the peers: apply
# records what it holds durably (--ack), and prune keeps every frame some
# consumer still lacks.  So apply runs first, and prune waits until the
# database has said once what it holds: a spool is never pruned past a
# database that has not applied it.
#
# Settings come from the environment (systemd: EnvironmentFile=):
#   PGMESH_DB     the hub's own database, or empty for none
#   PGMESH_ALLOW  with PGMESH_DB: which origins may  /etc/pgmesh/allow
#                 insert into which of its tables, one rule a line
#                 ("*:public.*"; see pgmesh-apply(1))
#   PGMESH_SIGNERS  who signs for whom            /etc/pgmesh/signers
#                 (optional): only frames signed by their origin are
#                 applied and forwarded
#   PGMESH_SPOOL  the hub spool                   /var/spool/pgmesh/hub
#   PGMESH_DESTS  NODE=DEST words, space-separated:
#                 "a=ssh://a.example/var/spool/pgmesh/inbox
#                  b=ssh://b.example/var/spool/pgmesh/inbox
#                  hub2=ssh://hub2.example/var/spool/pgmesh/hub"
set -euo pipefail
: "${PGMESH_DESTS:?}"
spool=${PGMESH_SPOOL:-/var/spool/pgmesh/hub}
mkdir -p "$spool"

status=0
if [ -n "${PGMESH_DB:-}" ]; then
	# 75: a gap holds an origin back (its frame may still come), or the
	# database is unreachable: the rest goes on, the next round retries.
	pgmesh-apply -d "$PGMESH_DB" --allow-file "${PGMESH_ALLOW:?}" \
		${PGMESH_SIGNERS:+--signers "$PGMESH_SIGNERS"} \
		--ack hub-database "$spool" || status=$?
	[ "$status" -eq 0 ] || [ "$status" -eq 75 ] || exit "$status"
	prune=--prune
	[ -e "$spool/.acked/hub-database" ] || prune=
else
	prune=--prune
fi

# Word splitting of PGMESH_DESTS is wanted: one destination per word.
# shellcheck disable=SC2086
pgmesh-ship ${PGMESH_SIGNERS:+--signers "$PGMESH_SIGNERS"} $prune "$spool" \
	$PGMESH_DESTS || status=$?
exit "$status"
