# capture.sh: pgmesh-capture --drain against pg_recvlogical with pgoutput,
# both draining the same WAL (BENCH_ROWS payments in 1,000-row
# transactions) from two slots made at the same point.  Target: capture
# takes at most 0.7x pg_recvlogical's time.
#
# The source, its slots and BENCH_TEXT are lib.sh's shared ones: the
# timed capture writes BENCH_TEXT, which later parts reuse.

bench_capture() {
	local conninfo endpos cap_s cap_kb ref_s ref_kb
	bench_source_loaded
	conninfo=$(pg_conninfo "$BENCH_SOURCE")
	endpos=$(pg_sql "$BENCH_SOURCE" "SELECT pg_current_wal_lsn()")
	bench_measure cap_s cap_kb "pgmesh-capture -d '$conninfo' \
		-S $BENCH_SLOT --drain >'$BENCH_TEXT'"
	bench_row "capture --drain ($BENCH_ROWS rows)" "$cap_s" "$cap_kb"
	bench_measure ref_s ref_kb "pg_recvlogical -d '$conninfo' \
		-S $BENCH_REF_SLOT --start --no-loop --endpos=$endpos \
		-o proto_version=1 -o publication_names=pgmesh \
		-f '$BENCH_TMP/recvlogical.out'"
	bench_row "pg_recvlogical, pgoutput ($BENCH_ROWS rows)" "$ref_s" "$ref_kb" \
		"$(bench_bytes_per_row "$BENCH_TMP/recvlogical.out") as sent"
	bench_target "capture / pg_recvlogical" "$cap_s" "$ref_s" 0.7
}

bench_capture
