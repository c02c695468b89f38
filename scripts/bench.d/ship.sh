# ship.sh: pgmesh-ship sending the pack stream of BENCH_ROWS payments rows
# to localhost over ssh (into a spool: every frame checked, fsynced and
# renamed on arrival), beside the plain copy `cat STREAM | ssh localhost
# 'cat > FILE'` of the same stream, in one run.  Target: ship takes at most
# 1.2x the time of the copy.
#
# The pack stream is lib.sh's shared BENCH_PACK; the sshd is the tests'
# throwaway one (tests/helpers/sshd.bash) on a loopback port.

# shellcheck source=tests/helpers/sshd.bash
source "$REPO_DIR/tests/helpers/sshd.bash"

bench_ship() {
	local ssh_s ssh_kb ship_s ship_kb url copy=$BENCH_TMP/ship-copy.pack
	local spool=$BENCH_TMP/ship-spool ssh_cmd
	bench_pack_ready
	sshd_start "$BENCH_TMP/sshd"
	BENCH_CLEANUP+=(sshd_stop)
	ssh_cmd="ssh ${SHIP_SSH[*]} -p $SSHD_PORT root@127.0.0.1"
	url="ssh://root@127.0.0.1:$SSHD_PORT$spool"
	cat "$BENCH_PACK" >/dev/null	# both start with the stream in the cache

	# Best of three each: an ssh handshake is most of either time.
	bench_race 3 ssh_s ssh_kb "cat '$BENCH_PACK' | $ssh_cmd 'cat > $copy'" \
	    ship_s ship_kb "rm -rf '$spool'; pgmesh-ship ${SHIP_SSH[*]} \
	    --remote-ship '$(command -v pgmesh-ship)' '$url' <'$BENCH_PACK' 2>/dev/null"
	bench_row "cat STREAM | ssh 'cat > FILE' (best of 3)" "$ssh_s" "$ssh_kb" \
	    "$(stat -c %s "$BENCH_PACK") bytes"
	bench_row "ship ssh:// into a spool (best of 3)" "$ship_s" "$ship_kb" \
	    "$(find "$spool" -name '*.pack' | wc -l) frames"
	bench_target "ship / cat | ssh (time)" "$ship_s" "$ssh_s" 1.2
	# Only worth something if what arrived is the stream.
	cmp -s "$copy" "$BENCH_PACK" && cat "$spool"/*/*.pack | cmp -s - "$BENCH_PACK" ||
		bench_row "the shipped spool differs from the stream" - - "FAILED"
	sshd_stop
	rm -rf "$spool" "$copy"
}

bench_ship
