# pgmesh-capture: values come out exactly as PostgreSQL prints them, in
# change text's COPY escaping; T records name columns and types.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	pg_start values
	pg_sql values "CREATE TABLE v (id int PRIMARY KEY, t text, b bytea,
		n numeric, m numeric(12,2), j jsonb, a text[], ts timestamptz,
		u uuid, f boolean, d float8, i interval, dt date, c char(3));
	CREATE TABLE \"Odd Name\" (\"Key\" bigint, x varchar(5));
	CREATE TABLE big (id int, t text);"
	CONN=$(pg_conninfo values)
	export CONN
	pgmesh-capture -d "$CONN" -S s --node a --init
}

teardown_file() {
	pg_stop_all
}

# The rows of table $1 as COPY prints them in capture's session settings
# (COPY escapes \b \f \v too; no value here holds those).
copy_rows() {
	psql -X -q -At -d "$CONN" -c "SET TimeZone TO 'UTC'" \
		-c "SET DateStyle TO 'ISO'" -c "SET IntervalStyle TO 'postgres'" \
		-c "SET extra_float_digits TO 3" -c "SET bytea_output TO 'hex'" \
		-c "COPY (SELECT * FROM $1 ORDER BY 1) TO STDOUT"
}

@test "every type comes out as COPY prints it" {
	pg_sql values "INSERT INTO v VALUES
		(1, E'tab\there\nnew\rcr\\\\back \u00e9 \u65e5\u672c', '\x00ff10',
		 12.500, 7, '{\"b\": [1, 2], \"a\": \"x\"}', '{\"x y\",\"q\\\"z\",NULL}',
		 '2026-03-01 12:34:56.789+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
		 true, 0.1, '1 day 02:03:04', '2026-01-02', 'EU'),
		(2, '', NULL, 'NaN', -0.5, 'null', '{}', 'infinity', NULL, false,
		 1e300, '-3 mons', '2000-02-29', NULL)"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain
	assert_equal "$stderr" ""
	assert_equal "$(grep '^I' <<<"$output" | cut -f3-)" "$(copy_rows v)"
	assert_equal "$(sed -n 4p <<<"$output")" "$(printf 'T\tpublic.v\tid\tinteger\tt\ttext\tb\tbytea\tn\tnumeric\tm\tnumeric(12,2)\tj\tjsonb\ta\ttext[]\tts\ttimestamp with time zone\tu\tuuid\tf\tboolean\td\tdouble precision\ti\tinterval\tdt\tdate\tc\tcharacter(3)')"
	# The spellings that matter, spelled out.
	assert_contains "$output" "$(printf 'I\tpublic.v\t1\ttab\\there\\nnew\\rcr\\\\back \xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\t\\\\x00ff10\t12.500\t7.00\t{"a": "x", "b": [1, 2]}\t{"x y","q\\\\"z",NULL}\t2026-03-01 10:34:56.789+00\ta0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\tt\t0.1\t1 day 02:03:04\t2026-01-02\tEU \n')"
	assert_contains "$output" "$(printf 'I\tpublic.v\t2\t\t\\N\tNaN\t-0.50\tnull\t{}\tinfinity\t\\N\tf\t1e+300\t-3 mons\t2000-02-29\t\\N\n')"
}

@test "header first, B and C carry node, end LSN, time and xid" {
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain
	assert_equal "$(head -1 <<<"$output")" "$(printf '#pgmesh\t1')"
	# Without --after: from where the slot stands, that position.
	[[ $(sed -n 2p <<<"$output") =~ ^P$'\t'a$'\t'[0-9A-F]+/[0-9A-F]+$ ]]
	[[ $(sed -n 3p <<<"$output") =~ ^B$'\t'a$'\t'([0-9A-F]+/[0-9A-F]+)$'\t'20[0-9-]{8}\ [0-9:]{8}\.[0-9]{6}\+00$'\t'[0-9]+$ ]]
	assert_equal "$(grep '^C' <<<"$output" | head -1)" "$(printf 'C\ta\t%s' "${BASH_REMATCH[1]}")"
}

@test "quoted table names and several tables in one transaction" {
	pg_sql values "BEGIN; INSERT INTO \"Odd Name\" VALUES (1, 'a'), (2, 'b');
		INSERT INTO big VALUES (0, 'x'); INSERT INTO \"Odd Name\" VALUES (3, NULL);
		COMMIT"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain
	tail -8 <<<"$output" >"$BATS_TEST_TMPDIR/last"
	assert_equal "$(cut -f1 "$BATS_TEST_TMPDIR/last" | tr -d '\n')" "BTIITIIC"
	assert_equal "$(sed -n 2,7p "$BATS_TEST_TMPDIR/last")" "$(printf '%s\n' \
		$'T\tpublic."Odd Name"\tKey\tbigint\tx\tcharacter varying(5)' \
		$'I\tpublic."Odd Name"\t1\ta' $'I\tpublic."Odd Name"\t2\tb' \
		$'T\tpublic.big\tid\tinteger\tt\ttext' $'I\tpublic.big\t0\tx' \
		$'I\tpublic."Odd Name"\t3\t\\N')"
}

@test "a 5 MB value (TOAST) comes out whole" {
	pg_sql values "INSERT INTO big SELECT 1, string_agg(md5(i::text), '')
		FROM generate_series(1, 170000) i"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain
	grep $'^I\tpublic.big\t1\t' <<<"$output" | cut -f4 | tr -d '\n' >"$BATS_TEST_TMPDIR/value"
	assert_equal "$(wc -c <"$BATS_TEST_TMPDIR/value")" 5440000
	assert_equal "$(md5sum <"$BATS_TEST_TMPDIR/value" | cut -d' ' -f1)" \
		"$(pg_sql values "SELECT md5(t) FROM big WHERE id = 1")"
}

@test "a changed table gets a new T record before its next row, only then" {
	local after
	after=$(pg_sql values "SELECT pg_current_wal_lsn()")
	pg_sql values "INSERT INTO \"Odd Name\" VALUES (4, 'd')"
	pg_sql values "ALTER TABLE \"Odd Name\" ADD COLUMN extra numeric(5,1)"
	pg_sql values "INSERT INTO \"Odd Name\" VALUES (5, 'e', 1.5)"
	pg_sql values "INSERT INTO \"Odd Name\" VALUES (6, 'f', NULL)"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain --after "$after"
	assert_equal "$(grep -v '^[BC#P]' <<<"$output")" "$(printf '%s\n' \
		$'T\tpublic."Odd Name"\tKey\tbigint\tx\tcharacter varying(5)' \
		$'I\tpublic."Odd Name"\t4\td' \
		$'T\tpublic."Odd Name"\tKey\tbigint\tx\tcharacter varying(5)\textra\tnumeric(5,1)' \
		$'I\tpublic."Odd Name"\t5\te\t1.5' $'I\tpublic."Odd Name"\t6\tf\t\\N')"
}
