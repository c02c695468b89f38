# wan-hubs.sh: two regions joined by a slow, far link, two peers in each:
# a hub per region (the examples' topology, examples/README.md) against
# no hubs, every peer shipping to every other.  Not a part: sourced by
# wan.sh.
#
# Host a is one region (peers a and b, hub ha), host b the other (peers
# c and d, hub hb); the link between the hosts is the one between the
# regions.  Within a region, machines ship to each other's spools as
# local directories: a LAN is not what is measured, and nothing of it
# crosses the link.  Across it, ssh:// into the other region's sshd.
#
# Each run starts four fresh peers, each a database of one cluster (of
# the machine running the bench: pgmesh's state is per database), each
# with BENCH_ROWS / 40 one-row transactions of its own (BENCH_ROWS / 10
# in all) waiting in the WAL,
# then runs rounds, every machine's steps one after the other as cron
# would run them on each (examples/pgmesh-peer.sh, pgmesh-hub.sh):
#
#   hubs: each peer captures into its outbox and ships it to its hub;
#         ha ships its spool to a, b and hb; hb to c, d and ha; each peer
#         applies its inbox.  A region's rows cross the link once.
#   mesh: each peer captures into its outbox and ships it to the three
#         others' inboxes; each peer applies its inbox.  A peer's rows
#         cross the link once per peer of the other region.
#
# until every peer holds every row.  Measured: the IP bytes that crossed
# the link, both ways (ssh handshakes included), per 100,000
# transactions, and the time from the first round to the end of the
# round after which every peer held everything, with the rounds it took
# (with hubs, a and b get the other region's rows in the second round:
# ha forwards before hb has sent; as on real machines, where rounds come
# every minute).

HUBS_LINK=regions
HUBS_CLUSTER=hubs
HUBS_PEERS=(a b c d)
# The host of each peer and of each region's hub.
declare -A HUBS_HOST=([a]=a [b]=a [c]=b [d]=b)
HUBS_MAX_ROUNDS=4
# Each peer's transactions, and all of them.
HUBS_SHARE=$((BENCH_ROWS / 40))
HUBS_TXNS=$((4 * HUBS_SHARE))

# hubs_spool NAME: the directory of spool NAME (a-outbox, a-inbox, ha...).
hubs_spool() {
	echo "$BENCH_TMP/spools/$1"
}

# hubs_remote SIDE NAME: the ssh:// URL of spool NAME on host SIDE.
hubs_remote() {
	echo "ssh://root@$(netsim_addr "$HUBS_LINK" "$1"):$SSHD_PORT$(hubs_spool "$2")"
}

# hubs_inbox FROM TO: where peer FROM ships peer TO's inbox: a local
# directory within a region, ssh:// across the link.
hubs_inbox() {
	if [ "${HUBS_HOST[$1]}" = "${HUBS_HOST[$2]}" ]; then
		echo "$2=$(hubs_spool "$2-inbox")"
	else
		echo "$2=$(hubs_remote "${HUBS_HOST[$2]}" "$2-inbox")"
	fi
}

# hubs_conninfo P: peer P's database.
hubs_conninfo() {
	pg_conninfo "$HUBS_CLUSTER" "peer_$1"
}

# hubs_peer_start P: peer P's database, its slot (outbox_P: slot names
# are the cluster's) and its share of the transactions, ids apart from
# the other peers'.
hubs_peer_start() {
	local index
	case $1 in a) index=0 ;; b) index=1 ;; c) index=2 ;; d) index=3 ;; esac
	pg_sql "$HUBS_CLUSTER" "CREATE DATABASE peer_$1" >/dev/null
	pg_sql "$HUBS_CLUSTER" "peer_$1" "$BENCH_SCHEMA" >/dev/null
	pgmesh-capture -d "$(hubs_conninfo "$1")" -S "outbox_$1" --node "$1" \
		--init payments 2>/dev/null
	bench_load "$HUBS_CLUSTER" "$HUBS_SHARE" 1 $((index * HUBS_SHARE + 1)) \
		"peer_$1"
	mkdir -p "$(hubs_spool "$1-outbox")" "$(hubs_spool "$1-inbox")"
}

