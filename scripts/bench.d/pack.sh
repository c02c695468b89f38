# pack.sh: pgmesh-pack beside zstd on the same change text (BENCH_ROWS
# payments rows in 1,000-row transactions), in one run.  Targets: pack
# takes at most 2x the time of zstd -3, pack -d at most 2x zstd -dc, and
# the pack stream is at most 1.1x the size of zstd -3's output.
#
# The text is lib.sh's shared BENCH_TEXT (capture's output); the pack
# stream is left in BENCH_PACK for later parts.  pgmesh and zstd take
# turns (bench_compare), both reading files already in the page cache: a
# run takes a fraction of a second, short enough for the machine's jitter
# to decide a ratio (pack -d / zstd -dc 1.66-2.00 in single runs within
# minutes).

PACK_ZST=$BENCH_TMP/payments.zst

pack_pgmesh() {
	bench_measure RUN_S RUN_KB "pgmesh-pack <'$BENCH_TEXT' >'$BENCH_PACK'"
}

pack_zstd() {
	bench_measure RUN_S RUN_KB "zstd -3 -q -c <'$BENCH_TEXT' >'$PACK_ZST'"
}

unpack_pgmesh() {
	bench_measure RUN_S RUN_KB "pgmesh-pack -d <'$BENCH_PACK' >/dev/null"
}

unpack_zstd() {
	bench_measure RUN_S RUN_KB "zstd -dc <'$PACK_ZST' >/dev/null"
}

bench_pack() {
	bench_text_ready
	cat "$BENCH_TEXT" >/dev/null	# both start with the text in the cache
	bench_compare pack_pgmesh pack_zstd
	bench_times "pack ($BENCH_ROWS rows)" "$A_KB" \
		"$(bench_bytes_per_row "$BENCH_PACK")" "${A_RUNS[@]}"
	bench_times "zstd -3 of the same text" "$B_KB" \
		"$(bench_bytes_per_row "$PACK_ZST")" "${B_RUNS[@]}"
	bench_ratio "pack / zstd -3 (time)" 2
	bench_target "pack / zstd -3 (size)" "$(stat -c %s "$BENCH_PACK")" \
	    "$(stat -c %s "$PACK_ZST")" 1.1

	bench_compare unpack_pgmesh unpack_zstd
	bench_times "pack -d" "$A_KB" "" "${A_RUNS[@]}"
	bench_times "zstd -dc" "$B_KB" "" "${B_RUNS[@]}"
	bench_ratio "pack -d / zstd -dc (time)" 2
	# The benchmark is only worth something if the round trip holds.
	pgmesh-pack -d <"$BENCH_PACK" | cmp -s - "$BENCH_TEXT" ||
		bench_row "pack | pack -d differs from its input" - - - "FAILED"
	rm -f "$PACK_ZST"
}

bench_pack
