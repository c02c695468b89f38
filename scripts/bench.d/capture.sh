# capture.sh: pgmesh-capture --drain against pg_recvlogical with pgoutput,
# both draining the same WAL (BENCH_ROWS payments in 1,000-row
# transactions) from slots made at the same point, before the load.
# Target: capture takes at most 0.7x pg_recvlogical's time.
#
# The source, its slots and BENCH_TEXT are lib.sh's shared ones: the
# timed capture writes BENCH_TEXT, which later parts reuse.  The two take
# turns (bench_compare); capture --drain does not advance its slot, and
# pg_recvlogical consumes a slot of its own in each run.

# capture_pgmesh N: one run of capture --drain.
capture_pgmesh() {
	bench_measure RUN_S RUN_KB "pgmesh-capture -d '$(pg_conninfo "$BENCH_SOURCE")' \
		-S $BENCH_SLOT --drain >'$BENCH_TEXT'"
}

# capture_reference N: pg_recvlogical from the N-th slot to the end of the
# load (its file anew: it appends).
capture_reference() {
	rm -f "$BENCH_TMP/recvlogical.out"
	bench_measure RUN_S RUN_KB "pg_recvlogical -d '$(pg_conninfo "$BENCH_SOURCE")' \
		-S ${BENCH_REF_SLOT}_$1 --start --no-loop --endpos=$CAPTURE_ENDPOS \
		-o proto_version=1 -o publication_names=pgmesh \
		-f '$BENCH_TMP/recvlogical.out'"
}

bench_capture() {
	bench_source_loaded
	CAPTURE_ENDPOS=$(pg_sql "$BENCH_SOURCE" "SELECT pg_current_wal_lsn()")
	bench_compare capture_pgmesh capture_reference
	bench_times "capture --drain ($BENCH_ROWS rows)" "$A_KB" "" "${A_RUNS[@]}"
	bench_times "pg_recvlogical, pgoutput ($BENCH_ROWS rows)" "$B_KB" \
		"$(bench_bytes_per_row "$BENCH_TMP/recvlogical.out") as sent" \
		"${B_RUNS[@]}"
	bench_ratio "capture / pg_recvlogical" 0.7
}

bench_capture
