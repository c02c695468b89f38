# snapshot.sh: a join snapshot beside PostgreSQL's own copy of a table
# between the same two databases, in one run.  Target (issue 20): capture
# --snapshot | pack | apply --snapshot-from of the shared source's
# BENCH_ROWS payments takes at most 1.2x COPY (SELECT ...) TO STDOUT |
# COPY FROM STDIN of the same columns into the same empty table.
#
# Both sides read the shared source (lib.sh) and write a database of their
# own per run on one destination cluster (SNAPSHOT_DST), emptied first;
# they take turns (bench_compare).  The snapshot is packed on the way, as
# it crosses machines (pgmesh-format(5), Snapshot frames).

SNAPSHOT_DST=snapshot_dst
SNAPSHOT_COLUMNS="id, account_id, amount, currency, created_at, memo"

snapshot_pgmesh_run() {
	bench_measure RUN_S RUN_KB "
		pgmesh-capture -d '$(pg_conninfo "$BENCH_SOURCE")' --snapshot payments |
		pgmesh-pack |
		pgmesh-apply -d '$(pg_conninfo "$SNAPSHOT_DST" "snapped_$1")' \
			--allow '$BENCH_NODE:public.payments' --snapshot-from '$BENCH_NODE' \
			2>/dev/null"
}

snapshot_copy_run() {
	bench_measure RUN_S RUN_KB "
		psql -X -q -d '$(pg_conninfo "$BENCH_SOURCE")' \
			-c 'COPY (SELECT $SNAPSHOT_COLUMNS FROM payments) TO STDOUT' |
		psql -X -q -d '$(pg_conninfo "$SNAPSHOT_DST" "copied_$1")' \
			-c 'COPY payments ($SNAPSHOT_COLUMNS) FROM STDIN'"
}

bench_snapshot() {
	local i
	bench_source_loaded
	pg_start "$SNAPSHOT_DST" "${BENCH_SETTINGS[@]}"
	for i in $(seq "$BENCH_RUNS"); do
		bench_database "$SNAPSHOT_DST" "snapped_$i"
		bench_database "$SNAPSHOT_DST" "copied_$i"
	done
	bench_compare snapshot_pgmesh_run snapshot_copy_run
	bench_times "snapshot | pack | apply ($BENCH_ROWS rows)" "$A_KB" "" "${A_RUNS[@]}"
	bench_times "COPY TO STDOUT | COPY FROM STDIN" "$B_KB" "" "${B_RUNS[@]}"
	bench_ratio "snapshot / COPY | COPY" 1.2
	for i in $(seq "$BENCH_RUNS"); do
		bench_check "$SNAPSHOT_DST" "snapped_$i" "$BENCH_ROWS"
		bench_check "$SNAPSHOT_DST" "copied_$i" "$BENCH_ROWS"
	done
	pg_stop "$SNAPSHOT_DST"
}

bench_snapshot
