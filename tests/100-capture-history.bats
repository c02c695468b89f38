# A node's history never forks under one name: capture --outbox proves
# that the outbox's head is a transaction this server committed, and
# refuses (78) before emitting anything when the server was restored from
# a base backup or is a standby promoted after missing commits.  The
# recovery under a new node name (pgmesh-capture(1), RECOVERY) ends with
# every peer holding the same rows: nothing any peer had is lost, the
# rows the node lost come back from its outbox, and its new transactions
# reach its peers.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

# Each test starts its clusters and stops them.
teardown() {
	pg_stop_all
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	mkdir outbox
}

# start NODE [SETTING...]: a cluster with commit timestamps and the
# payments table.
start() {
	local node=$1
	shift
	pg_start "$node" track_commit_timestamp=on "$@"
	pg_sql "$node" "$PAYMENTS_SQL"
}

# ctl NODE ACTION...: pg_ctl on NODE's data directory.
ctl() {
	local node=$1
	shift
	pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP/$node/data" \
		-l "$PG_TMP/$node/server.log" -w -s "$@" 3>&- >/dev/null
}

# backup NODE TO [OPTION...]: a base backup of NODE into PG_TMP/TO/data,
# started as NODE's data directory would be (same socket, same port).
backup() {
	local node=$1 to=$2
	shift 2
	mkdir -p "$PG_TMP/$to"
	chown postgres: "$PG_TMP/$to"
	pg_as_owner "$PG_BINDIR/pg_basebackup" -h "$PG_TMP/$node" \
		-p "$(cat "$PG_TMP/$node/port")" -U postgres -X stream \
		-D "$PG_TMP/$to/data" "$@"
}

# insert NODE FIRST LAST PER: rows FIRST..LAST in transactions of PER.
insert() {
	pg_sql "$1" "DO \$\$ BEGIN FOR lo IN $2..$3 BY $4 LOOP
		INSERT INTO payments SELECT i, i % 10007, i / 100.0, 'EUR',
		    '2026-01-01', 'row ' || i
		FROM generate_series(lo, least(lo + $4 - 1, $3)) i;
		COMMIT; END LOOP; END \$\$"
}

# out CLUSTER NAME: the node's own new transactions into the outbox.
out() {
	set -o pipefail
	pgmesh-capture -d "$(pg_conninfo "$1")" -S out --node "$2" \
		--outbox outbox --local-only --drain | pgmesh-pack |
		pgmesh-ship outbox/
}

# into CLUSTER: everything in the outbox into CLUSTER.
into() {
	pgmesh-apply -d "$(pg_conninfo "$1")" --allow '*:*' outbox/
}

digest() {
	pgmesh-verify -d "$(pg_conninfo "$1")" --digest payments
}

summary() {
	pg_sql "$1" "SELECT count(*), sum(id) FROM payments"
}

# wal_past NODE LSN: NODE's WAL has passed LSN.
wal_past() {
	[ "$(pg_sql "$1" "SELECT pg_current_wal_lsn() > '$2'")" = t ]
}

# refused CLUSTER: capture of the outbox round exits 78, emitting nothing;
# its message is left in stderr.
refused() {
	run -78 --separate-stderr pgmesh-capture -d "$(pg_conninfo "$1")" \
		-S out --outbox outbox --drain
	assert_equal "$output" ""
}

