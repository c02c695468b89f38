# verify.sh: pgmesh-verify against the references, on the payments of the
# other parts (BENCH_ROWS rows in 1,000-row transactions):
#
#   --digest of the payments table vs. a server-side COPY payments TO
#   '/dev/null' (one full read of the table); target <= 2x.
#   stream verification of its pack stream vs. pgmesh-pack -d of the same
#   stream (decompress and decode); target <= 1.5x.
#
# The source and its pack stream are lib.sh's shared ones.  pgmesh and
# the reference take turns (bench_compare): a run takes a fraction of a
# second.

verify_digest() {
	bench_measure RUN_S RUN_KB "pgmesh-verify -d '$(pg_conninfo "$BENCH_SOURCE")' \
		--digest payments >/dev/null"
}

verify_copy() {
	bench_measure RUN_S RUN_KB "psql -X -q -d '$(pg_conninfo "$BENCH_SOURCE")' \
		-c \"COPY payments TO '/dev/null'\""
}

verify_stream() {
	bench_measure RUN_S RUN_KB "pgmesh-verify '$BENCH_PACK' >/dev/null"
}

verify_unpack() {
	bench_measure RUN_S RUN_KB "pgmesh-pack -d <'$BENCH_PACK' >/dev/null"
}

bench_verify() {
	bench_pack_ready
	# Warm the cache for both, so neither pays for the first read.
	pg_sql "$BENCH_SOURCE" "COPY payments TO '/dev/null'" >/dev/null
	bench_compare verify_digest verify_copy
	bench_times "verify --digest ($BENCH_ROWS rows)" "$A_KB" "" "${A_RUNS[@]}"
	bench_times "COPY payments TO '/dev/null'" "$B_KB" "" "${B_RUNS[@]}"
	bench_ratio "verify --digest / COPY" 2

	bench_compare verify_stream verify_unpack
	bench_times "verify of the pack stream" "$A_KB" "" "${A_RUNS[@]}"
	bench_times "pack -d of the same stream" "$B_KB" "" "${B_RUNS[@]}"
	bench_ratio "verify / pack -d" 1.5
}

bench_verify
