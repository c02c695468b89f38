#!/bin/bash
# pgmesh-peer.sh: one round of a peer, run by cron or a systemd timer.
#
#   1. its own new transactions into its outbox spool, resuming after what
#      the outbox already holds (the cursor lives with the durable copy);
#   2. the outbox to its regional hub over ssh (the hub says what it holds,
#      only the rest travels), pruning what the hub acknowledged;
#   3. whatever the hub delivered into its inbox, into its database,
#      pruning what the database holds durably.  A frame that is missing
#      holds its origin back (exit 75) until the hub delivers it.
#
# Settings come from the environment (systemd: EnvironmentFile=):
#   PGMESH_NODE   this peer's node name            a
#   PGMESH_DB     its database (libpq conninfo)    dbname=shop
#   PGMESH_HUB    its hub's spool                  hub=ssh://hub1.example/var/spool/pgmesh/hub
#   PGMESH_SPOOL  where outbox/ and inbox/ live    /var/spool/pgmesh
#   PGMESH_ALLOW  which origins may insert into    /etc/pgmesh/allow
#                 which tables here, one rule a line ("*:public.*"; see
#                 pgmesh-apply(1)): nothing is applied without it
#   PGMESH_KEY    this node's signing key          /etc/pgmesh/node-a
#                 (ssh-keygen -t ed25519 -N '' -f /etc/pgmesh/node-a)
#   PGMESH_SIGNERS  who signs for whom, one key     /etc/pgmesh/signers
#                 a line ("a ssh-ed25519 AAAA..."): only frames signed by
#                 their origin are applied (both optional, and meant
#                 together: see pgmesh(7), SECURITY CONSIDERATIONS)
set -euo pipefail
: "${PGMESH_NODE:?}" "${PGMESH_DB:?}" "${PGMESH_HUB:?}" "${PGMESH_ALLOW:?}"
spool=${PGMESH_SPOOL:-/var/spool/pgmesh}
mkdir -p "$spool/outbox" "$spool/inbox"

# Our own new rows (the hub forwards everyone else's) into the outbox,
# resuming where the outbox stands: the cursor lives with the durable copy.
# --outbox first proves that the outbox's head is of this server's history
# (a restored or failed-over database is refused: pgmesh-capture(1),
# History); it needs track_commit_timestamp = on.
pgmesh-capture -d "$PGMESH_DB" -S outbox --node "$PGMESH_NODE" \
	--local-only --outbox "$spool/outbox" --drain |
	pgmesh-pack ${PGMESH_KEY:+--sign "$PGMESH_KEY"} | pgmesh-ship "$spool/outbox"

# Exit status 75 (hub unreachable) is fine for cron: the next round
# catches up.  Everything else is worth a mail.
status=0
pgmesh-ship --prune "$spool/outbox" "$PGMESH_HUB" || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 75 ] || exit "$status"

pgmesh-apply -d "$PGMESH_DB" --allow-file "$PGMESH_ALLOW" \
	${PGMESH_SIGNERS:+--signers "$PGMESH_SIGNERS"} --prune "$spool/inbox"
