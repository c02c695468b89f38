# pgmesh-verify database mode: digests of peers holding the same rows are
# equal whatever the physical order; one extra row is found and named.
load helpers/common
bats_require_minimum_version 1.5.0

# load NAME ORDER: 200 payments, inserted in ORDER (asc or desc) of id,
# with columns created in a different order on b.
load_payments() {
	local cols="id bigint PRIMARY KEY, account_id bigint NOT NULL,
		amount numeric(12,2) NOT NULL, memo text, created_at timestamptz"
	[ "$1" = b ] && cols="memo text, created_at timestamptz,
		amount numeric(12,2) NOT NULL, id bigint PRIMARY KEY,
		account_id bigint NOT NULL"
	pg_sql "$1" "CREATE TABLE payments ($cols);
		CREATE TABLE \"Audit Log\" (k text, n int);
		INSERT INTO \"Audit Log\" VALUES ('a\tb', 1), ('a\tb', 1), (NULL, 2);
		INSERT INTO payments (id, account_id, amount, memo, created_at)
		SELECT i, i % 7, i / 100.0, CASE WHEN i % 5 = 0 THEN NULL
			ELSE 'invoice ' || i END,
			timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour'
		FROM generate_series(1, 200) i ORDER BY i $2" >/dev/null
}

setup_file() {
	pg_start a
	pg_start b "TimeZone = 'America/New_York'"
	load_payments a ASC
	load_payments b DESC
	A=$(pg_conninfo a)
	B=$(pg_conninfo b)
	export A B
}

teardown_file() {
	pg_stop_all
}

@test "the same rows in another order, other columns order, other TimeZone: equal" {
	run -0 --separate-stderr pgmesh-verify -d "$A" --digest
	local da=$output
	assert_equal "${lines[0]}" "#pgmesh-digest	1	buckets=0	keys=0	tables=all"
	assert_contains "$output" "table	public.\"Audit Log\"	3	"
	assert_contains "$output" "table	public.payments	200	"
	run -0 --separate-stderr pgmesh-verify -d "$B" --digest
	assert_equal "$output" "$da"
	run -0 --separate-stderr bash -c \
		'pgmesh-verify -d "$A" --digest | pgmesh-verify -d "$B" --compare -'
	assert_equal "$output" ""
	assert_equal "$stderr" ""
}

@test "physical order does not matter: VACUUM FULL after churn" {
	pg_sql b "BEGIN; CREATE TEMP TABLE keep AS SELECT * FROM payments
		WHERE id % 3 = 0; DELETE FROM payments WHERE id % 3 = 0;
		INSERT INTO payments SELECT * FROM keep; COMMIT" >/dev/null
	pg_sql b "VACUUM FULL payments"
	run -0 --separate-stderr bash -c 'pgmesh-verify -d "$A" --digest --buckets 16 |
		pgmesh-verify -d "$B" --compare -'
	assert_equal "$output" ""
}

@test "one extra row: the table differs, exit 1" {
	pg_sql b "INSERT INTO payments VALUES ('extra', NULL, 1.00, 1000001, 3)"
	run -1 --separate-stderr bash -c \
		'pgmesh-verify -d "$A" --digest payments | pgmesh-verify -d "$B" --compare -'
	assert_equal "$output" "public.payments: 201 rows here, 200 in stdin"
	assert_equal "$stderr" ""
}

@test "with --buckets the bucket and the key are named" {
	run -1 --separate-stderr bash -c \
		'pgmesh-verify -d "$A" --digest --buckets 16 | pgmesh-verify -d "$B" --compare -'
	assert_equal "${lines[0]}" "public.payments: 201 rows here, 200 in stdin"
	[[ ${lines[1]} =~ ^public\.payments:\ bucket\ ([0-9]+)\ of\ 16:\ ([0-9]+)\ rows\ here,\ ([0-9]+)\ in\ stdin$ ]]
	local b=${BASH_REMATCH[1]}
	[ "${BASH_REMATCH[2]}" -eq $((BASH_REMATCH[3] + 1)) ]
	assert_equal "${lines[2]}" "public.payments: bucket $b of 16: key id=1000001: only here"
	[ "${#lines[@]}" -eq 3 ]
	# The other way round, the row is only in the other digest.
	run -1 --separate-stderr bash -c \
		'pgmesh-verify -d "$B" --digest --buckets 16 | pgmesh-verify -d "$A" --compare -'
	assert_equal "${lines[2]}" "public.payments: bucket $b of 16: key id=1000001: only in stdin"
}

@test "a changed value is named by its key" {
	pg_sql b "UPDATE payments SET memo = 'changed' WHERE id = 42" >/dev/null
	pgmesh-verify -d "$A" --digest --buckets 16 >"$BATS_TEST_TMPDIR/a.digest"
	run -1 --separate-stderr pgmesh-verify -d "$B" --compare "$BATS_TEST_TMPDIR/a.digest"
	assert_contains "$output" ": key id=42: values differ"
	assert_contains "$output" "in $BATS_TEST_TMPDIR/a.digest"
}

@test "a bucket too big to list keys says so" {
	run -1 --separate-stderr bash -c 'pgmesh-verify -d "$A" --digest \
		--buckets 2 --keys 5 payments | pgmesh-verify -d "$B" --compare -'
	assert_contains "$output" "more than 5 rows in stdin, keys not listed (use more --buckets)"
}

@test "a table on one side only" {
	pg_sql b "CREATE TABLE only_b (x int); INSERT INTO only_b VALUES (1)"
	run -1 --separate-stderr bash -c \
		'pgmesh-verify -d "$A" --digest | pgmesh-verify -d "$B" --compare - only_b "\"Audit Log\""'
	assert_equal "$output" "public.only_b: only here (1 rows)"
	run -1 --separate-stderr bash -c \
		'pgmesh-verify -d "$B" --digest | pgmesh-verify -d "$A" --compare -'
	assert_contains "$output" "public.only_b: only in stdin (1 rows)"
}

@test "could not verify: no table 66, bad digest 65, no server 75" {
	run -66 --separate-stderr pgmesh-verify -d "$A" --digest nosuch
	assert_equal "$stderr" "pgmesh-verify: database postgres: no table nosuch"
	run -65 --separate-stderr pgmesh-verify -d "$A" --compare - <<<"hello"
	assert_equal "$stderr" "pgmesh-verify: stdin:1: not a pgmesh digest (the first line must start with \"#pgmesh-digest\")"
	run -75 --separate-stderr pgmesh-verify -d "host=$BATS_TEST_TMPDIR port=1" --digest
	assert_contains "$stderr" "pgmesh-verify: cannot connect: "
	run -64 --separate-stderr pgmesh-verify -d "$A" --compare - --buckets 4
	run -64 --separate-stderr pgmesh-verify -d "$A" --digest --lag
	assert_equal "$stderr" "pgmesh-verify: choose one of --digest, --compare and --lag"
}
