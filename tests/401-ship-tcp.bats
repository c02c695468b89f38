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
	[ -z "${SLOW:-}" ] || { kill "$SLOW"; exec 5>&-; } || true
	[ -z "${LISTENER:-}" ] || { kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null; } || true
}

# holds_frames DIR N: DIR holds N frames or more (a listener stores them
# as they arrive).
holds_frames() {
	[ "$(find "$1" -name '*.pack' 2>/dev/null | wc -l)" -ge "$2" ]
}

# established PORT N: N connections to PORT are established (ss counts
# both ends of a loopback connection: the server's side is counted).
established() {
	[ "$(ss -Htn state established "sport = :$1" | wc -l)" -eq "$2" ]
}

# slow_client PORT: a client of PORT (SLOW) that sends the first eight
# bytes of a manifest and then nothing, its connection held open.
slow_client() {
	mkfifo slow.fifo
	exec 5<>slow.fifo
	nc 127.0.0.1 "$1" <slow.fifo >/dev/null 3>&- &
	SLOW=$!
	printf '\x5e\x2a\x4d\x18\x20\x00\x00\x00' >&5
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
	nc -l 127.0.0.1 "$PORT" | pgmesh-apply -d "$(pg_conninfo tcp)" --allow '*:*' 2>apply.err 3>&- &
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

@test "--listen --apply: no grant, no start; rows only where the grant says" {
	local db before
	db=$(pg_conninfo tcp)
	before=$(pg_sql tcp "SELECT count(*) FROM payments")
	# (bounded: a listener that started would wait for connections)
	run -64 --separate-stderr timeout 20 pgmesh-ship --listen "127.0.0.1:$PORT" --receive spool --apply "$db"
	assert_equal "$stderr" "pgmesh-ship: --apply without --allow: say which origins may insert into which tables, as in --allow 'a:public.*' (--allow '*:*' grants every table)"
	run -64 --separate-stderr pgmesh-ship --receive - --apply "$db" </dev/null
	assert_contains "$stderr" "pgmesh-ship: --apply without --allow: "
	run -64 --separate-stderr pgmesh-ship --receive spool --allow 'a:public.*' </dev/null
	assert_equal "$stderr" "pgmesh-ship: --allow and --allow-file go with --apply"
	# Origin q may write public.other only: its payments are refused.
	printf '#pgmesh\t1\nP\tq\t0/0\nB\tq\t0/10\t2026-11-21 13:16:41.123456+00\t9\nT\tpublic.payments\tid\tbigint\nI\tpublic.payments\t99\nC\tq\t0/10\n' |
		pgmesh-pack >q.pack
	pgmesh-ship --listen "127.0.0.1:$PORT" --receive spool --apply "$db" \
		--allow 'q:public.other' 2>listener.err 3>&- &
	LISTENER=$!
	wait_until 10 listening "$PORT"
	nc -N 127.0.0.1 "$PORT" <q.pack
	wait_until 30 grep -q 'connection dropped (status 65)' listener.err
	run -0 grep -c 'origin q may not insert into this table (no --allow rule matches)' listener.err
	assert_equal "$(pg_sql tcp "SELECT count(*) FROM payments")" "$before"
}

@test "--listen binds 127.0.0.1 unless given an address" {
	pgmesh-ship --listen "$PORT" --receive spool 2>listener.err 3>&- &
	LISTENER=$!
	wait_until 10 listening "$PORT"
	run -0 ss -Hltn "sport = :$PORT"
	assert_equal "$(awk '{ print $4 }' <<<"$output")" "127.0.0.1:$PORT"
}

@test "a slow client on --listen holds up no legitimate sender" {
	pgmesh-ship -v --listen "127.0.0.1:$PORT" --receive spool 2>listener.err 3>&- &
	LISTENER=$!
	wait_until 10 listening "$PORT"
	slow_client "$PORT"
	wait_until 10 established "$PORT" 1
	pgmesh-ship "tcp://127.0.0.1:$PORT" <"$BATS_FILE_TMPDIR/a.pack" 2>ship.err
	wait_until 30 received 1
	cat spool/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	# The slow client is still connected: nothing waited for a timeout.
	run -0 established "$PORT" 1
}

@test "receivers drop an idle sender after --idle-timeout, and any after --total-timeout" {
	mkfifo in.fifo
	exec 4<>in.fifo
	printf '\x5e\x2a\x4d\x18' >&4
	run -75 --separate-stderr pgmesh-ship --receive spool --idle-timeout 1 <in.fifo
	assert_equal "$stderr" "pgmesh-ship: stdin: nothing received for 1 s (idle timeout); dropped"
	exec 4>&-
	# A sender that trickles a byte a while into a long manifest keeps a
	# receiver forever, but for the total timeout.
	mkfifo trickle.fifo
	exec 4<>trickle.fifo
	printf '\x5e\x2a\x4d\x18\x00\x10\x00\x00' >&4
	{ while printf '\x00'; do sleep 0.2; done; } >&4 3>&- &
	local trickle=$!
	run -75 --separate-stderr pgmesh-ship --receive spool --idle-timeout 1 --total-timeout 2 <trickle.fifo
	assert_equal "$stderr" "pgmesh-ship: stdin: open longer than 2 s (total timeout); dropped"
	kill "$trickle"
	exec 4>&-
	run -64 --separate-stderr pgmesh-ship --receive spool --idle-timeout soon
	assert_equal "$stderr" "pgmesh-ship: --idle-timeout soon: want a whole number from 0"
}

@test "--listen drops a client idle for --idle-timeout and goes on" {
	pgmesh-ship --listen "$PORT" --receive spool --idle-timeout 1 2>listener.err 3>&- &
	LISTENER=$!
	wait_until 10 listening "$PORT"
	slow_client "$PORT"
	wait_until 10 grep -q 'idle timeout' listener.err
	assert_equal "$(cat listener.err)" "pgmesh-ship: tcp peer 127.0.0.1: nothing received for 1 s (idle timeout); dropped
pgmesh-ship: tcp peer 127.0.0.1: connection dropped (status 75)"
	# The listener goes on.
	pgmesh-ship "tcp://127.0.0.1:$PORT" <"$BATS_FILE_TMPDIR/a.pack" 2>ship.err
	wait_until 30 holds_frames spool 1
}
