# pgmesh-ship over a real sshd on a loopback port: apply on arrival, the
# spool path, a connection cut mid-frame, fan-out with a dead destination,
# a forced command, hostile names.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/sshd

TABLE='CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric(12,2), memo text)'

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	sshd_start "$BATS_FILE_TMPDIR/sshd"
	pg_start src
	pg_start dst
	pg_sql src "$TABLE"
	pg_sql dst "$TABLE"
	pgmesh-capture -d "$(pg_conninfo src)" -S out --node a --init
	pg_sql src "INSERT INTO payments SELECT i, i / 100.0, 'memo ' || i
		FROM generate_series(1, 3000) i"
	pg_sql src "INSERT INTO payments SELECT i, 1, E'tab\there'
		FROM generate_series(3001, 3500) i"
	# The whole history as one stream of small frames.
	pgmesh-capture -d "$(pg_conninfo src)" -S out --node a --drain |
		pgmesh-pack --frame-bytes 8000 >a.pack
	# What a direct pipe gives, the reference for every path below.
	pgmesh-capture -d "$(pg_conninfo src)" -S out --node a --drain | pgmesh-pack |
		pgmesh-apply -d "$(pg_conninfo dst)" --allow '*:*' 2>/dev/null
	rows >expected
	# The receiving host's own grants, as its configuration would give
	# them: a receiver program that adds them (a sender never sends any).
	printf '#!/bin/sh\nexec "%s/pgmesh-ship" "$@" --allow "a:public.*" --allow "z:*"\n' \
		"$PGMESH_BIN" >granted-ship
	chmod +x granted-ship
}

teardown_file() {
	sshd_stop
	pg_stop_all
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	# pgmesh-ship's own options to reach the test sshd, and its URL.
	SHIP=(pgmesh-ship -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o LogLevel=ERROR -i "$SSH_KEY" --remote-ship "$PGMESH_BIN/pgmesh-ship")
	URL="ssh://root@127.0.0.1:$SSHD_PORT"
	GRANTED=(--remote-ship "$BATS_FILE_TMPDIR/granted-ship")
	# Every test applies to an empty destination (replication origins,
	# where apply keeps its progress, belong to the whole cluster).
	pg_sql dst "TRUNCATE payments;
		SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin" >/dev/null
}

teardown() {
	# A test that stopped half-way must leave no forced command, no
	# second sshd and no ship it started in the background (nor what that
	# ship started: a stand-in ssh that hangs) behind.
	sshd_authorize
	[ ! -d "$BATS_TEST_TMPDIR/sshd2" ] || (SSHD_DIR=$BATS_TEST_TMPDIR/sshd2 sshd_stop)
	[ -z "${SHIP_PID:-}" ] || kill $(pgrep -P "$SHIP_PID") "$SHIP_PID" 2>/dev/null || true
}

# rows: the destination's rows, in order, as text.
rows() {
	psql -X -At -d "$(pg_conninfo dst)" -c "COPY (SELECT * FROM payments ORDER BY id) TO STDOUT"
}

frames_in() {
	find "$1" -name '*.pack' | wc -l
}

# holds_frames DIR N: DIR holds N frames.
holds_frames() {
	[ "$(frames_in "$1" 2>/dev/null)" -eq "$2" ]
}

@test "capture | pack | ship ssh:// with apply on arrival equals a direct pipe" {
	pgmesh-capture -d "$(pg_conninfo src)" -S out --node a --drain | pgmesh-pack |
		"${SHIP[@]}" "${GRANTED[@]}" --remote-apply "$(pg_conninfo dst)" \
		"$URL$BATS_TEST_TMPDIR/arrival" 2>ship.err
	grep -Eq "arrival: ok, [0-9]+ frames \([0-9]+ bytes\), 0 already there" ship.err
	rows | cmp - "$BATS_FILE_TMPDIR/expected"
	assert_equal "$(rows | wc -l)" 3500
}

