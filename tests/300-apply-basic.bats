# pgmesh-apply: applying change text once, positions, columns by name,
# group commit latency, options.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

setup_file() {
	pg_start dst
}

teardown_file() {
	pg_stop_all
}

setup() {
	apply_setup
}

@test "bad combinations of options are refused with status 64" {
	run -64 --separate-stderr pgmesh-apply
	assert_equal "$stderr" "pgmesh-apply: -d conninfo is required"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --origin a
	assert_equal "$stderr" "pgmesh-apply: --origin goes with --position"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --position x.txt
	assert_equal "$stderr" "pgmesh-apply: --position takes no input and no apply options"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --group 0
	assert_equal "$stderr" "pgmesh-apply: --group 0: want a number of transactions >= 1"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow payments
	assert_equal "$stderr" "pgmesh-apply: --allow payments: want NODE:SCHEMA.TABLE (patterns allowed)"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --position --origin A
	assert_contains "$stderr" "--origin A: not a node name"
	run -64 --separate-stderr pgmesh-apply -d "host=$PG_TMP port" --allow '*:*' </dev/null
	assert_contains "$stderr" "pgmesh-apply: bad connection string: missing \"=\" after \"port\""
}

@test "an unreachable database is a temporary failure (75)" {
	run -75 --separate-stderr pgmesh-apply -d "host=$PG_TMP/nowhere port=1 user=postgres" --allow '*:*' </dev/null
	assert_contains "$stderr" "pgmesh-apply: cannot connect: connection to server on socket"
}

@test "columns are matched by name; extra destination columns take defaults" {
	sql "CREATE TABLE notes (note text, id int PRIMARY KEY, seen boolean NOT NULL DEFAULT false)"
	printf '#pgmesh\t1\nP\ta\t0/0\nB\ta\t0/16B3F08\t2026-11-21 13:16:41.123456+00\t745\nT\tpublic.notes\tid\tinteger\tnote\ttext\nI\tpublic.notes\t1\trent\\tmarch\\\\x\nI\tpublic.notes\t2\t\\N\nC\ta\t0/16B3F08\n' >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	run -0 sql "SELECT id, note IS NULL, seen, replace(note, E'\t', '<tab>') FROM notes ORDER BY id"
	assert_equal "$output" "1|f|f|rent<tab>march\\x
2|t|f|"
}

@test "defaults see the destination's own settings, such as its time zone" {
	pg_sql dst "ALTER DATABASE t$BATS_TEST_NUMBER SET TimeZone = 'Asia/Tokyo'"
	sql "CREATE TABLE notes (id int PRIMARY KEY, at timestamptz,
	     zone text DEFAULT current_setting('TimeZone'))"
	printf '#pgmesh\t1\nP\ta\t0/0\nB\ta\t0/16B3F08\t2026-11-21 13:16:41.123456+00\t745\nT\tpublic.notes\tid\tinteger\tat\ttimestamp with time zone\nI\tpublic.notes\t1\t2026-11-21 13:16:41+00\nC\ta\t0/16B3F08\n' >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	run -0 sql "SELECT zone, at = '2026-11-21 13:16:41+00' FROM notes"
	assert_equal "$output" "Asia/Tokyo|t"
}

@test "two databases of one cluster keep their own progress per origin" {
	local other=t${BATS_TEST_NUMBER}b db
	pg_sql dst "CREATE DATABASE $other"
	pg_sql dst "$other" "$PAYMENTS_SQL"
	gen_payments 300 100 >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	# Replication origins are cluster-wide; the second database must not
	# take the first one's progress for its own and skip everything.
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst "$other")" --allow '*:*' in.txt
	assert_equal "$(pg_sql dst "$other" "SELECT count(*) FROM payments")" 300
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst "$other")" --position --origin a
	assert_equal "$output" "0/30000"
	for db in "t$BATS_TEST_NUMBER" "$other"; do
		assert_equal "$(pg_sql dst "SELECT count(*) FROM pg_replication_origin
			WHERE roname = 'pgmesh_a@' || (SELECT oid FROM pg_database
				WHERE datname = '$db')")" 1
	done
}

@test "applying the same input twice changes nothing the second time" {
	gen_payments 3000 100 >in.txt
	run -0 --separate-stderr pgmesh-apply -v -d "$DB" --allow '*:*' in.txt
	assert_contains "$stderr" "done: 30 transactions, 3000 rows,"
	run -0 payments_summary_db
	assert_equal "$output" "3000|3000|4501500"
	run -0 --separate-stderr pgmesh-apply -v -d "$DB" --allow '*:*' <in.txt
	assert_contains "$stderr" "done: 0 transactions, 0 rows, 0 rows/s, 30 skipped, 0 duplicates, 0 rejected"
	run -0 payments_summary_db
	assert_equal "$output" "3000|3000|4501500"
}

payments_summary_db() {
	sql "SELECT count(*), count(DISTINCT id), sum(id) FROM payments"
}

@test "an input whose first half was applied gets only its second half applied" {
	gen_payments 1000 100 >all.txt
	gen_payments 500 100 >half.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' half.txt
	run -0 sql "SELECT count(*), max(id) FROM payments"
	assert_equal "$output" "500|500"
	run -0 --separate-stderr pgmesh-apply -v -d "$DB" --allow '*:*' all.txt
	assert_contains "$stderr" "done: 5 transactions, 500 rows,"
	assert_contains "$stderr" " 5 skipped, 0 duplicates"
	run -0 payments_summary_db
	assert_equal "$output" "1000|1000|500500"
}

