# pgmesh-apply on pack streams and spool directories: the same
# transactions as change text or as a pack leave identical destinations.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

setup_file() {
	pg_start dst
}

teardown_file() {
	pg_stop_all
}

TYPES_SQL="CREATE TABLE kinds (id int PRIMARY KEY, t text, n numeric,
	b bytea, ts timestamptz, arr int[], j jsonb, f float8)"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	local db
	for db in text pack; do
		pg_sql dst "DROP DATABASE IF EXISTS $db"
		pg_sql dst "CREATE DATABASE $db"
		pg_sql dst "$db" "$PAYMENTS_SQL"
		pg_sql dst "$db" "$TYPES_SQL"
	done
}

dump() {
	pg_sql dst "$1" "SELECT * FROM kinds ORDER BY id" &&
	pg_sql dst "$1" "SELECT count(*), sum(id), sum(amount) FROM payments"
}

kinds_text() {
	printf '#pgmesh\t1\nP\ta\t0/0\n'
	printf 'B\ta\t0/5000000\t2026-11-21 13:16:41.123456+00\t9\n'
	printf 'T\tpublic.kinds\tid\tinteger\tt\ttext\tn\tnumeric\tb\tbytea\tts\ttimestamp with time zone\tarr\tinteger[]\tj\tjsonb\tf\tdouble precision\n'
	printf 'I\tpublic.kinds\t1\ttab\\there\\nnew line \\\\ back\t-12.345\t\\\\x00ff\t2026-11-21 13:16:41.5+00\t{1,2,3}\t{"k": [1, null]}\t1.5e-300\n'
	printf 'I\tpublic.kinds\t2\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n'
	printf 'I\tpublic.kinds\t3\t\tNaN\t\\\\x\tinfinity\t{}\t"\xc3\xa9t\xc3\xa9"\t-Infinity\n'
	# Longer than a COPY message: rows are cut across messages.
	printf 'I\tpublic.kinds\t4\t%s\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n' \
		"$(head -c 100000 /dev/zero | tr '\0' x)"
	printf 'C\ta\t0/5000000\n'
}

@test "change text and a pack of the same transactions leave identical destinations" {
	{ gen_payments 3000 100 a; kinds_text | tail -n +2; } >in.txt
	pgmesh-pack --frame-bytes 4096 in.txt >in.pack
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst text)" --allow '*:*' in.txt
	run -0 --separate-stderr pgmesh-apply -v -d "$(pg_conninfo dst pack)" --allow '*:*' <in.pack
	assert_contains "$stderr" "done: 31 transactions, 3004 rows, "
	run -0 dump text
	local text=$output
	assert_contains "$text" "1|tab	here"
	assert_contains "$text" "3||NaN|\\x|infinity|{}|\"été\"|-Infinity"
	run -0 dump pack
	assert_equal "$output" "$text"
	run -0 pg_sql dst pack "SELECT length(t) FROM kinds WHERE id = 4 AND t ~ '^x*$'"
	assert_equal "$output" 100000
}

# statements_counted DB: table kinds counts the INSERT or COPY statements
# that fill it, in table statements.
statements_counted() {
	pg_sql dst "$1" "CREATE TABLE statements (n int);
	CREATE FUNCTION count_statement() RETURNS trigger LANGUAGE plpgsql AS
	    'BEGIN INSERT INTO statements VALUES (1); RETURN NULL; END';
	CREATE TRIGGER counted AFTER INSERT ON kinds
	    FOR EACH STATEMENT EXECUTE FUNCTION count_statement()"
}

@test "a lone small transaction goes in by INSERT, with the values COPY gives" {
	statements_counted text
	statements_counted pack
	{ gen_payments 3000 100 a; kinds_text | tail -n +2; } >group.txt
	kinds_text >lone.txt
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst text)" --allow '*:*' group.txt
	pgmesh-pack lone.txt | run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst pack)" --allow '*:*'
	run -0 pg_sql dst text "SELECT count(*) FROM statements"
	assert_equal "$output" 1
	run -0 pg_sql dst pack "SELECT count(*) FROM statements"
	assert_equal "$output" 4
	run -0 pg_sql dst text "SELECT * FROM kinds ORDER BY id"
	local copied=$output
	run -0 pg_sql dst pack "SELECT * FROM kinds ORDER BY id"
	assert_equal "$output" "$copied"
	run -0 pgmesh-apply -d "$(pg_conninfo dst pack)" --position
	assert_equal "$output" "$(printf 'a\t0/5000000')"
}

@test "a pack applied twice changes nothing the second time" {
	gen_payments 2000 100 a | pgmesh-pack >in.pack
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst pack)" --allow '*:*' in.pack
	run -0 --separate-stderr pgmesh-apply -v -d "$(pg_conninfo dst pack)" --allow '*:*' in.pack
	assert_contains "$stderr" "done: 0 transactions, 0 rows, 0 rows/s, 20 skipped"
	run -0 pg_sql dst pack "SELECT count(*), sum(id) FROM payments"
	assert_equal "$output" "2000|2001000"
}

@test "a spool directory is applied per origin in LSN order, once" {
	mkdir spool
	gen_payments 1000 100 a | pgmesh-pack --frame-bytes 2048 | pgmesh-ship spool/ 2>/dev/null
	gen_payments 500 50 b 5001 | from_genesis | pgmesh-pack --frame-bytes 2048 | pgmesh-ship spool/ 2>/dev/null
	[ "$(find spool -name '*.pack' | wc -l)" -gt 4 ]
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst pack)" --allow '*:*' spool
	run -0 pg_sql dst pack "SELECT count(*), count(DISTINCT id), sum(id) FROM payments"
	assert_equal "$output" "1500|1500|3125750"
	run -0 pgmesh-apply -d "$(pg_conninfo dst pack)" --position
	assert_equal "$output" "$(printf 'a\t0/A0000\nb\t0/6E0000')"
	# More frames arrive; only they are applied.
	gen_payments 300 100 a 1001 | pgmesh-pack | pgmesh-ship spool/ 2>/dev/null
	run -0 --separate-stderr pgmesh-apply -v -d "$(pg_conninfo dst pack)" --allow '*:*' spool
	assert_contains "$stderr" "done: 3 transactions, 300 rows, "
	assert_contains "$stderr" " 0 skipped, 0 duplicates"
	run -0 pg_sql dst pack "SELECT count(*), count(DISTINCT id) FROM payments"
	assert_equal "$output" "1800|1800"
}

@test "files of both kinds in one run, in the order given" {
	gen_payments 100 10 a >first.txt
	gen_payments 100 10 a 101 | pgmesh-pack >second.pack
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst pack)" --allow '*:*' first.txt second.pack
	run -0 pg_sql dst pack "SELECT count(*), max(id) FROM payments"
	assert_equal "$output" "200|200"
}
