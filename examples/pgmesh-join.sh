#!/bin/bash
# pgmesh-join.sh: a new peer joins a running network, once, by hand.
#
# Before running it:
#   * the schema exists on this node (schema.sql), as on every other;
#   * its server keeps commit timestamps (track_commit_timestamp = on),
#     which pgmesh-peer.sh's rounds need;
#   * this node is in its hub's PGMESH_DESTS already, and the hub has run
#     a round since: from then on the hub keeps, and does not prune, the
#     frames this node will need while the snapshot loads.
#
# Then it:
#   1. sets up this node's capture (publication, guard, outbox slot);
#   2. loads a snapshot of the source (its hub, or a peer applying every
#      origin and every table this node will) into this database: every
#      row as of one moment, then its progress per origin raised to the
#      snapshot's watermarks;
#   3. runs a first peer round: the hub's frames after the watermarks go
#      in.  If the hub no longer holds what follows a watermark, apply
#      names the origin and the missing range and exits 75: take a
#      fresher snapshot (run this again).
# After it, start the peer's cron rounds (crontab.peer).
#
# The watermarks are the source's word: what it set aside (--rejects) or
# was not granted is missing here too.  Take snapshots only from a node
# trusted as much as this one.
#
# Settings come from the environment, as for pgmesh-peer.sh, plus:
#   PGMESH_SOURCE_NODE  the source's node name          hub-eu
#   PGMESH_SOURCE_DB    its database (libpq conninfo)   dbname=shop
#   PGMESH_SOURCE_SSH   where to run its capture, or empty to connect
#                       from here                       hub-eu.example
#   PGMESH_SOURCE_KEY   the source's signing key, on the source's
#                       machine, or empty: unsigned     /etc/pgmesh/hub-eu
# The snapshot is packed where it is taken (compressed across the link),
# signed with PGMESH_SOURCE_KEY; with PGMESH_SIGNERS, apply takes it only
# signed by the source, as it takes the streams.
# PGMESH_ALLOW's rules judge the snapshot's rows as the source's, whatever
# origin first inserted them: "*:public.*" grants them.
set -euo pipefail
: "${PGMESH_NODE:?}" "${PGMESH_DB:?}" "${PGMESH_HUB:?}" "${PGMESH_ALLOW:?}"
: "${PGMESH_SOURCE_NODE:?}" "${PGMESH_SOURCE_DB:?}"
here=$(dirname "$0")

pgmesh-capture -d "$PGMESH_DB" -S outbox --node "$PGMESH_NODE" --init

capture=(pgmesh-capture -d "$PGMESH_SOURCE_DB" --node "$PGMESH_SOURCE_NODE"
	--snapshot)
pack=(pgmesh-pack ${PGMESH_SOURCE_KEY:+--sign "$PGMESH_SOURCE_KEY"})
snapshot() {
	if [ -n "${PGMESH_SOURCE_SSH:-}" ]; then
		# ssh hands the remote shell one string: quote each word for it.
		ssh "$PGMESH_SOURCE_SSH" "${capture[*]@Q} | ${pack[*]@Q}"
	else
		"${capture[@]}" | "${pack[@]}"
	fi
}
snapshot |
	pgmesh-apply -d "$PGMESH_DB" -v --allow-file "$PGMESH_ALLOW" \
		${PGMESH_SIGNERS:+--signers "$PGMESH_SIGNERS"} \
		--snapshot-from "$PGMESH_SOURCE_NODE"

# 75 is apply holding an origin back at a gap (it named the origin and
# the range), or the hub out of reach: either way, not joined yet.
status=0
"$here/pgmesh-peer.sh" || status=$?
if [ "$status" -eq 75 ]; then
	echo "pgmesh-join.sh: not joined yet: if an origin is held back" \
		"above, its hub no longer holds what follows the snapshot:" \
		"take a fresher snapshot (run this again)" >&2
fi
exit "$status"
