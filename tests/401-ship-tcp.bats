# pgmesh-ship over tcp: a raw pack stream, interoperating with plain
# netcat on either end.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	pg_start tcp
	pg_sql tcp "CREATE TABLE payments (id bigint PRIMARY KEY, memo text)"
	awk 'BEGIN {
		OFS = "\t"; print "#pgmesh", "1"
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

# wait_for_frames DIR N: until DIR holds N frames (a listener stores them
# as they arrive; this waits for it, it does not time it).
wait_for_frames() {
	local i
	for i in $(seq 300); do
		[ "$(find "$1" -name '*.pack' 2>/dev/null | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "pgmesh-pack | nc into pgmesh-ship --listen --receive DIR" {
	pgmesh-ship -v --listen "127.0.0.1:$PORT" --receive spool 2>listener.err 3>&- &
	LISTENER=$!
	# Retry until it listens (a probe would be a connection of its own).
	for _ in $(seq 100); do
		nc -N 127.0.0.1 "$PORT" <"$BATS_FILE_TMPDIR/a.pack" 2>/dev/null && break
		sleep 0.1
	done
	local n
	n=$(pgmesh-ship --receive count <"$BATS_FILE_TMPDIR/a.pack" | sed -n 's/^done \([0-9]*\) .*/\1/p')
	wait_for_frames spool "$n"
	cat spool/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	# A second connection with the same frames stores nothing twice.
	nc -N 127.0.0.1 "$PORT" <"$BATS_FILE_TMPDIR/a.pack"
	for _ in $(seq 300); do
		[ "$(grep -c 'frames, .* bytes received' listener.err)" -eq 2 ] && break
		sleep 0.1
	done
	assert_equal "$(find spool -name '*.pack' | wc -l)" "$n"
	assert_equal "$(grep -vc 'frames, .* bytes received' listener.err)" 1
	assert_equal "$(head -1 listener.err)" "pgmesh-ship: listening on port $PORT"
}

@test "pgmesh-ship tcp:// into nc -l | pgmesh-apply" {
	nc -l 127.0.0.1 "$PORT" | pgmesh-apply -d "$(pg_conninfo tcp)" 2>apply.err 3>&- &
	LISTENER=$!
	# nc accepts one connection: retry until it listens, no probing.
	for _ in $(seq 100); do
		pgmesh-ship "tcp://127.0.0.1:$PORT" <"$BATS_FILE_TMPDIR/a.pack" 2>ship.err && break
		sleep 0.1
	done
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
