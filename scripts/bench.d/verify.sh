# verify.sh: pgmesh-verify against the references, on the payments of the
# other parts (BENCH_ROWS rows in 1,000-row transactions):
#
#   --digest of the payments table vs. a server-side COPY payments TO
#   '/dev/null' (one full read of the table); target <= 2x.
#   stream verification of its pack stream vs. pgmesh-pack -d of the same
#   stream (decompress and decode); target <= 1.5x.
#
# The source and its pack stream are lib.sh's shared ones.  Each figure
# is the fastest of 3 runs, pgmesh and the reference taking turns: a run
# takes a fraction of a second.

VERIFY_TRIES=3

bench_verify() {
	local conninfo dig_s dig_kb copy_s copy_kb ver_s ver_kb dec_s dec_kb
	local best="best of $VERIFY_TRIES"
	bench_pack_ready
	conninfo=$(pg_conninfo "$BENCH_SOURCE")
	# Warm the cache for both, so neither pays for the first read.
	pg_sql "$BENCH_SOURCE" "COPY payments TO '/dev/null'" >/dev/null
	bench_race "$VERIFY_TRIES" dig_s dig_kb "pgmesh-verify -d '$conninfo' \
		--digest payments >/dev/null" \
		copy_s copy_kb "psql -X -q -d '$conninfo' \
		-c \"COPY payments TO '/dev/null'\""
	bench_row "verify --digest ($BENCH_ROWS rows)" "$dig_s" "$dig_kb" "$best"
	bench_row "COPY payments TO '/dev/null'" "$copy_s" "$copy_kb" "$best"
	bench_target "verify --digest / COPY" "$dig_s" "$copy_s" 2

	bench_race "$VERIFY_TRIES" ver_s ver_kb \
		"pgmesh-verify '$BENCH_PACK' >/dev/null" \
		dec_s dec_kb "pgmesh-pack -d <'$BENCH_PACK' >/dev/null"
	bench_row "verify of the pack stream" "$ver_s" "$ver_kb" "$best"
	bench_row "pack -d of the same stream" "$dec_s" "$dec_kb" "$best"
	bench_target "verify / pack -d" "$ver_s" "$dec_s" 1.5
}

bench_verify
