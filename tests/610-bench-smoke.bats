# scripts/bench, as a smoke test of the harness (not of speed): every part
# runs on 20,000 rows (trickles of 200), two runs of each side, and every
# line of the table is printed, each ratio with its range and its
# verdict.  Then the wait that times native replication's catch-up
# (scripts/bench.d/catchup.sh).
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	cd "$REPO_DIR"
	local status=0
	BENCH_LATENCY_ROWS=200 scripts/bench --rows 20000 --runs 2 all \
		>"$BATS_FILE_TMPDIR/out" 2>"$BATS_FILE_TMPDIR/err" || status=$?
	echo "$status" >"$BATS_FILE_TMPDIR/status"
}

setup() {
	output=$(cat "$BATS_FILE_TMPDIR/out")
}

# assert_rows LABEL...: for each LABEL, a line of the table whose first
# column (46 characters wide) is exactly LABEL; a ratio or bound line ends
# with its verdict, and but for a size (one figure) has a range.
assert_rows() {
	local label line
	for label; do
		line=$(awk -v l="$label" '{
			f = substr($0, 1, 46); sub(/ +$/, "", f)
			if (f == l) { print; exit }
		}' "$BATS_FILE_TMPDIR/out")
		[ -n "$line" ] || { echo "no line: $label" >&2; return 1; }
		case $label in
		*"(ratio)"|*"p99, pgmesh (ms)")
			[[ $line =~ target\ \<=\ .*:\ (met|MISSED)$ ]] ||
				{ echo "no verdict: $line" >&2; return 1; }
			;;
		esac
		case $label in
		*"(size) (ratio)") ;;
		*) [[ ${line:47} =~ [0-9.]+\ +[0-9.]+-[0-9.]+\  ]] ||
			{ echo "no median and range: $line" >&2; return 1; } ;;
		esac
	done
}

@test "bench all: exit 0, nothing on stderr, the header, nothing FAILED" {
	assert_equal "$(cat "$BATS_FILE_TMPDIR/status")" 0
	assert_equal "$(cat "$BATS_FILE_TMPDIR/err")" ""
	assert_contains "${output%%$'\n'*}" "pgmesh bench: 20000 rows; 2 runs of each side; "
	assert_equal "$(sed -n 2p "$BATS_FILE_TMPDIR/out" | tr -s ' ')" \
		"measurement median min-max peak MB note"
	run -1 grep -c FAILED "$BATS_FILE_TMPDIR/out"
}

@test "bench all: the capture lines" {
	assert_rows "capture --drain (20000 rows)" \
		"pg_recvlogical, pgoutput (20000 rows)" \
		"capture / pg_recvlogical (ratio)"
}

@test "bench all: the pack lines, with bytes per row" {
	assert_rows "pack (20000 rows)" "zstd -3 of the same text" \
		"pack / zstd -3 (time) (ratio)" "pack / zstd -3 (size) (ratio)" \
		"pack -d" "zstd -dc" "pack -d / zstd -dc (time) (ratio)"
	grep -q '^pack (20000 rows) .* B/row$' "$BATS_FILE_TMPDIR/out"
}

@test "bench all: the apply lines" {
	assert_rows "COPY (20000 rows, empty table)" \
		"apply of the pack (same rows, empty table)" \
		"apply / COPY (ratio)" \
		"capture | pack | apply (20000 1,000-row txns)" \
		"native subscription catching up" \
		"pipeline / native (1,000-row txns) (ratio)" \
		"capture | pack | apply (2000 1-row txns)" \
		"pipeline / native (1-row txns) (ratio)"
}

@test "bench all: the ship lines" {
	assert_rows "cat STREAM | ssh 'cat > FILE'" "ship ssh:// into a spool" \
		"ship / cat | ssh (time) (ratio)"
}

@test "bench all: the verify lines" {
	assert_rows "verify --digest (20000 rows)" "COPY payments TO '/dev/null'" \
		"verify --digest / COPY (ratio)" "verify of the pack stream" \
		"pack -d of the same stream" "verify / pack -d (ratio)"
}

@test "bench all: the latency lines" {
	assert_rows "latency, capture|pack|apply, p50 (ms)" \
		"latency, native subscription, p50 (ms)" \
		"latency p50, pgmesh / native (ratio)" \
		"latency p99, pgmesh (ms)"
}

@test "bench all: the snapshot lines" {
	assert_rows "snapshot | pack | apply (20000 rows)" \
		"COPY TO STDOUT | COPY FROM STDIN" \
		"snapshot / COPY | COPY (ratio)"
}