@test "ship to a spool over ssh, then apply the spool: the same rows" {
	run -0 --separate-stderr "${SHIP[@]}" -v "$URL$BATS_TEST_TMPDIR/inbox" <"$BATS_FILE_TMPDIR/a.pack"
	assert_contains "$stderr" "MB/s, rtt "
	cat inbox/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	pgmesh-apply -d "$(pg_conninfo dst)" --allow '*:*' inbox 2>/dev/null
	rows | cmp - "$BATS_FILE_TMPDIR/expected"
	# Shipping again sends nothing: the receiver said what it holds.
	run -0 --separate-stderr "${SHIP[@]}" "$URL$BATS_TEST_TMPDIR/inbox" <"$BATS_FILE_TMPDIR/a.pack"
	assert_contains "$stderr" ": ok, 0 frames (0 bytes), $(frames_in inbox) already there"
}

@test "a connection cut in the middle of a frame: no partial frame, then resume" {
	local size whole cut st=0
	size=$(wc -c <"$BATS_FILE_TMPDIR/a.pack")
	# The cut: halfway through the frame that holds the middle of the
	# stream (what ship writes before the frames, a ping, moves it a few
	# bytes, still well inside that frame).  whole: the frames before it.
	read -r whole cut < <("$TESTS_DIR/fixtures/pack-frames" <"$BATS_FILE_TMPDIR/a.pack" |
		awk -v mid=$((size / 2)) '$1 + $2 > mid { print NR - 1, $1 + int($2 / 2); exit }')
	[ "$whole" -gt 0 ]
	# An ssh that passes on the stream up to the cut and no more (fd 9
	# keeps its input open, so it never sees an end), killed once the far
	# side has stored the frames before the cut.
	cat >cutssh <<-SH
		#!/bin/bash
		mkfifo cut.fifo
		ssh "\$@" <cut.fifo &
		echo \$! >ssh.pid
		exec 9>cut.fifo
		head -c $cut >&9
		wait \$!
	SH
	chmod +x cutssh
	"${SHIP[@]}" --ssh ./cutssh "$URL$BATS_TEST_TMPDIR/inbox" \
		<"$BATS_FILE_TMPDIR/a.pack" 2>ship.err 3>&- &
	SHIP_PID=$!
	wait_until 30 holds_frames inbox "$whole"
	kill -9 "$(cat ssh.pid)"
	wait "$SHIP_PID" || st=$?
	SHIP_PID=
	assert_equal "$st" 75
	assert_contains "$(cat ship.err)" "$URL$BATS_TEST_TMPDIR/inbox: failed: "
	[ -z "$(find inbox -name '.*' -type f)" ]
	cat inbox/a/*.pack | cmp -n "$(cat inbox/a/*.pack | wc -c)" - "$BATS_FILE_TMPDIR/a.pack"
	# The next run sends the rest (parts of a split transaction the
	# receiver does not hold whole go again, and are stored once), and the
	# spool holds the stream exactly once.
	run -0 --separate-stderr "${SHIP[@]}" "$URL$BATS_TEST_TMPDIR/inbox" <"$BATS_FILE_TMPDIR/a.pack"
	assert_contains "$stderr" "$URL$BATS_TEST_TMPDIR/inbox: ok, "
	cat inbox/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	pgmesh-apply -d "$(pg_conninfo dst)" --allow '*:*' inbox 2>/dev/null
	rows | cmp - "$BATS_FILE_TMPDIR/expected"
}

@test "fan-out with one destination unreachable: 75, then it catches up" {
	pgmesh-ship outbox <"$BATS_FILE_TMPDIR/a.pack" 2>/dev/null
	local dead
	dead=$(pg_free_port)
	run -75 --separate-stderr "${SHIP[@]}" outbox "$URL$BATS_TEST_TMPDIR/one" \
		"ssh://root@127.0.0.1:$dead$BATS_TEST_TMPDIR/two"
	assert_equal "${#stderr_lines[@]}" 2
	assert_contains "${stderr_lines[0]}" "$URL$BATS_TEST_TMPDIR/one: ok, $(frames_in outbox) frames"
	assert_equal "${stderr_lines[1]}" "pgmesh-ship: ssh://root@127.0.0.1:$dead$BATS_TEST_TMPDIR/two: failed: ssh: connect to host 127.0.0.1 port $dead: Connection refused (0 frames sent before)"
	cat one/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	[ ! -e two ]
	# The second destination comes up: a second sshd on its port (in a
	# subshell, so that this file's sshd settings stay), taking our key.
	local key=$SSH_KEY.pub dir2=$BATS_TEST_TMPDIR/sshd2
	(
		SSHD_PORT=$dead sshd_start "$dir2"
		cp "$key" "$dir2/authorized_keys"
	)
	run -0 --separate-stderr "${SHIP[@]}" outbox "$URL$BATS_TEST_TMPDIR/one" \
		"ssh://root@127.0.0.1:$dead$BATS_TEST_TMPDIR/two"
	assert_contains "${stderr_lines[0]}" ": ok, 0 frames (0 bytes), $(frames_in outbox) already there"
	assert_contains "${stderr_lines[1]}" ": ok, $(frames_in outbox) frames"
	cat two/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
}

@test "a destination that hangs does not hold up the other one" {
	pgmesh-ship outbox <"$BATS_FILE_TMPDIR/a.pack" 2>/dev/null
	# An ssh that hangs for the host named localhost, like a black hole.
	printf '#!/bin/sh\ncase "$*" in *localhost*) exec sleep infinity ;; esac\nexec ssh "$@"\n' >slowssh
	chmod +x slowssh
	"${SHIP[@]}" --ssh ./slowssh outbox "$URL$BATS_TEST_TMPDIR/one" \
		"ssh://root@localhost:$SSHD_PORT$BATS_TEST_TMPDIR/two" 2>ship.err 3>&- &
	SHIP_PID=$!
	local n
	n=$(frames_in outbox)
	wait_until 30 holds_frames one "$n"
	# The first destination has everything while the run still waits
	# for the second.
	kill -0 "$SHIP_PID"
	cat one/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	kill $(pgrep -P "$SHIP_PID") "$SHIP_PID"
	wait "$SHIP_PID" || true
	SHIP_PID=
}

@test "--remote-apply: the grants are the receiver's, a receiver with none refuses" {
	# The receiver exits 64; the sender reports its words and, as for
	# any receiver failure but bad data, says try again (75).
	run -75 --separate-stderr "${SHIP[@]}" --remote-apply "$(pg_conninfo dst)" \
		"$URL$BATS_TEST_TMPDIR/ungranted" <"$BATS_FILE_TMPDIR/a.pack"
	assert_contains "$stderr" "pgmesh-ship: --apply without --allow: say which origins may insert into which tables, as in --allow 'a:public.*' (--allow '*:*' grants every table)"
	assert_equal "$(rows | wc -l)" 0
}

@test "a forced command that applies needs grants; no grant reaches pg_catalog" {
	local apply="--apply 'host=$PG_TMP/dst port=$(cat "$PG_TMP/dst/port") user=postgres'"
	sshd_authorize "command=\"$PGMESH_BIN/pgmesh-ship --receive $BATS_TEST_TMPDIR/forced $apply\",restrict"
	run -75 --separate-stderr "${SHIP[@]}" "$URL/x" <"$BATS_FILE_TMPDIR/a.pack"
	assert_contains "$stderr" "pgmesh-ship: --apply without --allow: "
	# The widest grant still keeps a superuser login role out of pg_authid.
	sshd_authorize "command=\"$PGMESH_BIN/pgmesh-ship --receive $BATS_TEST_TMPDIR/forced $apply --allow '*:*'\",restrict"
	printf '#pgmesh\t1\nP\tz\t0/0\nB\tz\t0/5\t2026-11-21 13:16:41.123456+00\t9\nT\tpg_catalog.pg_authid\toid\toid\trolname\tname\trolsuper\tboolean\trolcanlogin\tboolean\nI\tpg_catalog.pg_authid\t99999\tmallory\tt\tt\nC\tz\t0/5\n' |
		pgmesh-pack >authid.pack
	run -65 --separate-stderr "${SHIP[@]}" "$URL/x" <authid.pack
	# The sender shows the receiver's last words: apply refused the frame.
	assert_contains "$stderr" "pgmesh-apply exited with status 65"
	assert_equal "$(pg_sql dst "SELECT count(*) FROM pg_roles WHERE rolname = 'mallory'")" 0
}

@test "a forced command in authorized_keys decides where frames go" {
	sshd_authorize "command=\"$PGMESH_BIN/pgmesh-ship --receive $BATS_TEST_TMPDIR/forced --apply 'host=$PG_TMP/dst port=$(cat "$PG_TMP/dst/port") user=postgres' --allow 'a:public.*'\",restrict"
	run --separate-stderr "${SHIP[@]}" "$URL/anything/else" <"$BATS_FILE_TMPDIR/a.pack"
	echo "stderr: $stderr"
	assert_status 0
	cat forced/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	[ ! -e /anything ]
	rows | cmp - "$BATS_FILE_TMPDIR/expected"
}

@test "hostile spool paths reach the far side literally, never a shell" {
	local evil="$BATS_TEST_TMPDIR/sp ace'q\"; \$(touch $BATS_TEST_TMPDIR/pwned) \`touch $BATS_TEST_TMPDIR/pwned2\` & x"
	run -0 --separate-stderr "${SHIP[@]}" "${GRANTED[@]}" --remote-apply "$(pg_conninfo dst)" \
		- "$URL$evil" "$evil local" <"$BATS_FILE_TMPDIR/a.pack"
	# No shell ran what the path holds ($() and backquotes)...
	[ ! -e pwned ]
	[ ! -e pwned2 ]
	# ...and both spools have the path as it was written.
	cat "$evil"/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	cat "$evil local"/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
	rows | cmp - "$BATS_FILE_TMPDIR/expected"
	run -64 --separate-stderr "${SHIP[@]}" "$URL$BATS_TEST_TMPDIR/new
line" <"$BATS_FILE_TMPDIR/a.pack"
	assert_contains "$stderr" "a control character in the remote path is refused"
	run -64 --separate-stderr "${SHIP[@]}" "ssh://-oProxyCommand=touch%20x/spool" <"$BATS_FILE_TMPDIR/a.pack"
	assert_equal "$stderr" "pgmesh-ship: ssh://-oProxyCommand=touch%20x/spool: bad host or port"
}

@test "hostile table names travel through ssh as data" {
	local t='"we ird; $(touch pwned)"."pay""ments`x`"'
	pg_sql dst "CREATE SCHEMA \"we ird; \$(touch pwned)\";
		CREATE TABLE $t (id bigint PRIMARY KEY, memo text)"
	printf '#pgmesh\t1\nP\tz\t0/0\nB\tz\t0/5\t2026-11-21 13:16:41.123456+00\t9\nT\t%s\tid\tbigint\tmemo\ttext\nI\t%s\t1\t$(touch pwned); rm -rf /\nC\tz\t0/5\n' "$t" "$t" |
		pgmesh-pack | "${SHIP[@]}" "${GRANTED[@]}" --remote-apply "$(pg_conninfo dst)" "$URL$BATS_TEST_TMPDIR/odd" 2>/dev/null
	# A shell that ran the name would have touched pwned where it started:
	# here, or on the far side in the ssh user's (root's) home.
	[ ! -e pwned ]
	[ ! -e ~root/pwned ]
	assert_equal "$(pg_sql dst "SELECT memo FROM $t")" '$(touch pwned); rm -rf /'
}

@test "a far side that is not a pgmesh-ship receiver gets nothing" {
	run -75 --separate-stderr "${SHIP[@]}" --remote-ship /bin/echo "$URL$BATS_TEST_TMPDIR/x" <"$BATS_FILE_TMPDIR/a.pack"
	assert_equal "$stderr" "pgmesh-ship: $URL$BATS_TEST_TMPDIR/x: failed: not a pgmesh-ship receiver (it said \"--receive $BATS_TEST_TMPDIR/x --digest-only\") (0 frames sent before)"
}