@test "--position prints the durable progress per origin" {
	run -0 --separate-stderr pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "0/0"
	gen_payments 30 10 a >a.txt
	gen_payments 10 10 b 1001 | from_genesis >b.txt
	pgmesh-apply -d "$DB" --allow '*:*' a.txt b.txt 2>/dev/null
	run -0 --separate-stderr pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "0/30000"
	assert_equal "$stderr" ""
	run -0 --separate-stderr pgmesh-apply -d "$DB" --position
	assert_equal "$output" "$(printf 'a\t0/30000\nb\t0/650000')"
	run -0 --separate-stderr pgmesh-apply -d "$DB" --position --origin zz
	assert_equal "$output" "0/0"
}

@test "empty input applies nothing and succeeds" {
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' </dev/null
	assert_equal "$stderr" ""
}

@test "input that is neither change text nor a pack is bad data (65)" {
	echo "hello" >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	assert_contains "$stderr" "pgmesh-apply: in.txt: neither change text nor a pack stream"
	run -66 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' no-such-file
	assert_contains "$stderr" "pgmesh-apply: no-such-file: No such file or directory"
}

payments_are() {
	[ "$(sql "SELECT count(*) FROM payments")" = "$1" ]
}

@test "a lone transaction written into stdin is visible before the input ends" {
	mkfifo in.fifo
	pgmesh-apply -d "$DB" --allow '*:*' <in.fifo 2>err.txt &
	local pid=$! start
	exec 4>in.fifo
	printf '#pgmesh\t1\n' >&4
	gen_payments 1 1 >one.txt
	start=${EPOCHREALTIME//[!0-9]/}
	tail -n +2 one.txt >&4
	# The input stays open: without the idle commit the row would not
	# show until it ends.  How soon it shows is for the bench to measure
	# (latency, 610-bench-smoke); here it is only printed.
	wait_until 10 payments_are 1
	echo "visible after $(((${EPOCHREALTIME//[!0-9]/} - start) / 1000)) ms"
	exec 4>&-
	wait "$pid"
}

@test "a lone transaction is committed at idle without --group help" {
	# Two transactions arriving apart in time are two commits: the
	# first is visible before the second arrives.
	mkfifo in.fifo
	gen_payments 2 1 >two.txt
	pgmesh-apply -d "$DB" --allow '*:*' --group 1000 <in.fifo 2>err.txt &
	local pid=$!
	exec 4>in.fifo
	head -6 two.txt >&4
	wait_until 10 payments_are 1
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "1"
	tail -n +7 two.txt >&4
	exec 4>&-
	wait "$pid"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "2"
}

@test "-v reports progress and a summary on stderr, nothing on stdout" {
	gen_payments 200 10 >in.txt
	run -0 --separate-stderr pgmesh-apply -v -d "$DB" --allow '*:*' --group 5 in.txt
	assert_equal "$output" ""
	assert_contains "$stderr" "pgmesh-apply: done: 20 transactions, 200 rows, "
}

@test "--sync and --group change nothing in what is applied" {
	gen_payments 100 7 >in.txt
	run -0 --separate-stderr pgmesh-apply --sync --group 2 -d "$DB" --allow '*:*' in.txt
	run -0 payments_summary_db
	assert_equal "$output" "100|100|5050"
}

@test "a role without replication origin rights gets status 77" {
	sql "DO \$\$ BEGIN CREATE ROLE app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
	sql "GRANT INSERT, SELECT ON payments TO app"
	gen_payments 10 10 >in.txt
	run -77 --separate-stderr pgmesh-apply -d "${DB/user=pgmesh_apply/user=app}" --allow '*:*' in.txt
	assert_contains "$stderr" "pgmesh-apply: origin a: permission denied for function pg_replication_origin_oid (replication origins need a superuser, or GRANT EXECUTE on the pg_replication_origin_* functions)"
	run -77 --separate-stderr pgmesh-apply -d "${DB/user=pgmesh_apply/user=app}" --position --origin a
	assert_contains "$stderr" "permission denied"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "0"
}

@test "interleaved origins, two tables in a transaction, a definition that changes" {
	sql "CREATE TABLE notes (id int PRIMARY KEY, note text, extra text)"
	{
		printf '#pgmesh\t1\nP\ta\t0/0\nP\tb\t0/0\n'
		printf 'B\ta\t0/100\t2026-11-21 13:16:41.123456+00\t1\n'
		printf 'T\tpublic.notes\tid\tinteger\tnote\ttext\n'
		printf 'I\tpublic.notes\t1\tone\n'
		gen_payments 2 2 | sed -n '/^T/,/^I.*\t2\t/p'
		printf 'I\tpublic.notes\t2\ttwo\n'
		printf 'C\ta\t0/100\n'
		printf 'B\tb\t0/5\t2026-11-21 13:16:41.123456+00\t1\n'
		printf 'I\tpublic.notes\t3\tthree\n'
		printf 'C\tb\t0/5\n'
		printf 'B\ta\t0/200\t2026-11-21 13:16:41.123456+00\t2\n'
		printf 'T\tpublic.notes\tid\tinteger\tnote\ttext\textra\ttext\n'
		printf 'I\tpublic.notes\t4\tfour\tmore\n'
		printf 'C\ta\t0/200\n'
	} >in.txt
	run -0 --separate-stderr pgmesh-apply -v -d "$DB" --allow '*:*' in.txt
	assert_contains "$stderr" "done: 3 transactions, 6 rows, "
	run -0 sql "SELECT id, note, coalesce(extra, '-') FROM notes ORDER BY id"
	assert_equal "$output" "1|one|-
2|two|-
3|three|-
4|four|more"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "2"
	run -0 pgmesh-apply -d "$DB" --position
	assert_equal "$output" "$(printf 'a\t0/200\nb\t0/5')"
}
