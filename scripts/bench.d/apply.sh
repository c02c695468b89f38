# apply.sh: pgmesh-apply beside PostgreSQL's own ways in, on the same rows
# in one run.  Targets (issue 4):
#   - BENCH_ROWS payments in 1,000-row transactions from a pack file:
#     apply takes at most 1.15x a plain COPY of the same rows into the
#     same empty table;
#   - the full pipeline capture | pack | apply on those rows takes at most
#     0.6x native logical replication (CREATE SUBSCRIPTION) catching up;
#   - BENCH_ROWS / 10 one-row transactions: the pipeline at most 0.4x
#     native catch-up.
#
# The 1,000-row transactions are lib.sh's shared source (its pack, the
# capture slot, and the pgoutput slot made for a subscription); the
# one-row transactions have a source cluster of their own (node single),
# where a pgmesh slot and a pgoutput slot for the subscription are made
# before the rows are loaded.  Either way both read the same WAL.
# Every measurement loads a new database of one destination cluster,
# after a checkpoint, so that none pays for the WAL of the one before; the
# launcher may start a subscription's worker right away
# (wal_retrieve_retry_interval), as it would on a server that has not just
# started another one.
#
# Each comparison takes the fastest of APPLY_TRIES runs of each side, the
# two taking turns: on a shared machine one run of either side varied by
# a quarter or more (COPY 3.0-5.3 s), enough to decide a ratio alone.
# Every try of a subscription starts from its own copy of the pre-made
# slot.

APPLY_DST=apply_dst
APPLY_SINGLE_ROWS=$((BENCH_ROWS / 10))
APPLY_TRIES=3

# apply_source NODE ROWS TXN_ROWS: a source cluster with both slots, then
# its rows.
apply_source() {
	bench_cluster "$1"
	pgmesh-capture -d "$(pg_conninfo "$1")" -S pgmesh --node "$1" \
		--init payments 2>/dev/null
	pg_sql "$1" "SELECT pg_create_logical_replication_slot('native',
		'pgoutput')" >/dev/null
	bench_load "$1" "$2" "$3"
	pg_sql "$1" "CHECKPOINT" >/dev/null
}

# apply_slot_copies CLUSTER SLOT: SLOT_1 to SLOT_<APPLY_TRIES>, copies of
# SLOT made before any is consumed.
apply_slot_copies() {
	local i
	for i in $(seq "$APPLY_TRIES"); do
		pg_sql "$1" "SELECT pg_copy_logical_replication_slot('$2', '$2_$i')" >/dev/null
	done
}

# apply_target DB: an empty payments table in a new destination database
# (pgmesh's progress is per database), then a checkpoint.
apply_target() {
	pg_sql "$APPLY_DST" "CREATE DATABASE $1" >/dev/null
	pg_sql "$APPLY_DST" "$1" "$BENCH_SCHEMA" >/dev/null
	pg_sql "$APPLY_DST" "CHECKPOINT" >/dev/null
}

