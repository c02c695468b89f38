# pgmesh-capture: transactions come out whole, one B..C block each, in
# commit order; rolled-back and row-less ones never; a 1,000,000-row
# transaction with flat memory.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	pg_start txns
	pg_sql txns "CREATE TABLE t (id bigint PRIMARY KEY, v text);
		CREATE TABLE gate (x int); CREATE TABLE million (id int)"
	CONN=$(pg_conninfo txns)
	export CONN
	pgmesh-capture -d "$CONN" -S s --node a --init public.t million
}

teardown_file() {
	pg_stop_all
}

# The slot's end of WAL now: the --after for "only what comes next".
wal_now() {
	pg_sql txns "SELECT pg_current_wal_lsn()"
}

one_open_transaction() {
	[ "$(pg_sql txns "SELECT count(*) FROM pg_stat_activity
		WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()")" = 1 ]
}

@test "concurrent sessions: whole transactions in commit order" {
	local after pid
	after=$(wal_now)
	pg_sql txns "BEGIN; INSERT INTO t VALUES (1, 'first in, last out');
		DO \$\$ BEGIN WHILE NOT EXISTS (SELECT FROM gate) LOOP
			PERFORM pg_sleep(0.02); END LOOP; END \$\$;
		INSERT INTO t VALUES (2, 'after the gate'); COMMIT" &
	pid=$!
	# Until session one holds an open transaction with its first row.
	wait_until 30 one_open_transaction
	pg_sql txns "INSERT INTO t VALUES (3, 'second in, first out');
		INSERT INTO gate VALUES (1)"
	wait "$pid"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$after"
	assert_equal "$(cut -f1,3 <<<"$output" | grep -v '^[BCP]' | tr '\t\n' ': ')" \
		"#pgmesh T:id I:3 I:1 I:2 "
	assert_equal "$(cut -f1 <<<"$output" | tr -d '\n')" "#pgmeshPBTICBIIC"
	# Every transaction of a committed after --after follows: it says so.
	assert_equal "$(sed -n 2p <<<"$output")" "$(printf 'P\ta\t%s' "$after")"
}

@test "rolled-back transactions and transactions without rows never appear" {
	local after
	after=$(wal_now)
	pg_sql txns "BEGIN; INSERT INTO t VALUES (10, 'rolled back'); ROLLBACK"
	pg_sql txns "INSERT INTO gate VALUES (2)"
	pg_sql txns "BEGIN; INSERT INTO t VALUES (11, 'kept');
		SAVEPOINT x; INSERT INTO t VALUES (12, 'rolled back to savepoint');
		ROLLBACK TO x; COMMIT"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$after"
	assert_equal "$(grep -c '^B' <<<"$output")" 1
	assert_equal "$(grep '^I' <<<"$output")" "$(printf 'I\tpublic.t\t11\tkept')"
	assert_equal "$stderr" ""
}

@test "a 1,000,000-row transaction streams with flat memory" {
	local after kb limit=32768
	after=$(wal_now)
	pg_sql txns "INSERT INTO million SELECT generate_series(1, 1000000)"
	# Under AddressSanitizer: its shadow memory, and a small quarantine
	# so that freed messages do not pile up as if they were live.
	case $PGMESH_BIN in */asan) limit=98304 ;; esac
	ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=16 /usr/bin/time -f %M \
		-o "$BATS_TEST_TMPDIR/rss" pgmesh-capture -d "$CONN" -S s --drain \
		--after "$after" >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(cut -c1 "$BATS_TEST_TMPDIR/out" | uniq -c | tr -s ' \n' '  ')" \
		" 1 # 1 P 1 B 1 T 1000000 I 1 C "
	assert_equal "$(sed -n '1000004p' "$BATS_TEST_TMPDIR/out")" \
		"$(printf 'I\tpublic.million\t1000000')"
	kb=$(tail -1 "$BATS_TEST_TMPDIR/rss")
	echo "peak RSS ${kb} kB"
	[ "$kb" -lt "$limit" ]
}

@test "-v: a summary at exit; a bare database name and PG* variables connect" {
	local after dir=$PG_TMP/txns
	after=$(wal_now)
	pg_sql txns "INSERT INTO t VALUES (20, 'a'), (21, 'b')"
	run -0 --separate-stderr env PGHOST="$dir" PGPORT="$(cat "$dir/port")" \
		PGUSER=postgres pgmesh-capture -v -d postgres -S s --drain --after "$after"
	assert_equal "$(grep -c '^I' <<<"$output")" 2
	[[ $stderr =~ ^pgmesh-capture:\ captured\ 1\ transactions,\ 2\ rows,\ up\ to\ LSN\ [0-9A-F]+/[0-9A-F]+,\ in\ [0-9.]+\ s\ \([0-9]+\ rows/s\)$ ]]
}