# hubs_peer_stop P: peer P's slot and database gone.
hubs_peer_stop() {
	pg_sql "$HUBS_CLUSTER" "SELECT pg_drop_replication_slot('outbox_$1')" >/dev/null
	pg_sql "$HUBS_CLUSTER" "DROP DATABASE peer_$1" >/dev/null
}

# hubs_ship SIDE ARGS...: pgmesh-ship with ARGS on host SIDE, with the
# options that reach the far region's sshd.
hubs_ship() {
	local side=$1
	shift
	netsim_exec "$HUBS_LINK" "$side" pgmesh-ship "${SHIP_SSH[@]}" \
		--remote-ship "$(command -v pgmesh-ship)" "$@" 2>>"$BENCH_TMP/wan.log"
}

# hubs_outbox P: peer P's new rows into its outbox, after what it holds.
hubs_outbox() {
	local head
	head=$(pgmesh-ship --position --origin "$1" "$(hubs_spool "$1-outbox")")
	pgmesh-capture -d "$(hubs_conninfo "$1")" -S "outbox_$1" --local-only \
		--drain --after "$head" 2>>"$BENCH_TMP/wan.log" | pgmesh-pack |
		pgmesh-ship "$(hubs_spool "$1-outbox")" 2>>"$BENCH_TMP/wan.log"
}

# hubs_inbox_apply P: peer P applies its inbox; 75 (an origin held back
# by a frame still to come) is for the next round.
hubs_inbox_apply() {
	local status=0
	pgmesh-apply -d "$(hubs_conninfo "$1")" --allow '*:public.payments' \
		--prune "$(hubs_spool "$1-inbox")" 2>>"$BENCH_TMP/wan.log" || status=$?
	[ "$status" -eq 0 ] || [ "$status" -eq 75 ]
}

hubs_round_hubs() {
	local p
	for p in "${HUBS_PEERS[@]}"; do
		hubs_outbox "$p"
		hubs_ship "${HUBS_HOST[$p]}" --prune "$(hubs_spool "$p-outbox")" \
			"$(hubs_spool "h${HUBS_HOST[$p]}")"
	done
	hubs_ship a --prune "$(hubs_spool ha)" "a=$(hubs_spool a-inbox)" \
		"b=$(hubs_spool b-inbox)" "hb=$(hubs_remote b hb)"
	hubs_ship b --prune "$(hubs_spool hb)" "c=$(hubs_spool c-inbox)" \
		"d=$(hubs_spool d-inbox)" "ha=$(hubs_remote a ha)"
	for p in "${HUBS_PEERS[@]}"; do
		hubs_inbox_apply "$p"
	done
}

hubs_round_mesh() {
	local p q dests
	for p in "${HUBS_PEERS[@]}"; do
		hubs_outbox "$p"
		dests=()
		for q in "${HUBS_PEERS[@]}"; do
			[ "$q" = "$p" ] || dests+=("$(hubs_inbox "$p" "$q")")
		done
		hubs_ship "${HUBS_HOST[$p]}" --prune "$(hubs_spool "$p-outbox")" \
			"${dests[@]}"
	done
	for p in "${HUBS_PEERS[@]}"; do
		hubs_inbox_apply "$p"
	done
}

# hubs_complete: every peer holds every row.
hubs_complete() {
	local p
	for p in "${HUBS_PEERS[@]}"; do
		[ "$(pg_sql "$HUBS_CLUSTER" "peer_$p" "SELECT count(*) FROM payments")" = \
			"$HUBS_TXNS" ] || return 1
	done
}

