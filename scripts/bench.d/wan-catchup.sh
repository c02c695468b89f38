# wan-catchup.sh: the catch-up of a backlog across one class of link,
# native logical replication beside pgmesh over ssh, on the same WAL.
# Not a part: sourced by wan.sh, which calls wan_catchup per link class.
#
# As in apply.sh, each load has a source of its own, here a database of
# the source cluster on host a, and one destination cluster on host b
# has a database per run and side, each with the empty payments table,
# and in each native one a subscription to the source across the link,
# created disabled before the load (its slot is made then), copy_data =
# false, every other option at its default.  A native run enables its subscription and is timed by
# catchup.sh until a loop inside the destination sees the last id.  A
# pgmesh run is timed from the start of
#
#	pgmesh-capture --drain | pgmesh-pack | ssh B pgmesh-apply
#
# run on host a as its user would run it, to the exit of that pipeline
# (apply has committed everything; ssh has closed).  Both include their
# connections across the link (pgmesh's the ssh handshake), neither
# anything done before the load.  The bytes are every IP byte that
# crossed the link during the run, both ways, headers included: for
# native replication, its walsender's stream and the worker's replies;
# for pgmesh, ssh's handshake and the encrypted pack stream.  Native
# replication runs without SSL, as the bench's clusters do: what
# encryption costs, pgmesh alone pays.

WAN_SRC=wan_src
WAN_DST=wan_dst
# A run that has not caught up after this long is broken, not slow.
WAN_BOUND_S=7200

# wan_database DB: an empty payments table in a new database of the
# destination.
wan_database() {
	pg_sql "$WAN_DST" "CREATE DATABASE $1" >/dev/null
	pg_sql "$WAN_DST" "$1" "$BENCH_SCHEMA" >/dev/null
}

# wan_catchup_source NODE ROWS TXN_ROWS: the source database NODE with
# pgmesh's slot, the destination's databases with the native ones'
# subscriptions across the link, then ROWS payments in TXN_ROWS-row
# transactions.
wan_catchup_source() {
	local node=$1 i sub
	pg_sql "$WAN_SRC" "CREATE DATABASE $node" >/dev/null
	pg_sql "$WAN_SRC" "$node" "$BENCH_SCHEMA" >/dev/null
	# Slot names are the cluster's: pgmesh's is named after the database.
	pgmesh-capture -d "$(pg_conninfo "$WAN_SRC" "$node")" -S "$node" \
		--node "$node" --init payments 2>/dev/null
	for i in $(seq "$BENCH_RUNS"); do
		sub=${node}_native_$i
		wan_database "${node}_pipe_$i"
		wan_database "$sub"
		# Its notice (the slot made) would be noise on stderr.
		PGOPTIONS="-c client_min_messages=warning" pg_sql "$WAN_DST" "$sub" \
			"CREATE SUBSCRIPTION $sub
			CONNECTION '$(wan_conninfo "$WAN_SRC" "$WAN_LINK" a "$node")'
			PUBLICATION pgmesh WITH (enabled = false, copy_data = false)" \
			>/dev/null
	done
	bench_load "$WAN_SRC" "$2" "$3" 1 "$node"
}

# wan_pipeline DB: the pipeline's command string, run on host a: the
# source's changes through ssh into database DB of the destination.
wan_pipeline() {
	local apply inner
	apply="$(wan_quote "$(command -v pgmesh-apply)") -d $(wan_quote \
		"$(pg_conninfo "$WAN_DST" "$1")") --allow '*:*'"
	inner="$(printf '%q ' pgmesh-capture -d "$(pg_conninfo "$WAN_SRC" "$WAN_DB")" \
		-S "$WAN_DB" --drain)| pgmesh-pack | $(wan_ssh_to "$WAN_LINK" b)$(printf '%q' "$apply")"
	printf '%q ' ip netns exec "$(netsim_ns "$WAN_LINK" a)" bash -c "$inner"
	printf '2>>%q' "$BENCH_TMP/wan.log"
}

# wan_pipeline_run N: the N-th pgmesh run; its bytes in WAN_A_BYTES.  The
# peak memory of the local processes alone would mislead (apply runs on
# the other host): none is shown.
wan_pipeline_run() {
	local before
	before=$(wan_bytes "$WAN_LINK")
	bench_measure RUN_S RUN_KB "$(wan_pipeline "${WAN_DB}_pipe_$1")"
	RUN_KB=-
	WAN_A_BYTES+=($(($(wan_bytes "$WAN_LINK") - before)))
}

