# pgmesh-apply killed with SIGKILL at many moments of a 1,000,000-row
# stream, rerun on the same input each time: the destination ends equal to
# the source, no row missing or doubled, never part of a transaction.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

setup_file() {
	pg_start dst
	pg_sql dst "$PAYMENTS_SQL"
	gen_payments 1000000 1000 a >"$BATS_FILE_TMPDIR/in.txt"
}

teardown_file() {
	pg_stop_all
}

rows() {
	pg_sql dst "SELECT count(*) FROM payments"
}

# grown_or_ended ROWS PID: the table holds ROWS rows, or PID has ended.
grown_or_ended() {
	[ "$(rows)" -ge "$1" ] || ! kill -0 "$2" 2>/dev/null
}

# Start apply on the stream and kill -9 it once the table has grown by
# $1 rows (0: right away, while it connects and skips).  Groups of 50
# transactions make commits frequent enough to kill between and during.
apply_and_kill() {
	local target=$(($(rows) + $1)) pid st=0
	pgmesh-apply -d "$(pg_conninfo dst)" --allow '*:*' --group 50 "$BATS_FILE_TMPDIR/in.txt" 2>>"$BATS_FILE_TMPDIR/err.txt" 3>&- &
	pid=$!
	if [ "$1" -gt 0 ]; then
		wait_until 300 grown_or_ended "$target" "$pid"
	fi
	kill -9 "$pid" 2>/dev/null || true	# it may have ended already
	wait "$pid" || st=$?
	# Killed, or done before the kill came: a crash or an error exit must
	# not pass for a kill.
	echo "apply: exit status $st"
	[ "$st" -eq 137 ] || [ "$st" -eq 0 ]
}

@test "kill -9 at six moments, rerun each time: every row exactly once" {
	local n kills=0
	for grow in 0 60000 120000 100000 150000 80000; do
		apply_and_kill "$grow"
		n=$(rows)
		echo "after a kill: $n rows"
		# Whole transactions only, each 1,000 rows.
		[ $((n % 1000)) -eq 0 ]
		[ "$n" -lt 1000000 ] && kills=$((kills + 1))
	done
	[ "$kills" -ge 5 ]
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst)" --allow '*:*' "$BATS_FILE_TMPDIR/in.txt"
	run -0 pg_sql dst "SELECT count(*), count(DISTINCT id), sum(id), sum(account_id), min(id), max(id) FROM payments"
	assert_equal "$output" "1000000|1000000|500000500000|$(awk 'BEGIN { for (i = 1; i <= 1000000; i++) s += i % 10007; printf "%.0f", s }')|1|1000000"
	run -0 pgmesh-apply -d "$(pg_conninfo dst)" --position --origin a
	assert_equal "$output" "0/3E80000"
}
