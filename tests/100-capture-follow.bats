# pgmesh-capture --follow: near real time, quiet streams kept alive,
# reconnection without loss or repetition, and signals.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	# A short wal_sender_timeout: a quiet stream must survive it.
	pg_start follow "wal_sender_timeout = 2s"
	pg_sql follow "CREATE TABLE t (id int PRIMARY KEY)"
	CONN=$(pg_conninfo follow)
	export CONN
	pgmesh-capture -d "$CONN" -S s --node a --init
}

teardown_file() {
	pg_stop_all
}

# A test that failed half-way must not leave its capture running.
teardown() {
	[ -z "${PID:-}" ] || kill "$PID" 2>/dev/null || true
}

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (grep -E);
# what FILE holds is shown if it never does.
wait_for() {
	wait_until 30 grep -Eqs "$2" "$1" || { cat "$1" >&2; return 1; }
}

start_follow() {
	pgmesh-capture -d "$CONN" -S s --follow "$@" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	PID=$!
}

stop_follow() {
	local st=0
	kill -TERM "$PID"
	wait "$PID" || st=$?
	PID=
	assert_equal "$st" 0
}

@test "each commit is written out at once; SIGTERM ends cleanly with 0" {
	start_follow
	pg_sql follow "INSERT INTO t VALUES (1)"
	wait_for "$BATS_TEST_TMPDIR/out" $'^C\ta\t'
	pg_sql follow "INSERT INTO t VALUES (2), (3)"
	wait_for "$BATS_TEST_TMPDIR/out" $'^I\tpublic.t\t3$'
	stop_follow
	assert_equal "$(cut -f1 "$BATS_TEST_TMPDIR/out" | tr -d '\n')" "#pgmeshPBTICBIIC"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

# The walsender serving capture: its row of pg_stat_replication.
walsender() {
	pg_sql follow "SELECT $1 FROM pg_stat_replication WHERE application_name = 'pgmesh-capture'"
}

walsender_started() {
	[ -n "$(walsender pid)" ]
}

written_caught_up() {
	[ "$(walsender 'write_lsn >= sent_lsn')" = t ]
}

# The written position is what keeps the walsender from pinging capture
# before every transaction; the slot's confirmed position must not move.
# Without wal_sender_timeout the server asks for no replies, so only
# capture's own report, sent once it has read all there is, moves the
# written position within 5 s (its periodic update comes after 10 s).
@test "reports as written what it read, confirms nothing" {
	local before
	before=$(pg_sql follow "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 's'")
	PGOPTIONS="-c wal_sender_timeout=0" start_follow
	pg_sql follow "INSERT INTO t VALUES (10)"
	wait_for "$BATS_TEST_TMPDIR/out" $'^I\tpublic.t\t10$'
	wait_until 5 written_caught_up
	assert_equal "$(pg_sql follow "SELECT write_lsn >= sent_lsn, flush_lsn IS NULL FROM pg_stat_replication WHERE application_name = 'pgmesh-capture'")" "t|t"
	assert_equal "$(pg_sql follow "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 's'")" "$before"
	stop_follow
}

# answered_after SECONDS PID: walsender PID got a reply from capture more
# than SECONDS after its connection began.
answered_after() {
	[ "$(pg_sql follow "SELECT reply_time > backend_start + interval '$1 s'
		FROM pg_stat_replication WHERE pid = $2")" = t ]
}

@test "a quiet stream outlives wal_sender_timeout" {
	local pid
	start_follow
	wait_until 10 walsender_started
	pid=$(walsender pid)
	# With nothing to send, the walsender asks for a reply every second
	# (half its timeout) and hangs up on a client silent for 2 s.  A
	# reply on the same connection after twice the timeout shows it
	# outlived it.
	wait_until 30 answered_after 4 "$pid"
	pg_sql follow "INSERT INTO t VALUES (4)"
	wait_for "$BATS_TEST_TMPDIR/out" $'^I\tpublic.t\t4$'
	kill -0 "$PID"
	stop_follow
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "server restarted: reconnects, no loss, no repetition" {
	local dir=$PG_TMP/follow after
	after=$(pg_sql follow "SELECT pg_current_wal_lsn()")
	start_follow --after "$after"
	pg_sql follow "INSERT INTO t VALUES (5)"
	wait_for "$BATS_TEST_TMPDIR/out" $'^I\tpublic.t\t5$'
	pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
		-m fast -w -s restart 3>&- >/dev/null
	pg_sql follow "INSERT INTO t VALUES (6)"
	pg_sql follow "INSERT INTO t VALUES (7)"
	wait_for "$BATS_TEST_TMPDIR/out" $'^I\tpublic.t\t7$'
	stop_follow
	assert_equal "$(grep '^I' "$BATS_TEST_TMPDIR/out" | cut -f3 | tr '\n' ' ')" "5 6 7 "
	assert_equal "$(grep -c '^B' "$BATS_TEST_TMPDIR/out")" 3
	assert_equal "$(grep -c '^C' "$BATS_TEST_TMPDIR/out")" 3
	# The server sends its Relation again; the definition did not change.
	assert_equal "$(grep -c '^T' "$BATS_TEST_TMPDIR/out")" 1
	assert_contains "$(cat "$BATS_TEST_TMPDIR/err")" "pgmesh-capture: warning: connecting again in 1 s"
}

# insert_until_ended: one row more, for capture to write into the pipe
# nobody reads, then whether it has ended (its status written).
insert_until_ended() {
	pg_sql follow "INSERT INTO t VALUES ($NEXT_ID)"
	NEXT_ID=$((NEXT_ID + 1))
	[ -s "$BATS_TEST_TMPDIR/status" ]
}

@test "the reader gone: SIGPIPE ends capture quietly (141)" {
	{ st=0
	  pgmesh-capture -d "$CONN" -S s --follow 2>"$BATS_TEST_TMPDIR/err" || st=$?
	  echo "$st" >"$BATS_TEST_TMPDIR/status"; } 3>&- | head -c 1 >/dev/null 3>&- &
	NEXT_ID=8
	wait_until 30 insert_until_ended
	assert_equal "$(cat "$BATS_TEST_TMPDIR/status")" 141
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}
