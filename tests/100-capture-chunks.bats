# pgmesh-capture --drain decodes in chunks, from a temporary copy of the
# slot, so that rows flow before the whole range is decoded: the chunks
# together must be exactly the range, once, in commit order, and neither
# the slot nor a copy may be left changed or behind.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	pg_start chunks "max_replication_slots = 4"
	pg_sql chunks "CREATE TABLE t (id int PRIMARY KEY)"
	CONN=$(pg_conninfo chunks)
	export CONN
	pgmesh-capture -d "$CONN" -S s --node a --init
	# One transaction larger than the first chunk (8192 changes), then
	# enough small ones for three chunks more.
	pg_sql chunks "INSERT INTO t SELECT generate_series(1, 20000)"
	pg_sql chunks "DO \$\$ BEGIN
		FOR i IN 0..299 LOOP
			INSERT INTO t SELECT 20001 + i * 100 + generate_series(0, 99);
			COMMIT;
		END LOOP; END \$\$"
}

teardown_file() {
	pg_stop_all
}

slots() {
	pg_sql chunks "SELECT string_agg(slot_name || ' ' || confirmed_flush_lsn,
		', ' ORDER BY slot_name) FROM pg_replication_slots"
}

# The ids of file $1's rows, one per line, as they come.
ids() {
	grep '^I' "$1" | cut -f3
}

@test "--drain in chunks: every row once, in commit order; the slot unmoved, no copy left" {
	before=$(slots)
	pgmesh-capture -d "$CONN" -S s --drain >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(grep -c '^B' "$BATS_TEST_TMPDIR/out")" 301
	diff <(ids "$BATS_TEST_TMPDIR/out") <(seq 50000)
	assert_equal "$(slots)" "$before"
	cp "$BATS_TEST_TMPDIR/out" "$BATS_FILE_TMPDIR/chunked"
}

@test "with no replication slot free for the copy, --drain decodes in one piece" {
	# max_replication_slots = 4: s and three more leave none free.
	pg_sql chunks "SELECT pg_create_physical_replication_slot('fill' || i)
		FROM generate_series(1, 3) i" >/dev/null
	run -0 --separate-stderr pgmesh-capture -v -d "$CONN" -S s --drain
	pg_sql chunks "SELECT pg_drop_replication_slot('fill' || i)
		FROM generate_series(1, 3) i" >/dev/null
	assert_contains "$stderr" "pgmesh-capture: no replication slot free for a copy of s: decoding it in one piece"
	cmp "$BATS_FILE_TMPDIR/chunked" <(printf '%s\n' "$output")
}

@test "--drain into a full disk: exit 74, the write error named, the slot unmoved" {
	before=$(slots)
	run -74 --separate-stderr bash -c \
		'pgmesh-capture -d "$CONN" -S s --drain >/dev/full'
	assert_equal "$stderr" "pgmesh-capture: write to standard output: No space left on device"
	assert_equal "$(slots)" "$before"
}
