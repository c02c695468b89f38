# pack.sh: pgmesh-pack beside zstd on the same change text (BENCH_ROWS
# payments rows in 1,000-row transactions), in one run.  Targets: pack
# takes at most 2x the time of zstd -3, pack -d at most 2x zstd -dc, and
# the pack stream is at most 1.1x the size of zstd -3's output.
#
# The text is lib.sh's shared BENCH_TEXT (capture's output); the pack
# stream is left in BENCH_PACK for later parts.  Each figure is the
# fastest of 3 runs, pgmesh and zstd taking turns: a run takes a fraction
# of a second, short enough for the machine's jitter to decide a ratio
# (pack -d / zstd -dc 1.66-2.00 in single runs within minutes).

PACK_TRIES=3

bench_pack() {
	local zst=$BENCH_TMP/payments.zst best="best of $PACK_TRIES"
	local pack_s pack_kb zstd_s zstd_kb unpack_s unpack_kb unzstd_s unzstd_kb
	bench_text_ready
	cat "$BENCH_TEXT" >/dev/null	# both start with the text in the cache
	bench_race "$PACK_TRIES" pack_s pack_kb \
		"pgmesh-pack <'$BENCH_TEXT' >'$BENCH_PACK'" \
		zstd_s zstd_kb "zstd -3 -q -c <'$BENCH_TEXT' >'$zst'"
	bench_row "pack ($BENCH_ROWS rows)" "$pack_s" "$pack_kb" \
	    "$best; $(bench_bytes_per_row "$BENCH_PACK")"
	bench_row "zstd -3 of the same text" "$zstd_s" "$zstd_kb" \
	    "$best; $(bench_bytes_per_row "$zst")"
	bench_target "pack / zstd -3 (time)" "$pack_s" "$zstd_s" 2
	bench_target "pack / zstd -3 (size)" "$(stat -c %s "$BENCH_PACK")" \
	    "$(stat -c %s "$zst")" 1.1

	bench_race "$PACK_TRIES" unpack_s unpack_kb \
		"pgmesh-pack -d <'$BENCH_PACK' >/dev/null" \
		unzstd_s unzstd_kb "zstd -dc <'$zst' >/dev/null"
	bench_row "pack -d" "$unpack_s" "$unpack_kb" "$best"
	bench_row "zstd -dc" "$unzstd_s" "$unzstd_kb" "$best"
	bench_target "pack -d / zstd -dc (time)" "$unpack_s" "$unzstd_s" 2
	# The benchmark is only worth something if the round trip holds.
	pgmesh-pack -d <"$BENCH_PACK" | cmp -s - "$BENCH_TEXT" ||
		bench_row "pack | pack -d differs from its input" - - "FAILED"
	rm -f "$zst"
}

bench_pack
