# pgmesh-capture: bad input and bad conditions get one clear message, the
# documented exit status, and nothing half-written on standard output.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	pg_start errors
	pg_start replica "wal_level = replica"
	pg_sql errors "CREATE TABLE t (id int, v text)"
	CONN=$(pg_conninfo errors)
	export CONN
}

teardown_file() {
	pg_stop_all
}

@test "--help, --version, unknown option" {
	run -0 --separate-stderr pgmesh-capture --help
	assert_contains "$output" "usage: pgmesh-capture [-v] [-d conninfo] -S slot"
	assert_equal "$stderr" ""
	run -0 --separate-stderr pgmesh-capture --version
	assert_equal "$output" "pgmesh-capture 0.1.0"
	run -64 --separate-stderr pgmesh-capture --bogus
	assert_equal "$output" ""
	assert_equal "${stderr%%$'\n'*}" "pgmesh-capture: unknown option --bogus"
	assert_contains "$stderr" "usage: pgmesh-capture"
}

@test "bad combinations of options" {
	run -64 --separate-stderr pgmesh-capture -S s
	assert_equal "$stderr" "pgmesh-capture: choose one of --init, --drop, --drain, --follow, --snapshot"
	run -64 --separate-stderr pgmesh-capture -S s --drain --follow
	assert_equal "$stderr" "pgmesh-capture: choose one of --init, --drop, --drain, --follow, --snapshot"
	run -64 --separate-stderr pgmesh-capture --drain
	assert_equal "$stderr" "pgmesh-capture: no slot: give -S NAME"
	run -64 --separate-stderr pgmesh-capture -S Bad --drain
	assert_equal "$stderr" "pgmesh-capture: -S: a slot name is 1 to 63 of a-z, 0-9 and _: Bad"
	run -64 --separate-stderr pgmesh-capture -S s --drain --after nonsense
	assert_equal "$stderr" "pgmesh-capture: --after: not an LSN: nonsense"
	run -64 --separate-stderr pgmesh-capture -S s --init --after 0/1
	assert_equal "$stderr" "pgmesh-capture: --after goes with --drain or --follow"
	run -64 --separate-stderr pgmesh-capture -S s --init --outbox out
	assert_equal "$stderr" "pgmesh-capture: --outbox goes with --drain or --follow"
	run -64 --separate-stderr pgmesh-capture -S s --drain --after 0/1 --outbox out
	assert_equal "$stderr" "pgmesh-capture: --outbox is the position: no --after with it"
	run -64 --separate-stderr pgmesh-capture -S s --init --rename
	assert_equal "$stderr" "pgmesh-capture: --rename goes with --init and --node"
	run -64 --separate-stderr pgmesh-capture -S s --drain --node a --rename
	assert_equal "$stderr" "pgmesh-capture: --rename goes with --init and --node"
	run -64 --separate-stderr pgmesh-capture -S s --drain t
	assert_equal "$stderr" "pgmesh-capture: tables are named only with --init or --snapshot"
	run -64 --separate-stderr pgmesh-capture -S s --snapshot
	assert_equal "$stderr" "pgmesh-capture: --snapshot takes no slot: it makes a temporary one"
	run -64 --separate-stderr pgmesh-capture --snapshot --drain
	assert_equal "$stderr" "pgmesh-capture: choose one of --init, --drop, --drain, --follow, --snapshot"
	run -64 --separate-stderr pgmesh-capture -S s --drain --node A
	assert_equal "$stderr" "pgmesh-capture: --node: a node name is 1 to 32 of a-z, 0-9, _ and -: A"
}

@test "bad conninfo, and no server there" {
	run -64 --separate-stderr pgmesh-capture -d "nosuch=1" -S s --drain
	assert_equal "$output" ""
	assert_equal "$stderr" 'pgmesh-capture: bad connection string: invalid connection option "nosuch"'
	run -75 --separate-stderr pgmesh-capture -d "host=$BATS_TEST_TMPDIR port=1" -S s --drain
	assert_equal "$output" ""
	assert_contains "$stderr" "pgmesh-capture: cannot connect: connection to server on socket"
	assert_equal "$(wc -l <<<"$stderr")" 1
}

