# shellcheck shell=bash
# check.sh: the end of a chaos run: stop the load and the faults, run
# clean rounds until nothing changes any more, and hold what every node
# holds against what the load generators committed.  Sourced by
# scripts/chaos.

CHAOS_SETTLE_PASSES=${CHAOS_SETTLE_PASSES:-15}

# chaos_progress: one line: transactions committed, rounds run and how
# many of them ended other than 0 or 75.
chaos_progress() {
	local node txns=0 line=
	chaos_now
	chaos_at "$NOW_MS"
	for node in "${PEERS[@]}"; do
		[ -f "$RUN/load/$node.committed" ] &&
			txns=$((txns + $(wc -l <"$RUN/load/$node.committed")))
	done
	for node in "${NODES[@]}"; do
		line+=" $(awk -v n="$node" '
			{ all++ } $3 != 0 && $3 != 75 { odd++ }
			END { printf "%s %d/%d", n, all, odd }' "$RUN/nodes/$node/rounds")"
	done
	printf '%9s  %d txns committed; rounds/not 0 or 75:%s\n' "$AT" "$txns" "$line"
}

# wait_gone SECONDS PID...: true once every PID has exited.
wait_gone() {
	local bound=$(($1 * 10)) pid i
	shift
	for pid; do
		for ((i = 0; i < bound; i++)); do
			kill -0 "$pid" 2>/dev/null || continue 2
			sleep 0.1
		done
		return 1
	done
}

# quiesce: the load stops, each node's loop ends after its round, and
# every open fault ends (files restored, disks emptied, servers started).
quiesce() {
	local node
	touch "$RUN/stop-load"
	if ! wait_gone 30 "${LOAD_PIDS[@]}"; then
		echo "chaos: a load generator did not stop within 30 s" >&2
		return 1
	fi
	touch "$RUN/stop-rounds"
	for node in "${NODES[@]}"; do
		wait_gone 120 "${PGID[$node]}" && continue
		echo "chaos: a round of $node still ran 120 s after the last: killed" \
			"(see nodes/$node/stderr.log)"
		kill -KILL -- "-${PGID[$node]}" 2>/dev/null
	done
	faults_end_all || return
	for node in "${NODES[@]}"; do
		wait_ready "$node" || return
	done
}

# wait_ready NODE: NODE's server takes connections, within a minute.
wait_ready() {
	local i
	for ((i = 0; i < 600; i++)); do
		pg_ready "$1" && return 0
		sleep 0.1
	done
	echo "chaos: $1's server does not take connections" >&2
	return 1
}

# settle: passes of clean rounds (the peers, the hub, the peers again:
# everything a peer committed reaches every node in one pass) until a
# pass changes nothing, at most CHAOS_SETTLE_PASSES.  Sets SETTLED to the
# number of passes, or 0 when it never settled.
settle() {
	local pass node before= after
	SETTLED=0
	for ((pass = 1; pass <= CHAOS_SETTLE_PASSES; pass++)); do
		settle_peers
		settle_round hub
		settle_peers
		after=$(fingerprint)
		if [ "$after" = "$before" ]; then
			SETTLED=$pass
			return 0
		fi
		before=$after
	done
}

# settle_peers: a round of every peer, all at once (no two touch the same
# spool or database).
settle_peers() {
	local node pids=()
	for node in "${PEERS[@]}"; do
		settle_round "$node" &
		pids+=("$!")
	done
	wait "${pids[@]}"
}

# settle_round NODE: a clean round of NODE, ended after two minutes: no
# round has a reason to take that long, and the run must end.  timeout
# kills the round's process group, which is recorded for the cleanup too.
settle_round() {
	local pid status=0
	net_start_group pid timeout -k 10 120 "$CHAOS_D/round" "$RUN" "$1" settle
	wait "$pid" || status=$?
	case $status in
	124 | 137)
		echo "chaos: a clean round of $1 still ran after 120 s: killed" \
			"(see nodes/$1/stderr.log)"
		return 1 ;;
	esac
}

# fingerprint: what a round may change: every node's row count and every
# file of every spool.
fingerprint() {
	local node
	for node in "${NODES[@]}"; do
		psql -X -q -At -d "${CONN[$node]}" -c 'SELECT count(*) FROM chaos_payments' ||
			echo "$node unreachable"
	done
	find "$RUN/nodes" -path '*/spool/*' -printf '%P %s\n' | sort
}

