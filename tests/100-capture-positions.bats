# pgmesh-capture: --after, the slot's confirmed position, and transaction
# identity (local, and applied under a pgmesh replication origin).
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	pg_start positions
	pg_sql positions "CREATE TABLE t (id int PRIMARY KEY)"
	CONN=$(pg_conninfo positions)
	export CONN
	pgmesh-capture -d "$CONN" -S s --node a --init
	for i in 1 2 3; do pg_sql positions "INSERT INTO t VALUES ($i)"; done
}

teardown_file() {
	pg_stop_all
}

# A test that failed half-way must not leave its capture running.
teardown() {
	[ -z "${PID:-}" ] || kill "$PID" 2>/dev/null || true
}

confirmed() {
	pg_sql positions "SELECT confirmed_flush_lsn FROM pg_replication_slots
		WHERE slot_name = '${1:-s}'"
}

confirmed_is() {
	[ "$(confirmed)" = "$1" ]
}

# The LSN of the C record of the N-th transaction in file $1.
commit_lsn() {
	grep '^C' "$1" | sed -n "${2}p" | cut -f3
}

@test "--after emits exactly the transactions committed after it, and confirms it" {
	pgmesh-capture -d "$CONN" -S s --drain >"$BATS_TEST_TMPDIR/all"
	assert_equal "$(grep -c '^B' "$BATS_TEST_TMPDIR/all")" 3
	x=$(commit_lsn "$BATS_TEST_TMPDIR/all" 1)
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$x"
	assert_equal "$(grep '^I' <<<"$output" | cut -f3 | tr '\n' ' ')" "2 3 "
	assert_equal "$(confirmed)" "$x"
	# The same --after again: byte for byte the same output.
	pgmesh-capture -d "$CONN" -S s --drain --after "$x" >"$BATS_TEST_TMPDIR/again"
	cmp "$BATS_TEST_TMPDIR/again" <(printf '%s\n' "$output")
	# Without --after, from where the slot stands: the same again.
	pgmesh-capture -d "$CONN" -S s --drain >"$BATS_TEST_TMPDIR/plain"
	cmp "$BATS_TEST_TMPDIR/again" "$BATS_TEST_TMPDIR/plain"
	# The last one: nothing after it but the header.
	y=$(commit_lsn "$BATS_TEST_TMPDIR/all" 3)
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$y"
	assert_equal "$output" "$(printf '#pgmesh\t1')"
	assert_equal "$(confirmed)" "$y"
}

@test "the stream claims the node's whole history from its genesis on, mid-history after" {
	local db
	pg_sql positions "CREATE DATABASE genesis"
	pg_sql positions genesis "CREATE TABLE t (id int PRIMARY KEY)"
	db=$(pg_conninfo positions genesis)
	pgmesh-capture -d "$db" -S g1 --node a --init
	genesis=$(pg_sql positions genesis "SHOW pgmesh.genesis")
	assert_equal "$genesis" "$(confirmed g1)"
	pg_sql positions genesis "SELECT pg_create_logical_replication_slot('g2', 'pgoutput')" >/dev/null
	later=$(confirmed g2)
	pg_sql positions genesis "INSERT INTO t VALUES (1)"
	# From where --init made the slot: the node's first transaction.
	run -0 --separate-stderr pgmesh-capture -d "$db" -S g1 --drain
	assert_equal "$(sed -n 2p <<<"$output")" $'P\ta\t0/0'
	run -0 --separate-stderr pgmesh-capture -d "$db" -S g1 --drain --after "$genesis"
	assert_equal "$(sed -n 2p <<<"$output")" $'P\ta\t0/0'
	# A slot made later starts mid-history, and says where.
	run -0 --separate-stderr pgmesh-capture -d "$db" -S g2 --drain
	assert_equal "$(sed -n 2p <<<"$output")" "P	a	$later"
	assert_equal "$(grep -c '^B' <<<"$output")" 1
	# --init of another slot keeps the node's genesis.
	pgmesh-capture -d "$db" -S g3 --init t
	assert_equal "$(pg_sql positions genesis "SHOW pgmesh.genesis")" "$genesis"
	pgmesh-capture -d "$db" -S g1 --drop
	pg_sql positions "SELECT pg_drop_replication_slot(slot_name)
		FROM pg_replication_slots WHERE slot_name IN ('g2', 'g3')" >/dev/null
}

@test "--after before what the slot confirmed is refused" {
	run -65 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after 0/10
	assert_equal "$output" ""
	assert_equal "$stderr" "pgmesh-capture: slot s has confirmed up to $(confirmed), past --after 0/10: the transactions in between are no longer in the slot"
}

