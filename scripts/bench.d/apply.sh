# apply.sh: pgmesh-apply beside PostgreSQL's own ways in, on the same rows
# in one run.  Targets (issue 4):
#   - BENCH_ROWS payments in 1,000-row transactions from a pack file:
#     apply takes at most 1.15x a plain COPY of the same rows into the
#     same empty table;
#   - the full pipeline capture | pack | apply of those rows takes at most
#     0.6x native logical replication catching up on the same WAL;
#   - BENCH_ROWS / 10 one-row transactions: the pipeline at most 0.5x
#     native catch-up.
#
# Native replication is run the way its users run it.  Each catch-up
# comparison has a source of its own (node "bulk" or "single") and
# shares one destination cluster (APPLY_DST) with the other comparisons.
# Before the source's rows are loaded, the destination gets a database
# per run and side, each with the empty payments table, and in each
# native one a subscription to the source, created disabled (its slot is
# made then), with copy_data = false (the table is to fill through the
# apply worker from the WAL, as pgmesh's fills through apply) and every
# other option at its default.  A native run enables its subscription and
# is timed by catchup.sh, from just before the ENABLE to the moment a
# loop inside the destination sees the last id; a pipeline run is timed
# from the start of capture --drain | pack | apply to apply's exit.  Both
# include their connections and the start of their processes, neither
# anything done before the load.  The two take turns (bench_compare),
# with a checkpoint on every cluster before each run.
#
# PostgreSQL's launcher starts a worker at most once per
# wal_retrieve_retry_interval (5 s), counted from the last worker it
# started: a native run begins that long after the one before
# (catchup_launcher_wait).

# shellcheck source=scripts/bench.d/catchup.sh
source "$BENCH_DIR/catchup.sh"

APPLY_DST=apply_dst
APPLY_SINGLE_ROWS=$((BENCH_ROWS / 10))
# A run that has not caught up after this long is broken, not slow.
APPLY_BOUND_S=3600

# apply_database DB: an empty payments table in a new database of the
# destination (pgmesh's progress is per database).
apply_database() {
	pg_sql "$APPLY_DST" "CREATE DATABASE $1" >/dev/null
	pg_sql "$APPLY_DST" "$1" "$BENCH_SCHEMA" >/dev/null
}

# apply_check DB ROWS: the destination holds exactly ROWS distinct rows.
apply_check() {
	[ "$(pg_sql "$APPLY_DST" "$1" "SELECT count(DISTINCT id) FROM payments")" = "$2" ] ||
		bench_row "$1: rows missing or doubled" - - - "FAILED"
}

apply_drop() {
	local db
	for db in "$@"; do
		pg_sql "$APPLY_DST" "DROP DATABASE $db" >/dev/null
	done
}

# COPY and apply of the pack, each run into a database of its own.
apply_copy_run() {
	bench_measure RUN_S RUN_KB "psql -X -q -d '$(pg_conninfo "$APPLY_DST" "copied_$1")' \
		-c '\\copy payments FROM '\\''$APPLY_COPY'\\'''"
}

apply_pack_run() {
	bench_measure RUN_S RUN_KB "pgmesh-apply -d '$(pg_conninfo "$APPLY_DST" "applied_$1")' \
		--allow '*:*' <'$BENCH_PACK' 2>/dev/null"
}

# apply_versus_copy: apply of the shared pack beside COPY of its rows.
apply_versus_copy() {
	local i dbs=()
	APPLY_COPY=$BENCH_TMP/apply.copy
	bench_pack_ready
	pgmesh-pack -d <"$BENCH_PACK" | awk -F '\t' '$1 == "I"' | cut -f 3- >"$APPLY_COPY"
	for i in $(seq "$BENCH_RUNS"); do
		apply_database "applied_$i"
		apply_database "copied_$i"
		dbs+=("applied_$i" "copied_$i")
	done
	bench_compare apply_pack_run apply_copy_run
	bench_times "COPY ($BENCH_ROWS rows, empty table)" "$B_KB" "" "${B_RUNS[@]}"
	bench_times "apply of the pack (same rows, empty table)" "$A_KB" "" \
		"${A_RUNS[@]}"
	bench_ratio "apply / COPY" 1.15
	for i in $(seq "$BENCH_RUNS"); do
		apply_check "applied_$i" "$BENCH_ROWS"
	done
	apply_drop "${dbs[@]}"
	rm -f "$APPLY_COPY"
}