# check_rows: the tally of every (origin, transaction) on every node;
# prints the problems and sets TXNS LOST DUPLICATED PARTIAL UNKNOWN.
check_rows() {
	local node out=$RUN/check/tally
	for node in "${PEERS[@]}"; do
		touch "$RUN/load/$node.attempted" "$RUN/load/$node.committed"
		awk -v o="$node" '{ print "A", o, $1, $2 }' "$RUN/load/$node.attempted"
		awk -v o="$node" '{ print "C", o, $1, $2 }' "$RUN/load/$node.committed"
	done >"$out.in"
	for node in "${NODES[@]}"; do
		psql -X -q -At -F ' ' -d "${CONN[$node]}" -c "
			SELECT 'R', '$node', node, txn, count(*), count(DISTINCT id)
			FROM chaos_payments GROUP BY node, txn ORDER BY node, txn" ||
			return
	done >>"$out.in"
	awk -v origins="${PEERS[*]}" -v nodes="${NODES[*]}" \
		-f "$CHAOS_D/tally.awk" "$out.in" >"$out" || return
	# Every lost line (they name their transactions in ranges), the others
	# up to 20 of a kind.
	awk '/^tally / { next }
		/^(lost|in doubt)/ { print "chaos: " $0; next }
		{ kind = $1; if (++seen[kind] <= 20) print "chaos: " $0
		  else more[kind]++ }
		END { for (k in more) printf "chaos: ... %d more %s lines in %s\n", more[k], k, FILENAME }' \
		"$out"
	read -r _ TXNS LOST DUPLICATED PARTIAL UNKNOWN < <(tail -n 1 "$out")
	check_counts "$out.in"
}

# check_counts TALLY_INPUT: one line, the transactions each generator
# committed (its COMMIT returned) and those each node holds, of every
# origin.
check_counts() {
	awk -v peers="${PEERS[*]}" -v nodes="${NODES[*]}" '
		$1 == "C" { committed[$2]++ }
		$1 == "R" { held[$2]++ }
		END {
			np = split(peers, p, " ")
			nn = split(nodes, n, " ")
			line = "chaos: txns committed"
			for (i = 1; i <= np; i++)
				line = line sprintf(" %s %d", p[i], committed[p[i]])
			line = line "; held"
			for (i = 1; i <= nn; i++)
				line = line sprintf(" %s %d", n[i], held[n[i]])
			print line
		}' "$1"
}

# check_digests: every node's digest of the table against the hub's; sets
# DIGESTS to equal or DIFFER.
check_digests() {
	local node
	DIGESTS=equal
	for node in "${NODES[@]}"; do
		pgmesh-verify -d "${CONN[$node]}" --digest chaos_payments \
			>"$RUN/check/digest-$node" 2>&1 || DIGESTS=DIFFER
	done
	for node in "${PEERS[@]}"; do
		cmp -s "$RUN/check/digest-hub" "$RUN/check/digest-$node" && continue
		DIGESTS=DIFFER
		echo "chaos: the digest of $node differs from the hub's:" \
			"$(awk '$1 == "table" { print $3 " rows" }' "$RUN/check/digest-$node") here," \
			"$(awk '$1 == "table" { print $3 " rows" }' "$RUN/check/digest-hub") on the hub"
	done
}

# check_spools: pgmesh-verify on every spool; sets SPOOLS_BAD.
check_spools() {
	local spool log status
	SPOOLS_BAD=0
	for spool in "${SPOOLS[@]}"; do
		log=$RUN/check/verify-${SPOOL_LABEL[$spool]//[^a-z]/-}
		status=0
		pgmesh-verify "$spool" >"$log" 2>&1 || status=$?
		[ "$status" -eq 0 ] && continue
		SPOOLS_BAD=$((SPOOLS_BAD + 1))
		echo "chaos: pgmesh-verify on ${SPOOL_LABEL[$spool]} exited $status:"
		grep -v '^origin \|^problems ' "$log" | head -n 5 | sed 's/^/    /'
	done
}

# check_leftovers: temporary files left in the spools, pgmesh's (.tmp-)
# and the faults' own (.chaos-: a copy or a filler never renamed or
# removed would be a fault of this script's).
check_leftovers() {
	local files=()
	mapfile -t files < <(find "${SPOOLS[@]}" -name '.tmp-*' -o -name '.chaos-*' | sort)
	((${#files[@]} == 0)) && return 0
	echo "chaos: ${#files[@]} temporary files left in the spools:"
	printf '    %s\n' "${files[@]#"$RUN"/nodes/}" | head -n 5
}

# check_statuses: the rounds whose exit status no fault explains.
check_statuses() {
	local node lines=()
	{
		awk '{ print "F", $0 }' "$RUN/faults"
		for node in "${NODES[@]}"; do
			awk -v n="$node" '{ print "R", n, $0 }' "$RUN/nodes/$node/rounds"
		done
	} >"$RUN/check/statuses.in"
	mapfile -t lines < <(awk -v start="$RUN_START_MS" -v grace=5000 \
		-f "$CHAOS_D/statuses.awk" "$RUN/check/statuses.in")
	UNEXPLAINED=${#lines[@]}
	((UNEXPLAINED == 0)) && return 0
	echo "chaos: $UNEXPLAINED rounds exited with a status no fault explains" \
		"(node, start, status, kind; their stderr in nodes/NODE/stderr.log):"
	printf '    %s\n' "${lines[@]}" | head -n 10
	((UNEXPLAINED <= 10)) || echo "    ..."
}
