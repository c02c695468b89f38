# pgmesh-pack on capture's real output: what a real database produced
# survives pack | pack -d byte for byte.
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	[ -x "$PGMESH_BIN/pgmesh-capture" ] || return 0
	pg_start cap
	pg_sql cap "CREATE TABLE payments (id bigint PRIMARY KEY,
	    amount numeric(12,2), memo text, paid_at timestamptz, data bytea,
	    tags text[]);
	CREATE TABLE \"Odd Name\" (\"Key\" int, \"v a l\" text);"
}

teardown_file() {
	pg_stop_all
}

@test "round trip of capture's real output" {
	[ -x "$PGMESH_BIN/pgmesh-capture" ] ||
		skip "bin/pgmesh-capture is not built (issue: capture)"
	local db
	db=$(pg_conninfo cap)
	pgmesh-capture -d "$db" --node a --slot pack_test --init
	pg_sql cap "INSERT INTO payments SELECT i, i / 100.0,
	    CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN E'tab\there'
	    WHEN 3 THEN E'new\nline \\\\ back' ELSE repeat('long ', 2000) END,
	    timestamptz '2026-01-01' + i * interval '1 minute',
	    decode(lpad(to_hex(i), 8, '0'), 'hex'), ARRAY['a', NULL, 'c d']
	    FROM generate_series(1, 500) i"
	pg_sql cap "INSERT INTO \"Odd Name\" VALUES (1, 'x'), (2, NULL)"
	pg_sql cap "INSERT INTO payments (id, memo) VALUES (1000, 'caf\u00e9')"
	pgmesh-capture -d "$db" --node a --slot pack_test --drain >"$BATS_TEST_TMPDIR/cap.txt"
	[ "$(grep -c '^C' "$BATS_TEST_TMPDIR/cap.txt")" -eq 3 ]
	# Its continuity claim, before its first transaction, survives too.
	[[ $(sed -n 2p "$BATS_TEST_TMPDIR/cap.txt") == P$'\t'a$'\t'* ]]
	pgmesh-pack --frame-bytes 64K <"$BATS_TEST_TMPDIR/cap.txt" >"$BATS_TEST_TMPDIR/cap.pack"
	cmp "$BATS_TEST_TMPDIR/cap.txt" <(pgmesh-pack -d "$BATS_TEST_TMPDIR/cap.pack")
}