# apply_catchup_source NODE ROWS TXN_ROWS: the source NODE with pgmesh's
# slot, the destination databases of both sides with the native ones'
# subscriptions, then ROWS payments in TXN_ROWS-row transactions.
apply_catchup_source() {
	local i
	bench_cluster "$1"
	pgmesh-capture -d "$(pg_conninfo "$1")" -S pgmesh --node "$1" \
		--init payments 2>/dev/null
	for i in $(seq "$BENCH_RUNS"); do
		apply_database "$1_pipe_$i"
		apply_database "$1_native_$i"
		# Its notice (the slot made) would be noise on stderr.
		PGOPTIONS="-c client_min_messages=warning" pg_sql "$APPLY_DST" \
			"$1_native_$i" "CREATE SUBSCRIPTION $1_native_$i
			CONNECTION '$(pg_conninfo "$1")' PUBLICATION pgmesh
			WITH (enabled = false, copy_data = false)" >/dev/null
	done
	bench_load "$1" "$2" "$3"
}

# apply_pipeline_run N: capture | pack | apply into the N-th pipeline
# database, from pgmesh's slot (never advanced by --drain).
apply_pipeline_run() {
	bench_measure RUN_S RUN_KB "
		pgmesh-capture -d '$(pg_conninfo "$APPLY_SRC")' -S pgmesh --drain |
		pgmesh-pack |
		pgmesh-apply -d '$(pg_conninfo "$APPLY_DST" "${APPLY_SRC}_pipe_$1")' \
			--allow '*:*' 2>/dev/null"
}

# apply_native_run N: the N-th subscription, enabled and timed until its
# last row is in; disabled after, so that its worker and walsender do not
# linger into the next runs.
apply_native_run() {
	local sub=${APPLY_SRC}_native_$1
	catchup_launcher_wait "$APPLY_DST"
	RUN_S=$(catchup_seconds "$(pg_conninfo "$APPLY_DST" "$sub")" \
		"ALTER SUBSCRIPTION $sub ENABLE" payments "$APPLY_ROWS" "$APPLY_BOUND_S")
	RUN_KB=-
	pg_sql "$APPLY_DST" "$sub" "ALTER SUBSCRIPTION $sub DISABLE" >/dev/null
}

# apply_catchup NODE ROWS TXN_ROWS LABEL MAX_RATIO: the pipeline beside
# native replication over a source of its own, ROWS payments in TXN_ROWS-
# row transactions; LABEL names them in the table.
apply_catchup() {
	local i
	APPLY_SRC=$1 APPLY_ROWS=$2
	apply_catchup_source "$1" "$2" "$3"
	bench_compare apply_pipeline_run apply_native_run
	bench_times "capture | pack | apply ($4)" "$A_KB" "" "${A_RUNS[@]}"
	bench_times "native subscription catching up" "$B_KB" "" "${B_RUNS[@]}"
	bench_ratio "pipeline / native (${4#* })" "$5"
	for i in $(seq "$BENCH_RUNS"); do
		apply_check "$1_pipe_$i" "$2"
		apply_check "$1_native_$i" "$2"
		# DROP SUBSCRIPTION drops its slot on the source too.
		PGOPTIONS="-c client_min_messages=warning" pg_sql "$APPLY_DST" \
			"$1_native_$i" "DROP SUBSCRIPTION $1_native_$i" >/dev/null
		apply_drop "$1_pipe_$i" "$1_native_$i"
	done
	pg_stop "$1"
}

bench_apply() {
	pg_start "$APPLY_DST" "${BENCH_SETTINGS[@]}"
	apply_versus_copy
	apply_catchup bulk "$BENCH_ROWS" 1000 "$BENCH_ROWS 1,000-row txns" 0.6
	apply_catchup single "$APPLY_SINGLE_ROWS" 1 "$APPLY_SINGLE_ROWS 1-row txns" 0.5
	pg_stop "$APPLY_DST"
}

bench_apply