@test "bench all: the sign lines, signed beside unsigned, with bytes per row" {
	assert_rows "pack, unsigned (20000 rows)" "pack --sign of the same text" \
		"pack --sign / pack (ratio)" \
		"apply of the unsigned pack (empty table)" \
		"apply --signers of the signed pack" \
		"apply --signers / apply (ratio)" \
		"capture | pack | apply, unsigned" \
		"capture | pack --sign | apply --signers" \
		"signed pipeline / unsigned (ratio)" \
		"latency, signed pipeline, p50 (ms)" \
		"latency p50, signed pgmesh / native (ratio)"
	grep -q '^pack, unsigned (20000 rows) .* B/row$' "$BATS_FILE_TMPDIR/out"
	grep -q '^pack --sign of the same text .* B/row$' "$BATS_FILE_TMPDIR/out"
	# Each trickle, plain and signed, has its native side.
	run -0 grep -c '^latency, native subscription, p50 (ms) ' "$BATS_FILE_TMPDIR/out"
	assert_equal "$output" 2
}

@test "bench: a bad option or part is refused with status 64" {
	run -64 --separate-stderr "$REPO_DIR/scripts/bench" --rows many
	assert_equal "$stderr" "bench: --rows takes a number"
	run -64 --separate-stderr "$REPO_DIR/scripts/bench" --runs 0
	assert_equal "$stderr" "bench: --runs must be from 1 to 15"
	run -64 --separate-stderr "$REPO_DIR/scripts/bench" --rows 20000 nothing
	assert_equal "$stderr" "bench: no benchmark named nothing"
	run -0 --separate-stderr "$REPO_DIR/scripts/bench" --help
	assert_contains "$output" "scripts/bench [--rows N] [--runs N]"
}

# The wait that times native replication's catch-up, on a cluster of its
# own whose log names every connection.
catchup_cluster() {
	source "$REPO_DIR/scripts/bench.d/catchup.sh"
	pg_start catchup "log_connections = on"
	pg_sql catchup "CREATE TABLE payments (id bigint PRIMARY KEY)"
	pg_sql catchup "INSERT INTO payments SELECT generate_series(1, 9)"
}

# A wait that a failing test left behind goes first, then the cluster.
teardown() {
	[ -z "${CATCHUP_WAITER:-}" ] || kill "$CATCHUP_WAITER" 2>/dev/null || true
	pg_stop catchup
}

# catchup_polled_for SECONDS: the wait's session has been polling for
# SECONDS (it sleeps between reads); 30 s at most.
catchup_polled_for() {
	for _ in $(seq 300); do
		[ "$(pg_sql catchup "SELECT count(*) FROM pg_stat_activity
			WHERE application_name = '$CATCHUP_APPNAME'
			AND wait_event = 'PgSleep'
			AND clock_timestamp() - query_start > interval '$1 s'")" = 1 ] &&
			return 0
		sleep 0.1
	done
	echo "no session of $CATCHUP_APPNAME polling for $1 s" >&2
	return 1
}

@test "catchup_seconds: returns when the last id arrives, over one connection" {
	local waited=0 seconds
	catchup_cluster
	catchup_seconds "$(pg_conninfo catchup)" "" payments 10 60 \
		>"$BATS_TEST_TMPDIR/seconds" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	CATCHUP_WAITER=$!
	# A second of polls (100 at 10 ms; a new connection per poll, every
	# 50 ms, would have made 20), and it still waits for id 10.
	catchup_polled_for 1
	kill -0 "$CATCHUP_WAITER"
	pg_sql catchup "INSERT INTO payments VALUES (10)"
	for _ in $(seq 100); do
		kill -0 "$CATCHUP_WAITER" 2>/dev/null || break
		sleep 0.05
	done
	run -1 kill -0 "$CATCHUP_WAITER"	# gone within 5 s of the insert
	wait "$CATCHUP_WAITER" || waited=$?
	assert_equal "$waited" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	seconds=$(cat "$BATS_TEST_TMPDIR/seconds")
	[[ $seconds =~ ^[0-9]+\.[0-9]{3}$ ]]
	awk -v s="$seconds" 'BEGIN { exit !(s >= 1 && s < 60) }'
	# One connection for all its polls.
	run -0 grep -c "connection authorized: .*application_name=$CATCHUP_APPNAME" \
		"$PG_TMP/catchup/server.log"
	assert_equal "$output" 1
}

@test "catchup_seconds: runs its start first, fails past its bound naming the table" {
	catchup_cluster
	run -0 --separate-stderr catchup_seconds "$(pg_conninfo catchup)" \
		"INSERT INTO payments VALUES (10)" payments 10 60
	[[ $output =~ ^[0-9]+\.[0-9]{3}$ ]]
	run -1 --separate-stderr catchup_seconds "$(pg_conninfo catchup)" "" \
		payments 11 1
	assert_equal "$output" ""
	assert_contains "$stderr" "catch-up: payments has no id 11 after 1 s"
}
