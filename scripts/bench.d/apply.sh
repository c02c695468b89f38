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

APPLY_DST=apply_dst
APPLY_SINGLE_ROWS=$((BENCH_ROWS / 10))

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

bench_apply() {
	local pack=$BENCH_PACK copy=$BENCH_TMP/apply.copy
	local copy_s copy_kb apply_s apply_kb
	pg_start "$APPLY_DST" "${BENCH_SETTINGS[@]}" \
		"wal_retrieve_retry_interval = 100ms"
	apply_source single "$APPLY_SINGLE_ROWS" 1

	# The pack, and the same rows as COPY text, made before timing.
	bench_pack_ready
	pgmesh-pack -d "$pack" | awk -F '\t' '$1 == "I"' | cut -f 3- >"$copy"
	apply_target copied
	bench_measure copy_s copy_kb "psql -X -q -d '$(pg_conninfo "$APPLY_DST" copied)' \
		-c '\\copy payments FROM '\\''$copy'\\'''"
	bench_row "COPY ($BENCH_ROWS rows, empty table)" "$copy_s" "$copy_kb"
	apply_target applied
	bench_measure apply_s apply_kb "pgmesh-apply -d '$(pg_conninfo "$APPLY_DST" applied)' \
		--allow '*:*' <'$pack' 2>/dev/null"
	bench_row "apply of the pack (same rows, empty table)" "$apply_s" "$apply_kb"
	apply_check applied "$BENCH_ROWS"
	bench_target "apply / COPY" "$apply_s" "$copy_s" 1.15
	rm -f "$copy"

	apply_pipeline "$BENCH_SOURCE" "$BENCH_SLOT" pipe_bulk
	bench_row "capture | pack | apply ($BENCH_ROWS rows)" "$PIPE_S" "$PIPE_KB"
	apply_check pipe_bulk "$BENCH_ROWS"
	apply_target native_bulk
	apply_native "$BENCH_SOURCE" "$BENCH_NATIVE_SLOT" native_bulk "$BENCH_ROWS"
	bench_row "native subscription catching up" "$NATIVE_S" "$NATIVE_KB"
	bench_target "pipeline / native (1,000-row txns)" "$PIPE_S" "$NATIVE_S" 0.6

	apply_pipeline single pgmesh pipe_single
	bench_row "capture | pack | apply ($APPLY_SINGLE_ROWS 1-row txns)" "$PIPE_S" "$PIPE_KB"
	apply_check pipe_single "$APPLY_SINGLE_ROWS"
	apply_target native_single
	apply_native single native native_single "$APPLY_SINGLE_ROWS"
	bench_row "native subscription catching up" "$NATIVE_S" "$NATIVE_KB"
	bench_target "pipeline / native (1-row txns)" "$PIPE_S" "$NATIVE_S" 0.4
}

bench_apply