@test "wal_level replica: --init and --drain say what to change" {
	local msg="pgmesh-capture: wal_level is replica; logical decoding needs wal_level = logical (set it in postgresql.conf and restart the server)"
	run -78 --separate-stderr pgmesh-capture -d "$(pg_conninfo replica)" -S s --node a --init
	assert_equal "$stderr" "$msg"
	run -78 --separate-stderr pgmesh-capture -d "$(pg_conninfo replica)" -S s --node a --drain
	assert_equal "$output" ""
	assert_equal "$stderr" "$msg"
}

@test "missing slot or publication: a hint to --init" {
	run -78 --separate-stderr pgmesh-capture -d "$CONN" -S s --node a --drain
	assert_equal "$output" ""
	assert_equal "$stderr" "pgmesh-capture: replication slot s does not exist (create it with pgmesh-capture --init)"
	pg_sql errors "SELECT pg_create_logical_replication_slot('s', 'pgoutput')" >/dev/null
	run -78 --separate-stderr pgmesh-capture -d "$CONN" -S s --node a --follow
	assert_equal "$output" ""
	assert_equal "$stderr" "pgmesh-capture: publication pgmesh does not exist (create it with pgmesh-capture --init)"
	pg_sql errors "SELECT pg_drop_replication_slot('s')" >/dev/null
}

@test "a big transaction with no room to wait in TMPDIR: exit 74, nothing of it written" {
	local after
	pgmesh-capture -d "$CONN" -S s --node a --init
	after=$(pg_sql errors "SELECT pg_current_wal_lsn()")
	pg_sql errors "INSERT INTO t VALUES (0, 'small')"
	pg_sql errors "INSERT INTO t SELECT g, repeat('y', 100) FROM generate_series(1, 60000) g"
	TMPDIR=$BATS_TEST_TMPDIR/none run -74 --separate-stderr \
		pgmesh-capture -d "$CONN" -S s --drain --after "$after"
	assert_equal "$stderr" "pgmesh-capture: cannot create a temporary file in $BATS_TEST_TMPDIR/none: No such file or directory"
	assert_equal "$(cut -f1 <<<"$output" | tr -d '\n')" "#pgmeshPBTIC"
}

# 100 transactions of 2,000 rows: more than pipes and sockets hold.
load_many() {
	pg_sql errors "SELECT pg_replication_slot_advance('s', pg_current_wal_lsn())" >/dev/null
	pg_sql errors "DO \$\$ BEGIN FOR i IN 1..100 LOOP
		INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g;
		COMMIT; END LOOP; END \$\$"
}

# Only whole transactions in $1, some but not all of the 100.
assert_whole_part() {
	[ "$(grep -c '^C' "$1")" -gt 0 ]
	[ "$(grep -c '^C' "$1")" -lt 100 ]
	assert_equal "$(grep -c '^B' "$1")" "$(grep -c '^C' "$1")"
	assert_equal "$(tail -1 "$1" | cut -f1)" C
	assert_equal "$(grep -c '^I' "$1")" $(($(grep -c '^C' "$1") * 2000))
}

@test "--drain: SIGTERM mid-stream, exit 0 after the last whole transaction" {
	local out=$BATS_TEST_TMPDIR/out fifo=$BATS_TEST_TMPDIR/fifo pid st=0
	load_many
	mkfifo "$fifo"
	pgmesh-capture -d "$CONN" -S s --drain >"$fifo" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	{ dd bs=65536 count=1 iflag=fullblock status=none
	  kill -TERM "$pid"
	  cat; } <"$fifo" >"$out"
	wait "$pid" || st=$?
	assert_equal "$st" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	assert_whole_part "$out"
}

@test "--drain: server gone mid-stream, exit 75 after the last whole transaction" {
	local out=$BATS_TEST_TMPDIR/out dir=$PG_TMP/errors
	load_many
	# Read a little, stop the server while capture is still receiving,
	# then read the rest.
	{ st=0
	  pgmesh-capture -d "$CONN" -S s --drain 2>"$BATS_TEST_TMPDIR/err" || st=$?
	  echo "$st" >"$BATS_TEST_TMPDIR/status"; } |
	{ dd bs=65536 count=1 iflag=fullblock status=none >"$out"
	  pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate -s stop 3>&-
	  cat >>"$out"; }
	assert_equal "$(cat "$BATS_TEST_TMPDIR/status")" 75
	assert_contains "$(cat "$BATS_TEST_TMPDIR/err")" \
		"pgmesh-capture: connection lost: server closed the connection unexpectedly"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/err")" 1
	assert_whole_part "$out"
}