@test "--after 0/0, a consumer with nothing yet, starts where the slot stands" {
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after 0/0
	assert_equal "$stderr" "pgmesh-capture: notice: --after 0/0: the consumer holds nothing yet; starting where slot s stands ($(confirmed))"
	pgmesh-capture -d "$CONN" -S s --drain >"$BATS_TEST_TMPDIR/plain"
	cmp "$BATS_TEST_TMPDIR/plain" <(printf '%s\n' "$output")
}

@test "--after past the end of the server's WAL is refused" {
	run -65 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after FF/0
	assert_equal "$stderr" "pgmesh-capture: --after FF/0 is past the end of this server's WAL"
}

@test "--follow --after confirms it in its status updates" {
	local lsn st
	pg_sql positions "INSERT INTO t VALUES (4)"
	lsn=$(pg_sql positions "SELECT pg_current_wal_lsn()")
	pgmesh-capture -d "$CONN" -S s --follow --after "$lsn" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	PID=$!
	wait_until 10 confirmed_is "$lsn"
	kill -TERM "$PID"
	wait "$PID" || st=$?
	PID=
	assert_equal "${st:-0}" 0
	assert_equal "$(confirmed)" "$lsn"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(printf '#pgmesh\t1')"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

# Apply's way of inserting: under replication origin pgmesh_<node>, with
# the origin's commit LSN and time.
insert_as_origin() {
	pg_sql positions "SELECT pg_replication_origin_create('$1')
		WHERE NOT EXISTS (SELECT FROM pg_replication_origin WHERE roname = '$1')" >/dev/null
	pg_sql positions "BEGIN;
		SELECT pg_replication_origin_session_setup('$1');
		SELECT pg_replication_origin_xact_setup('$2', '2026-01-02 03:04:05.5+00');
		INSERT INTO t VALUES ($3);
		COMMIT" >/dev/null
}

@test "rows applied under origin pgmesh_b carry node b and b's LSN; --local-only" {
	local after
	after=$(pg_sql positions "SELECT pg_current_wal_lsn()")
	insert_as_origin pgmesh_b 5/ABCDEF0 100
	pg_sql positions "INSERT INTO t VALUES (101)"
	insert_as_origin other 0/1234 102
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$after"
	assert_equal "$(sed -n 2p <<<"$output" | cut -f1-4)" \
		"$(printf 'B\tb\t5/ABCDEF0\t2026-01-02 03:04:05.500000+00')"
	assert_equal "$(grep '^C' <<<"$output" | cut -f2 | tr '\n' ' ')" "b a a "
	assert_equal "$(grep '^C' <<<"$output" | head -1)" "$(printf 'C\tb\t5/ABCDEF0')"
	# Applied without a group mark: written whole, no claim for b.
	assert_equal "$stderr" 'pgmesh-capture: notice: origin b, LSN 5/ABCDEF0: a relayed transaction without a group mark (applied by an older pgmesh-apply) is written whole, and claims nothing for its origin
pgmesh-capture: notice: transactions of replication origin "other" are emitted as local transactions of node a'
	assert_equal "$(grep -c '^P	b	' <<<"$output")" 0
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$after" \
		--exclude-origin b
	assert_equal "$(grep '^I' <<<"$output" | cut -f3 | tr '\n' ' ')" "101 102 "
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$after" \
		--exclude-origin a
	assert_equal "$(grep '^I' <<<"$output" | cut -f3 | tr '\n' ' ')" "100 "
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$after" \
		--exclude-origin b --exclude-origin a
	assert_equal "$output" "$(printf '#pgmesh\t1')"
	# Only this node's own rows (an outbox): not b's, and not those of
	# origin "other", which are emitted as local rows of a.
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$after" \
		--local-only
	assert_equal "$(grep '^I' <<<"$output" | cut -f3 | tr '\n' ' ')" "101 102 "
}

@test "the node name: stored by --init, checked against --node" {
	run -0 --separate-stderr pg_sql positions "SELECT current_setting('pgmesh.node')"
	assert_equal "$output" a
	run -78 --separate-stderr pgmesh-capture -d "$CONN" -S s --node b --drain
	assert_equal "$stderr" "pgmesh-capture: --node b, but this database is node a (database setting pgmesh.node)"
	run -78 --separate-stderr pgmesh-capture -d "$CONN" -S s --node b --init
	assert_equal "$stderr" "pgmesh-capture: --node b, but this database is node a (database setting pgmesh.node)"
	pg_sql positions "CREATE DATABASE other"
	run -78 --separate-stderr pgmesh-capture -d "$(pg_conninfo positions other)" -S s2 --init
	assert_equal "$stderr" "pgmesh-capture: no node name: give --node NAME, or store it in the database with --init --node NAME"
}
