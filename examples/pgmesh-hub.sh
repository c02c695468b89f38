#!/bin/bash
# pgmesh-hub.sh: one round of a regional hub, run by cron or a systemd
# timer.  The peers of its region ship into its spool (an ssh forced
# command, see README.md); this forwards the spool to every peer of the
# region, never a peer's own rows (NODE=), and to the other regions' hubs,
# prunes what all of them hold, and applies the spool to the hub's own
# database for regional queries.
#
# Settings come from the environment (systemd: EnvironmentFile=):
#   PGMESH_DB     the hub's own database, or empty for none
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
# Word splitting of PGMESH_DESTS is wanted: one destination per word.
# shellcheck disable=SC2086
pgmesh-ship --prune "$spool" $PGMESH_DESTS || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 75 ] || exit "$status"

if [ -n "${PGMESH_DB:-}" ]; then
	pgmesh-apply -d "$PGMESH_DB" "$spool"
fi
