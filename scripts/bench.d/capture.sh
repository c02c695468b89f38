# capture.sh: pgmesh-capture --drain against pg_recvlogical with pgoutput,
# both draining the same WAL (BENCH_ROWS payments in 1,000-row
# transactions) from two slots made at the same point.  Target: capture
# takes at most 0.7x pg_recvlogical's time.
#
# The source, its slots and BENCH_TEXT are lib.sh's shared ones: the
# timed capture writes BENCH_TEXT, which later parts reuse.  Each side is
# timed CAPTURE_TRIES times, the two taking turns, and its fastest run
# kept: one run of capture took 1.6 s or 2.8 s within the hour.

CAPTURE_TRIES=3

# capture_reference SLOT ENDPOS: pg_recvlogical from SLOT to ENDPOS, timed
# into run_s and run_kb (its file anew: it appends).
capture_reference() {
	rm -f "$BENCH_TMP/recvlogical.out"
	bench_measure run_s run_kb "pg_recvlogical -d '$conninfo' \
		-S $1 --start --no-loop --endpos=$2 \
		-o proto_version=1 -o publication_names=pgmesh \
		-f '$BENCH_TMP/recvlogical.out'"
}

bench_capture() {
	local conninfo endpos cap_s= cap_kb= ref_s= ref_kb= run_s run_kb slot i
	local best="best of $CAPTURE_TRIES"
	bench_source_loaded
	conninfo=$(pg_conninfo "$BENCH_SOURCE")
	endpos=$(pg_sql "$BENCH_SOURCE" "SELECT pg_current_wal_lsn()")
	for i in $(seq "$CAPTURE_TRIES"); do
		bench_measure run_s run_kb "pgmesh-capture -d '$conninfo' \
			-S $BENCH_SLOT --drain >'$BENCH_TEXT'"
		bench_keep_faster cap_s cap_kb "$run_s" "$run_kb"
		# pg_recvlogical consumes its slot: each try a fresh copy.
		slot=${BENCH_REF_SLOT}_$i
		pg_sql "$BENCH_SOURCE" "SELECT pg_copy_logical_replication_slot(
			'$BENCH_REF_SLOT', '$slot')" >/dev/null
		capture_reference "$slot" "$endpos"
		bench_keep_faster ref_s ref_kb "$run_s" "$run_kb"
		pg_sql "$BENCH_SOURCE" "SELECT pg_drop_replication_slot('$slot')" >/dev/null
	done
	bench_row "capture --drain ($BENCH_ROWS rows)" "$cap_s" "$cap_kb" "$best"
	bench_row "pg_recvlogical, pgoutput ($BENCH_ROWS rows)" "$ref_s" "$ref_kb" \
		"$best; $(bench_bytes_per_row "$BENCH_TMP/recvlogical.out") as sent"
	bench_target "capture / pg_recvlogical" "$cap_s" "$ref_s" 0.7
}

bench_capture