# The part every scenario shares once the node came back on another
# history as cluster NODE: new transactions, below the old head and past
# it; capture refuses before emitting anything, and keeps refusing; the
# recovery under the name a2 gets every peer to the same rows.
forked_and_recovered() {
	local node=$1 peer=$2 head
	head=$(pgmesh-ship --position --origin a outbox)
	# Its slot went with the old server: made again, before the
	# applications write again.
	pgmesh-capture -d "$(pg_conninfo "$node")" -S out --init payments
	insert "$node" 5001 5030 10
	run -1 wal_past "$node" "$head"
	insert "$node" 10001 30000 20000
	wal_past "$node" "$head"
	insert "$node" 7001 7020 10
	refused "$node"
	assert_contains "$stderr" "pgmesh-capture: outbox outbox holds node a up to LSN $head, its transaction "
	assert_contains "$stderr" "; on this server (WAL at "
	assert_contains "$stderr" "this server's history is not the one its peers hold"
	# The refusal sticks, now that the WAL is past the old head.
	refused "$node"
	assert_contains "$stderr" "(recorded in outbox/.forked-a: node a stays refused"
	# It sticks whatever the outbox becomes: with nothing of a left to
	# compare, the record still refuses, naming both histories.
	mv outbox/a outbox/.history-a .
	refused "$node"
	assert_contains "$stderr" "; on this server (WAL at "
	assert_contains "$stderr" "this server's history is not the one its peers hold"
	assert_contains "$stderr" "(recorded in outbox/.forked-a: node a stays refused"
	mv a .history-a outbox/
	# Recovery: the database becomes node a2, whose history starts where
	# the slot stands; the rows it lost come back from the outbox (a's
	# frames from its first on); its new transactions go out as a2's.
	run -0 --separate-stderr pgmesh-capture -d "$(pg_conninfo "$node")" \
		-S out --init --node a2 --rename
	run -0 --separate-stderr into "$node"
	run -0 --separate-stderr out "$node" a2
	run -0 --separate-stderr into "$peer"
	run -0 summary "$node"
	assert_equal "$output" "$(summary "$peer")"
	run -0 digest "$node"
	assert_equal "$output" "$(digest "$peer")"
	# Nothing the peer had is lost, and the node's new rows are there.
	run -0 pg_sql "$peer" "SELECT count(*) FROM payments WHERE id <= 3000 OR id BETWEEN 5001 AND 5030 OR id BETWEEN 10001 AND 30000 OR id BETWEEN 7001 AND 7020"
	assert_equal "$output" 23050
	run -0 pg_sql "$peer" "SELECT count(*) FROM payments"
	assert_equal "$output" 23050
	# The old name stays refused; a2 goes on.
	[ -f outbox/.forked-a ]
	insert "$node" 8001 8010 10
	run -0 --separate-stderr out "$node" a2
	run -0 --separate-stderr into "$peer"
	run -0 pg_sql "$peer" "SELECT count(*) FROM payments WHERE id BETWEEN 8001 AND 8010"
	assert_equal "$output" 10
}

@test "a node restored from a base backup is refused (78), and recovers as a2" {
	start a
	start b
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --init payments
	insert a 1 100 10
	out a a
	into b
	backup a restored
	insert a 101 3000 10
	out a a
	into b
	run -0 summary b
	assert_equal "$output" "3000|4501500"
	# a is restored from the backup: everything after it is gone there.
	ctl a stop -m fast
	pg_as_owner rm -rf "$PG_TMP/a/data"
	mv "$PG_TMP/restored/data" "$PG_TMP/a/data"
	ctl a start
	run -0 summary a
	assert_equal "$output" "100|5050"
	forked_and_recovered a b
}

@test "a standby promoted after missing the last commits is refused (78), and recovers as a2" {
	start a
	start b
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --init payments
	insert a 1 100 10
	out a a
	into b
	# A streaming standby of a, on a port and socket of its own.
	backup a standby -R
	mkdir -p "$PG_TMP/s"
	chown postgres: "$PG_TMP/s"
	mv "$PG_TMP/standby/data" "$PG_TMP/s/data"
	pg_free_port >"$PG_TMP/s/port"
	printf "unix_socket_directories = '%s'\nport = %s\n" "$PG_TMP/s" \
		"$(cat "$PG_TMP/s/port")" | pg_as_owner tee -a "$PG_TMP/s/data/postgresql.conf" >/dev/null
	ctl s start
	insert a 101 150 10
	wait_until 30 standby_has s 150
	# The standby stops; a commits more, which go out; a is lost.
	ctl s stop -m fast
	insert a 151 3000 10
	out a a
	into b
	ctl a stop -m immediate
	ctl s start
	ctl s promote
	run -0 summary s
	assert_equal "$output" "150|11325"
	forked_and_recovered s b
}

# copy FROM TO: the rows of payments TO lacks, from FROM's table, as
# pgmesh-capture(1) says under Recovery.
copy() {
	set -o pipefail
	psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_conninfo "$1")" \
		-c '\copy payments TO STDOUT' |
		psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_conninfo "$2")" \
			-c 'CREATE TEMP TABLE lost (LIKE payments)' \
			-c '\copy lost FROM pstdin' \
			-c 'INSERT INTO payments SELECT * FROM lost ON CONFLICT DO NOTHING'
}

