# A running network (two peers and a hub with its own database, cron-style
# rounds, load on both peers) grows while the load goes on: a third peer
# joins by examples/pgmesh-join.sh, then a table is added to the network
# by the procedure of pgmesh(7).  Once quiet, every database holds the same
# rows, none missing or doubled, and the new peer's progress per origin
# equals its peers'.
#
# The rounds run one after the other in the background, as cron would run
# them; the tests wait for a number of rounds, never for a time.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	for node in a b c h; do
		pg_start "$node" track_commit_timestamp=on
		pg_sql "$node" "$(cat "$BATS_TEST_DIRNAME/../examples/schema.sql")"
	done
	for node in a b; do
		pgmesh-capture -d "$(pg_conninfo "$node")" -S outbox --node "$node" --init payments
	done
	# The grants every database gives, the examples' PGMESH_ALLOW file.
	printf '# every node of the mesh, its payments only\n*:public.payments\n' >allow
	echo "a=$PWD/a/inbox b=$PWD/b/inbox" >dests
}

teardown_file() {
	[ ! -e load.pid ] || kill "$(cat load.pid)" 2>/dev/null || true
	pg_stop_all
}

setup() {
	cd "$BATS_FILE_TMPDIR"
	rm -f stop failed
}

# insert NODE TABLE: ten rows taken at NODE, in one transaction, counted
# in inserted.TABLE.NODE once committed.
insert() {
	case $2 in
	payments) pg_sql "$1" "INSERT INTO payments (node, account_id, amount, currency)
		SELECT '$1', i, i / 100.0, 'EUR' FROM generate_series(1, 10) i" ;;
	refunds) pg_sql "$1" "INSERT INTO refunds (node, payment_id, amount)
		SELECT '$1', i, -i / 100.0 FROM generate_series(1, 10) i" ;;
	esac >/dev/null && echo >>"inserted.$2.$1"
}

peer() {
	PGMESH_NODE=$1 PGMESH_DB=$(pg_conninfo "$1") PGMESH_HUB="hub=$PWD/hub" \
		PGMESH_SPOOL=$PWD/$1 PGMESH_ALLOW=$PWD/allow \
		"$BATS_TEST_DIRNAME/../examples/pgmesh-peer.sh"
}

# The hub's destinations are read each round: c is added while it runs.
hub() {
	PGMESH_DB=$(pg_conninfo h) PGMESH_SPOOL=$PWD/hub PGMESH_ALLOW=$PWD/allow \
		PGMESH_DESTS="$(cat dests)" \
		"$BATS_TEST_DIRNAME/../examples/pgmesh-hub.sh"
}

# One cron-style round of every node that runs, 75 (a gap, wait) being
# fine; the hub notes each round it ran with c among its destinations.
round() {
	local node status had_c=0
	for node in a b c; do
		[ "$node" != c ] || [ -e c-joined ] || continue
		status=0
		peer "$node" 2>>rounds.log || status=$?
		[ "$status" -eq 0 ] || [ "$status" -eq 75 ] || return "$status"
	done
	grep -q ' c=' dests && had_c=1
	status=0
	hub 2>>rounds.log || status=$?
	[ "$status" -eq 0 ] || [ "$status" -eq 75 ] || return "$status"
	((had_c == 0)) || touch hub-serves-c
}

# Until told to stop: load on a and b (payments, and refunds on each
# node once its capture publishes them), rounds of the network.
background() {
	local node
	while [ ! -e stop ]; do
		for node in a b; do
			insert "$node" payments
			[ ! -e "refunds-published.$node" ] || insert "$node" refunds
		done
		round || { echo "round failed: $?" >failed; return 1; }
		echo >>rounds.done
	done
}

start_load() {
	background &
	echo $! >load.pid
}

stop_load() {
	touch stop
	wait "$(cat load.pid)"
	rm load.pid
}

rounds() {
	[ -e rounds.done ] || { echo 0; return; }
	wc -l <rounds.done
}

# wait_rounds N: until the background has run N rounds (or failed).
rounds_past() {
	[ -e failed ] || [ "$(rounds)" -ge "$1" ]
}
wait_rounds() {
	wait_until 600 rounds_past "$1"
	[ ! -e failed ] || { cat failed rounds.log; false; }
}