# hubs_run TOPOLOGY: one run of rounds (hubs_round_TOPOLOGY) on fresh
# peers; RUN_S the seconds, HUBS_ROUNDS_TOPOLOGY and HUBS_BYTES_TOPOLOGY
# gain its rounds and the bytes across the link; the peers are stopped
# after.
hubs_run() {
	local -n rounds=HUBS_ROUNDS_$1 bytes=HUBS_BYTES_$1
	local p start before
	rm -rf "$BENCH_TMP/spools"
	mkdir -p "$(hubs_spool ha)" "$(hubs_spool hb)"
	for p in "${HUBS_PEERS[@]}"; do
		hubs_peer_start "$p"
	done
	bench_checkpoint
	before=$(wan_bytes "$HUBS_LINK")
	start=$EPOCHREALTIME
	HUBS_ROUNDS=0
	until hubs_complete; do
		[ "$HUBS_ROUNDS" -lt "$HUBS_MAX_ROUNDS" ] || {
			bench_row "$1: not every row everywhere after $HUBS_ROUNDS rounds" \
				- - - FAILED
			tail -n 20 "$BENCH_TMP/wan.log" >&2
			break; }
		"hubs_round_$1"
		HUBS_ROUNDS=$((HUBS_ROUNDS + 1))
	done
	RUN_S=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f", e - s }')
	RUN_KB=-
	bytes+=($(($(wan_bytes "$HUBS_LINK") - before)))
	rounds+=("$HUBS_ROUNDS")
	for p in "${HUBS_PEERS[@]}"; do
		hubs_peer_stop "$p"
	done
	# Replication origins are the cluster's, and each holds one of its
	# max_replication_slots states: the next run's peers need them.
	pg_sql "$HUBS_CLUSTER" "SELECT count(pg_replication_origin_drop(roname))
		FROM pg_replication_origin" >/dev/null
}

hubs_run_hubs() {
	hubs_run hubs
}

hubs_run_mesh() {
	hubs_run mesh
}

# hubs_note BYTES ROUNDS: "rounds R, X MB across per 100,000 txns": the
# rounds every run took, the bytes of the median run.
hubs_note() {
	local -n b=$1 r=$2
	awk -v bytes="$(bench_spread "${b[@]}" | cut -d ' ' -f 1)" \
	    -v rounds="$(printf '%s\n' "${r[@]}" | sort -n | uniq | paste -sd /)" \
	    -v txns="$HUBS_TXNS" 'BEGIN {
		printf "rounds %s, %.2f MB across per 100,000 txns", rounds,
		    bytes * 100000 / txns / 1e6 }'
}

# wan_hubs RATE RTT CLASS: both topologies, taking turns, with the link
# between the regions of that class.
wan_hubs() {
	HUBS_ROUNDS_hubs=() HUBS_ROUNDS_mesh=() HUBS_BYTES_hubs=() HUBS_BYTES_mesh=()
	wan_link_up "$HUBS_LINK" "$1" "$2"
	wan_sshd "$HUBS_LINK" a b
	pg_start "$HUBS_CLUSTER" "${BENCH_SETTINGS[@]}"
	bench_compare hubs_run_hubs hubs_run_mesh
	bench_times "$3 regions: 2 hubs, 4 peers (s)" - \
		"$(hubs_note HUBS_BYTES_hubs HUBS_ROUNDS_hubs)" "${A_RUNS[@]}"
	bench_times "$3 regions: 4 peers, no hub (s)" - \
		"$(hubs_note HUBS_BYTES_mesh HUBS_ROUNDS_mesh)" "${B_RUNS[@]}"
	bench_ratio "$3 regions: time hubs/no hub" -
	bench_target "$3 regions: bytes hubs/no hub" \
		"$(bench_spread "${HUBS_BYTES_hubs[@]}" | cut -d ' ' -f 1)" \
		"$(bench_spread "${HUBS_BYTES_mesh[@]}" | cut -d ' ' -f 1)" -
	rm -rf "$BENCH_TMP/spools"
	pg_stop "$HUBS_CLUSTER"
	wan_link_down "$HUBS_LINK"
}