@test "a restored node whose lost frames were pruned everywhere gets its rows from a peer's table" {
	start a
	start b
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --init payments
	insert a 1 100 10
	out a a
	backup a restored
	insert a 101 3000 10
	out a a
	# b applies the outbox and prunes it: no frame of a is left anywhere.
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo b)" --allow '*:*' --prune outbox
	run -0 find outbox/a -name '*.pack'
	assert_equal "$output" ""
	ctl a stop -m fast
	pg_as_owner rm -rf "$PG_TMP/a/data"
	mv "$PG_TMP/restored/data" "$PG_TMP/a/data"
	ctl a start
	# One transaction before the slot is made again: in no stream.
	insert a 4001 4010 10
	pgmesh-capture -d "$(pg_conninfo a)" -S out --init payments
	insert a 5001 5030 10
	# What capture noted of the pruned head proves the fork.
	run -78 --separate-stderr pgmesh-capture -d "$(pg_conninfo a)" -S out \
		--outbox outbox --drain
	assert_equal "$output" ""
	assert_contains "$stderr" "this server's history is not the one its peers hold"
	run -0 --separate-stderr pgmesh-capture -d "$(pg_conninfo a)" -S out \
		--init --node a2 --rename
	# The rows a lost, from b's table; they go out as a2's, duplicates at b.
	run -0 --separate-stderr copy b a
	run -0 summary a
	assert_equal "$output" "3040|$(( 3000 * 3001 / 2 + 5 * (4001 + 4010) + 15 * (5001 + 5030) ))"
	run -0 --separate-stderr out a a2
	run -0 --separate-stderr into b
	run -0 pg_sql b "SELECT count(*) FROM payments WHERE id BETWEEN 5001 AND 5030"
	assert_equal "$output" 30
	# The digests differ by the rows committed before the slot; b gets
	# them from a's table.
	run -0 digest a
	local want=$output
	run -0 digest b
	[ "$output" != "$want" ]
	run -0 --separate-stderr copy a b
	run -0 digest b
	assert_equal "$output" "$want"
	run -0 summary b
	assert_equal "$output" "$(summary a)"
}

@test "an outbox that holds nothing of a node with a history proves nothing: 78" {
	start a
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --init payments
	insert a 1 10 10
	run -0 --separate-stderr out a a
	insert a 11 20 10
	# The second round confirms the first's head to the slot.
	run -0 --separate-stderr out a a
	insert a 21 30 10
	# The outbox is lost: a new one holds nothing of a.
	mv outbox lost
	mkdir outbox
	run -78 --separate-stderr pgmesh-capture -d "$(pg_conninfo a)" -S out \
		--outbox outbox --drain
	assert_equal "$output" ""
	assert_contains "$stderr" "pgmesh-capture: outbox outbox holds nothing of node a, whose history began at LSN "
	assert_contains "$stderr" " and whose slot stands at "
	assert_contains "$stderr" "capture cannot prove where its peers stand"
	[ ! -e outbox/.forked-a ]
	# The outbox found again: capture goes on after its head.
	rm -r outbox
	mv lost outbox
	run -0 --separate-stderr out a a
	run -0 --separate-stderr pgmesh-pack -d outbox/a/*.pack
	run -0 grep -c '^B	a	' <<<"$output"
	assert_equal "$output" 3
}

standby_has() {
	[ "$(pg_sql "$1" "SELECT count(*) FROM payments")" = "$2" ]
}

@test "a head whose frame was pruned is proven by what capture noted; without either, 78" {
	start a
	start b
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --init payments
	insert a 1 100 10
	out a a
	# b applies the outbox and prunes it of what it holds: every frame.
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo b)" --allow '*:*' --prune outbox
	run -0 find outbox/a -name '*.pack'
	assert_equal "$output" ""
	insert a 101 110 10
	run -0 --separate-stderr out a a
	run -0 summary a
	assert_equal "$output" "110|6105"
	# What capture noted goes: nothing names the head any more.
	pgmesh-apply -d "$(pg_conninfo b)" --allow '*:*' --prune outbox
	rm outbox/.history-a
	run -78 --separate-stderr pgmesh-capture -d "$(pg_conninfo a)" -S out \
		--outbox outbox --drain
	assert_contains "$stderr" "pgmesh-capture: outbox outbox holds node a up to LSN "
	assert_contains "$stderr" ", but neither its frame nor outbox/.history-a names that transaction: capture cannot prove it is of this server's history"
	assert_equal "$output" ""
}

@test "without commit timestamps capture cannot prove its history: 78" {
	pg_start a
	pg_sql a "$PAYMENTS_SQL"
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --init payments
	insert a 1 10 10
	# An empty outbox proves nothing and needs nothing.
	run -0 --separate-stderr out a a
	insert a 11 20 10
	run -78 --separate-stderr pgmesh-capture -d "$(pg_conninfo a)" -S out \
		--outbox outbox --drain
	assert_equal "$stderr" "pgmesh-capture: track_commit_timestamp is off: capture cannot prove that the outbox's position is a point of this server's history (set track_commit_timestamp = on and restart the server)"
	assert_equal "$output" ""
}
