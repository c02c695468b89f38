# pgmesh-ship over tcp: a raw pack stream, interoperating with plain
# netcat on either end.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	pg_start tcp
	pg_sql tcp "CREATE TABLE payments (id bigint PRIMARY KEY, memo text)"
	awk 'BEGIN {
		OFS = "\t"; print "#pgmesh", "1"; print "P", "a", "0/0"
		for (t = 1; t <= 30; t++) {
			lsn = sprintf("0/%X", 16777216 + t * 256)
			print "B", "a", lsn, "2026-11-21 13:16:41.123456+00", 700 + t
			if (t == 1)
				print "T", "public.payments", "id", "bigint", "memo", "text"
			for (i = 0; i < 20; i++)
				print "I", "public.payments", t * 100 + i, "row " t
			print "C", "a", lsn
		}
	}' | pgmesh-pack --frame-bytes 4000 >a.pack
}

teardown_file() {
	pg_stop_all
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	PORT=$(pg_free_port)
}

teardown() {
	[ -z "${LISTENER:-}" ] || { kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null; } || true
}

# holds_frames DIR N: DIR holds N frames or more (a listener stores them
# as they arrive).
holds_frames() {
	[ "$(find "$1" -name '*.pack' 2>/dev/null | wc -l)" -ge "$2" ]
}

# received N: the listener has logged N connections' worth of frames.
received() {
	[ "$(grep -c 'frames, .* bytes received' listener.err)" -eq "$1" ]
}

@test "pgmesh-pack | nc into pgmesh-ship --listen --receive DIR" {
	pgmesh-ship -v --listen "127.0.0.1:$PORT" --receive spool 2>listener.err 3>&- &
	LISTENER=$!
	wait_until 10 listening "$PORT"
	nc -N 127.0.0.1 "$PORT" <"$BATS_FILE_TMPDIR/a.pack"
	local n
	n=$(pgmesh-ship --receive count <"$BATS_FILE_TMPDIR/a.pack" | sed -n 's/^done \([0-9]*\) .*/\1/p')
	wait_until 30 holds_frames spool "$n"
	cat spool/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	# A second connection with the same frames stores nothing twice.
	nc -N 127.0.0.1 "$PORT" <"$BATS_FILE_TMPDIR/a.pack"
	wait_until 30 received 2
	assert_equal "$(find spool -name '*.pack' | wc -l)" "$n"
	assert_equal "$(grep -vc 'frames, .* bytes received' listener.err)" 1
	assert_equal "$(head -1 listener.err)" "pgmesh-ship: listening on port $PORT"
}

@test "pgmesh-ship tcp:// into nc -l | pgmesh-apply" {
	nc -l 127.0.0.1 "$PORT" | pgmesh-apply -d "$(pg_conninfo tcp)" 2>apply.err 3>&- &
	LISTENER=$!
	# nc accepts one connection: no probing.
	wait_until 10 listening "$PORT"
	pgmesh-ship "tcp://127.0.0.1:$PORT" <"$BATS_FILE_TMPDIR/a.pack" 2>ship.err
	assert_contains "$(cat ship.err)" "tcp://127.0.0.1:$PORT: sent, unacknowledged"
	wait "$LISTENER"
	LISTENER=
	assert_equal "$(pg_sql tcp "SELECT count(*) FROM payments")" 600
}

@test "an unreachable tcp destination fails with 75 and says so" {
	run -75 --separate-stderr pgmesh-ship "tcp://127.0.0.1:$PORT" <"$BATS_FILE_TMPDIR/a.pack"
	assert_equal "${stderr_lines[0]}" "pgmesh-ship: connect to 127.0.0.1 port $PORT: Connection refused"
	assert_equal "${stderr_lines[1]}" "pgmesh-ship: tcp://127.0.0.1:$PORT: failed: cannot connect (0 frames sent before)"
}