# wan_native_run N: the N-th subscription, enabled and timed until its
# last row is in, its bytes in WAN_B_BYTES; disabled after, so that its
# worker and walsender do not linger into the next runs.
wan_native_run() {
	local sub=${WAN_DB}_native_$1 before
	catchup_launcher_wait "$WAN_DST"
	before=$(wan_bytes "$WAN_LINK")
	RUN_S=$(catchup_seconds "$(pg_conninfo "$WAN_DST" "$sub")" \
		"ALTER SUBSCRIPTION $sub ENABLE" payments "$WAN_ROWS" "$WAN_BOUND_S")
	WAN_B_BYTES+=($(($(wan_bytes "$WAN_LINK") - before)))
	RUN_KB=-
	pg_sql "$WAN_DST" "$sub" "ALTER SUBSCRIPTION $sub DISABLE" >/dev/null
}

# wan_note ROWS MEDIAN_S BYTES...: "ROWS/s, MB across" of the median run.
wan_note() {
	local rows=$1 seconds=$2 bytes
	shift 2
	read -r bytes _ <<<"$(bench_spread "$@")"
	awk -v r="$rows" -v s="$seconds" -v b="$bytes" 'BEGIN {
		printf "%.0f rows/s, %.2f MB across", (s > 0 ? r / s : 0), b / 1e6 }'
}

# wan_check DB ROWS: the destination database holds exactly ROWS
# distinct rows.
wan_check() {
	[ "$(pg_sql "$WAN_DST" "$1" "SELECT count(DISTINCT id) FROM payments")" = "$2" ] ||
		bench_row "$1: rows missing or doubled" - - - "FAILED"
}

# wan_catchup_rows LABEL: the table's rows of the comparison just run.
wan_catchup_rows() {
	local median
	read -r median _ <<<"$(bench_spread "${A_RUNS[@]}")"
	bench_times "$1: pgmesh via ssh" - \
		"$(wan_note "$WAN_ROWS" "$median" "${WAN_A_BYTES[@]}")" "${A_RUNS[@]}"
	read -r median _ <<<"$(bench_spread "${B_RUNS[@]}")"
	bench_times "$1: native" - \
		"$(wan_note "$WAN_ROWS" "$median" "${WAN_B_BYTES[@]}")" "${B_RUNS[@]}"
}

# wan_catchup LINK CLASS NODE ROWS TXN_ROWS MAX_RATIO: pgmesh beside
# native replication across LINK (called CLASS in the table) over a
# source database of its own, NODE, ROWS payments in TXN_ROWS-row
# transactions; the ratio of their times against MAX_RATIO ("-": none).
wan_catchup() {
	local label="$2 $5-row" i
	WAN_LINK=$1 WAN_DB=$3 WAN_ROWS=$4 WAN_A_BYTES=() WAN_B_BYTES=()
	wan_catchup_source "$3" "$4" "$5"
	bench_compare wan_pipeline_run wan_native_run
	wan_catchup_rows "$label"
	bench_ratio "$label: pgmesh/native" "$6"
	bench_target "$label: bytes pgmesh/native" \
		"$(bench_spread "${WAN_A_BYTES[@]}" | cut -d ' ' -f 1)" \
		"$(bench_spread "${WAN_B_BYTES[@]}" | cut -d ' ' -f 1)" -
	for i in $(seq "$BENCH_RUNS"); do
		wan_check "$3_pipe_$i" "$4"
		wan_check "$3_native_$i" "$4"
		# DROP SUBSCRIPTION drops its slot on the source too.
		PGOPTIONS="-c client_min_messages=warning" pg_sql "$WAN_DST" \
			"$3_native_$i" "DROP SUBSCRIPTION $3_native_$i" >/dev/null
		pg_sql "$WAN_DST" "DROP DATABASE $3_pipe_$i" >/dev/null
		pg_sql "$WAN_DST" "DROP DATABASE $3_native_$i" >/dev/null
	done
	pg_sql "$WAN_SRC" "SELECT pg_drop_replication_slot('$3')" >/dev/null
	pg_sql "$WAN_SRC" "DROP DATABASE $3" >/dev/null
}