# apply_native CLUSTER SLOT DST_DB LAST_ID: a subscription from the
# pre-made SLOT, timed until the last row is there (rows come in commit
# order, so the highest id arrives with the last transaction).
apply_native() {
	local conninfo slot=$2
	conninfo=$(pg_conninfo "$1")
	shift
	bench_measure NATIVE_S NATIVE_KB "
		psql -X -q -d '$(pg_conninfo "$APPLY_DST" "$2")' -c \"CREATE SUBSCRIPTION sub_$2
		    CONNECTION '$conninfo' PUBLICATION pgmesh
		    WITH (create_slot = false, slot_name = '$slot', copy_data = false)\"
		until [ \"\$(psql -X -At -d '$(pg_conninfo "$APPLY_DST" "$2")' \
		    -c 'SELECT max(id) FROM payments')\" = $3 ]; do sleep 0.05; done"
	pg_sql "$APPLY_DST" "$2" "ALTER SUBSCRIPTION sub_$2 DISABLE;
		ALTER SUBSCRIPTION sub_$2 SET (slot_name = NONE);
		DROP SUBSCRIPTION sub_$2" >/dev/null
}

# apply_pipeline CLUSTER SLOT DST_DB: capture | pack | apply, timed.
apply_pipeline() {
	apply_target "$3"
	bench_measure PIPE_S PIPE_KB "
		pgmesh-capture -d '$(pg_conninfo "$1")' -S $2 --drain | pgmesh-pack |
		pgmesh-apply -d '$(pg_conninfo "$APPLY_DST" "$3")' --allow '*:*' 2>/dev/null"
}

# apply_check DB ROWS: the destination holds exactly ROWS distinct rows.
apply_check() {
	[ "$(pg_sql "$APPLY_DST" "$1" "SELECT count(DISTINCT id) FROM payments")" = "$2" ] ||
		bench_row "$1: rows missing or doubled" - - "FAILED"
}

apply_drop() {
	local db
	for db in "$@"; do
		pg_sql "$APPLY_DST" "DROP DATABASE $db" >/dev/null
	done
}

# apply_copy_try N: COPY, then apply of the pack, into new databases;
# bench_apply's copy_* and apply_* keep the fastest.
apply_copy_try() {
	local run_s run_kb
	apply_target "copied_$1"
	bench_measure run_s run_kb "psql -X -q -d '$(pg_conninfo "$APPLY_DST" "copied_$1")' \
		-c '\\copy payments FROM '\\''$copy'\\'''"
	bench_keep_faster copy_s copy_kb "$run_s" "$run_kb"
	apply_target "applied_$1"
	bench_measure run_s run_kb "pgmesh-apply -d '$(pg_conninfo "$APPLY_DST" "applied_$1")' \
		--allow '*:*' <'$pack' 2>/dev/null"
	bench_keep_faster apply_s apply_kb "$run_s" "$run_kb"
	apply_check "applied_$1" "$BENCH_ROWS"
	apply_drop "copied_$1" "applied_$1"
}

# apply_pipeline_try N CLUSTER SLOT NATIVE_SLOT KIND ROWS: the pipeline
# from SLOT, then a subscription from NATIVE_SLOT_N, over the ROWS rows of
# CLUSTER; bench_apply's pipe_* and native_* keep the fastest.
apply_pipeline_try() {
	apply_pipeline "$2" "$3" "pipe_$5_$1"
	bench_keep_faster pipe_s pipe_kb "$PIPE_S" "$PIPE_KB"
	apply_check "pipe_$5_$1" "$6"
	apply_target "native_$5_$1"
	apply_native "$2" "$4_$1" "native_$5_$1" "$6"
	bench_keep_faster native_s native_kb "$NATIVE_S" "$NATIVE_KB"
	apply_drop "pipe_$5_$1" "native_$5_$1"
}

bench_apply() {
	local pack=$BENCH_PACK copy=$BENCH_TMP/apply.copy i best="best of $APPLY_TRIES"
	local copy_s= copy_kb= apply_s= apply_kb= pipe_s= pipe_kb= native_s= native_kb=
	pg_start "$APPLY_DST" "${BENCH_SETTINGS[@]}" \
		"wal_retrieve_retry_interval = 100ms"
	apply_source single "$APPLY_SINGLE_ROWS" 1
	apply_slot_copies single native

	# The pack, and the same rows as COPY text, made before timing.
	bench_pack_ready
	apply_slot_copies "$BENCH_SOURCE" "$BENCH_NATIVE_SLOT"
	pgmesh-pack -d "$pack" | awk -F '\t' '$1 == "I"' | cut -f 3- >"$copy"
	for i in $(seq "$APPLY_TRIES"); do
		apply_copy_try "$i"
	done
	bench_row "COPY ($BENCH_ROWS rows, empty table)" "$copy_s" "$copy_kb" "$best"
	bench_row "apply of the pack (same rows, empty table)" "$apply_s" \
		"$apply_kb" "$best"
	bench_target "apply / COPY" "$apply_s" "$copy_s" 1.15
	rm -f "$copy"

	for i in $(seq "$APPLY_TRIES"); do
		apply_pipeline_try "$i" "$BENCH_SOURCE" "$BENCH_SLOT" \
			"$BENCH_NATIVE_SLOT" bulk "$BENCH_ROWS"
	done
	bench_row "capture | pack | apply ($BENCH_ROWS rows)" "$pipe_s" "$pipe_kb" "$best"
	bench_row "native subscription catching up" "$native_s" "$native_kb" "$best"
	bench_target "pipeline / native (1,000-row txns)" "$pipe_s" "$native_s" 0.6

	pipe_s= native_s=
	for i in $(seq "$APPLY_TRIES"); do
		apply_pipeline_try "$i" single pgmesh native single "$APPLY_SINGLE_ROWS"
	done
	bench_row "capture | pack | apply ($APPLY_SINGLE_ROWS 1-row txns)" \
		"$pipe_s" "$pipe_kb" "$best"
	bench_row "native subscription catching up" "$native_s" "$native_kb" "$best"
	bench_target "pipeline / native (1-row txns)" "$pipe_s" "$native_s" 0.4
}

bench_apply
