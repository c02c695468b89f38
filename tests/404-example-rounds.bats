# The rounds of examples/, run as written (only their settings differ:
# the hub's spool is a local folder): two peers and a hub with its own
# database.  Nothing is lost, every database ends with every row, and
# every spool is pruned to nothing once every consumer holds everything.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	for node in a b h; do
		pg_start "$node" track_commit_timestamp=on
		pg_sql "$node" "$(cat "$BATS_TEST_DIRNAME/../examples/schema.sql")"
	done
	for node in a b; do
		pgmesh-capture -d "$(pg_conninfo "$node")" -S outbox --node "$node" --init payments
	done
}

teardown_file() {
	pg_stop_all
}

setup() {
	cd "$BATS_FILE_TMPDIR"
}

# insert NODE N: N payments taken at NODE, ten per transaction.
insert() {
	pg_sql "$1" "DO \$\$ BEGIN FOR k IN 1..$2 / 10 LOOP
		INSERT INTO payments (node, account_id, amount, currency)
		SELECT '$1', i, i / 100.0, 'EUR' FROM generate_series(1, 10) i;
		COMMIT; END LOOP; END \$\$"
}

# The grants each database gives, as the examples' PGMESH_ALLOW file.
allow_file() {
	printf '# every node of the mesh, its payments only\n*:public.payments\n' >"$PWD/allow"
	echo "$PWD/allow"
}

peer() {
	PGMESH_NODE=$1 PGMESH_DB=$(pg_conninfo "$1") PGMESH_HUB="hub=$PWD/hub" \
		PGMESH_SPOOL=$PWD/$1 PGMESH_ALLOW=$(allow_file) \
		"$BATS_TEST_DIRNAME/../examples/pgmesh-peer.sh"
}

hub() {
	PGMESH_DB=$(pg_conninfo h) PGMESH_SPOOL=$PWD/hub PGMESH_ALLOW=$(allow_file) \
		PGMESH_DESTS="a=$PWD/a/inbox b=$PWD/b/inbox" \
		"$BATS_TEST_DIRNAME/../examples/pgmesh-hub.sh"
}

rows() {
	pg_sql "$1" "SELECT node, count(*), sum(id) FROM payments GROUP BY 1 ORDER BY 1"
}

frames() {
	find "$@" -name '*.pack' | wc -l
}

@test "three rounds of the example scripts: every row everywhere, then spools empty" {
	local round
	for round in 1 2 3; do
		insert a 30
		insert b 20
		run -0 --separate-stderr peer a
		run -0 --separate-stderr peer b
		run -0 --separate-stderr hub
		# The hub's database holds each round's rows as soon as its
		# round ran: applied before anything is pruned.
		run -0 rows h
		assert_equal "$output" "$(printf 'a|%d|%d\nb|%d|%d' \
			$((round * 30)) $((round * 30 * (round * 30 + 1) / 2)) \
			$((round * 20)) $((round * 20 * (round * 20 + 1) / 2)))"
	done
	# The peers apply what the hub forwarded; one more round of each
	# tells every spool what its consumers hold.
	run -0 --separate-stderr peer a
	run -0 --separate-stderr peer b
	run -0 --separate-stderr hub
	run -0 rows h
	local all=$output
	assert_equal "$all" "$(printf 'a|90|4095\nb|60|1830')"
	run -0 rows a
	assert_equal "$output" "$all"
	run -0 rows b
	assert_equal "$output" "$all"
	run -0 frames hub a/inbox b/inbox a/outbox b/outbox
	assert_equal "$output" 0
}