# A quiet network: a few rounds carry everything everywhere.
quiesce() {
	stop_load
	for _ in 1 2 3; do round; done
}

# rows TABLE NODE: per origin, rows, distinct keys and the sum of the keys.
rows() {
	pg_sql "$2" "SELECT node, count(*), count(DISTINCT id), sum(id) FROM $1 GROUP BY 1 ORDER BY 1"
}

# inserted TABLE NODE: rows NODE committed into TABLE.
inserted() {
	[ -e "inserted.$1.$2" ] || { echo 0; return; }
	echo $(($(wc -l <"inserted.$1.$2") * 10))
}

position() {
	pgmesh-apply -d "$(pg_conninfo "$1")" --position --origin "$2"
}

# same_everywhere TABLE: every database holds what was inserted, once.
same_everywhere() {
	local node origin all
	for origin in a b; do
		run -0 pg_sql h "SELECT count(*), count(DISTINCT id) FROM $1 WHERE node = '$origin'"
		assert_equal "$1 of $origin at h: $output" "$1 of $origin at h: $(inserted "$1" "$origin")|$(inserted "$1" "$origin")"
	done
	run -0 rows "$1" h
	all=$output
	for node in a b c; do
		run -0 rows "$1" "$node"
		assert_equal "$1 at $node: $output" "$1 at $node: $all"
	done
}

@test "a third peer joins by a snapshot of the hub while both peers take payments" {
	start_load
	wait_rounds 3
	# The procedure: c among the hub's destinations first, and a hub
	# round since; then the snapshot, then c's own rounds.
	echo "a=$PWD/a/inbox b=$PWD/b/inbox c=$PWD/c/inbox" >dests
	wait_until 600 test -e hub-serves-c
	run -0 --separate-stderr env PGMESH_NODE=c PGMESH_DB="$(pg_conninfo c)" \
		PGMESH_HUB="hub=$PWD/hub" PGMESH_SPOOL="$PWD/c" PGMESH_ALLOW="$PWD/allow" \
		PGMESH_SOURCE_NODE=h PGMESH_SOURCE_DB="$(pg_conninfo h)" \
		"$BATS_TEST_DIRNAME/../examples/pgmesh-join.sh"
	assert_contains "$stderr" "pgmesh-apply: snapshot of h: "
	touch c-joined
	# The load goes on across the join: rounds after it carry c on.
	wait_rounds $(($(rounds) + 3))
	quiesce
	same_everywhere payments
	for origin in a b; do
		run -0 position c "$origin"
		assert_equal "$origin at c: $output" "$origin at c: $(position h "$origin")"
	done
	run -0 position c b
	assert_equal "$output" "$(position a b)"
	run -0 position c a
	assert_equal "$output" "$(position b a)"
}

@test "a table added to the running network: --init it everywhere, one node's snapshot of it on the others" {
	[ -e c-joined ] || skip "needs the third peer of the test before"
	# Rows of refunds that a took before the table joined the network.
	for node in a b c h; do
		pg_sql "$node" "CREATE TABLE refunds (node text NOT NULL, id bigserial NOT NULL,
			payment_id bigint NOT NULL, amount numeric(12,2) NOT NULL,
			PRIMARY KEY (node, id))"
	done
	insert a refunds
	insert a refunds
	echo '*:public.refunds' >>allow
	start_load
	wait_rounds $(($(rounds) + 1))
	# --init on every captured node; each inserts into refunds from then.
	for node in a b c; do
		run -0 pgmesh-capture -d "$(pg_conninfo "$node")" -S outbox --init refunds
		touch "refunds-published.$node"
	done
	wait_rounds $(($(rounds) + 1))
	run -0 --separate-stderr pgmesh-capture -d "$(pg_conninfo a)" --snapshot public.refunds
	echo "$output" >refunds.snapshot
	run -0 grep -c '^I	public.refunds	a	' refunds.snapshot
	[ "$output" -ge 20 ]
	for node in b c h; do
		run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo "$node")" \
			--allow-file allow --snapshot-from a refunds.snapshot
	done
	wait_rounds $(($(rounds) + 3))
	quiesce
	same_everywhere refunds
	same_everywhere payments
	run -0 pg_sql c "SELECT count(*) FROM refunds WHERE node = 'a'"
	assert_equal "$output" "$(inserted refunds a)"
}
