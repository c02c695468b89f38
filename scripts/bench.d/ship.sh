# ship.sh: pgmesh-ship sending the pack stream of BENCH_ROWS payments rows
# to localhost over ssh (into a spool: every frame checked, fsynced and
# renamed on arrival), beside the plain copy `cat STREAM | ssh localhost
# 'cat > FILE'` of the same stream, in one run.  Target: ship takes at most
# 1.2x the time of the copy.
#
# The pack stream is lib.sh's shared BENCH_PACK; the sshd is the tests'
# throwaway one (tests/helpers/sshd.bash) on a loopback port.  The two
# take turns (bench_compare): an ssh handshake is most of either time.

# shellcheck source=tests/helpers/sshd.bash
source "$REPO_DIR/tests/helpers/sshd.bash"

SHIP_COPY=$BENCH_TMP/ship-copy.pack
SHIP_SPOOL=$BENCH_TMP/ship-spool

ship_pgmesh() {
	rm -rf "$SHIP_SPOOL"
	bench_measure RUN_S RUN_KB "pgmesh-ship ${SHIP_SSH[*]} \
		--remote-ship '$(command -v pgmesh-ship)' \
		'ssh://root@127.0.0.1:$SSHD_PORT$SHIP_SPOOL' <'$BENCH_PACK' 2>/dev/null"
}

ship_reference() {
	bench_measure RUN_S RUN_KB "cat '$BENCH_PACK' | ssh ${SHIP_SSH[*]} \
		-p $SSHD_PORT root@127.0.0.1 'cat > $SHIP_COPY'"
}

bench_ship() {
	bench_pack_ready
	sshd_start "$BENCH_TMP/sshd"
	BENCH_CLEANUP+=(sshd_stop)
	cat "$BENCH_PACK" >/dev/null	# both start with the stream in the cache
	bench_compare ship_pgmesh ship_reference
	bench_times "cat STREAM | ssh 'cat > FILE'" "$B_KB" \
	    "$(stat -c %s "$BENCH_PACK") bytes" "${B_RUNS[@]}"
	bench_times "ship ssh:// into a spool" "$A_KB" \
	    "$(find "$SHIP_SPOOL" -name '*.pack' | wc -l) frames" "${A_RUNS[@]}"
	bench_ratio "ship / cat | ssh (time)" 1.2
	# Only worth something if what arrived is the stream.
	cmp -s "$SHIP_COPY" "$BENCH_PACK" &&
		cat "$SHIP_SPOOL"/*/*.pack | cmp -s - "$BENCH_PACK" ||
		bench_row "the shipped spool differs from the stream" - - - "FAILED"
	sshd_stop
	rm -rf "$SHIP_SPOOL" "$SHIP_COPY"
}

bench_ship
