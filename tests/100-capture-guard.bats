# pgmesh-capture --init and --drop: publication, slot, insert-only guard.
bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	pg_start guard
	pg_sql guard "CREATE TABLE pay (id int PRIMARY KEY, v text);
		CREATE TABLE free (id int); CREATE TABLE later (id int)"
	CONN=$(pg_conninfo guard)
	export CONN
}

teardown_file() {
	pg_stop_all
}

# What --init made: publication tables, slot plugin, guarded tables.
state() {
	pg_sql guard "SELECT string_agg(tablename, ',' ORDER BY tablename)
		FROM pg_publication_tables WHERE pubname = 'pgmesh'"
	pg_sql guard "SELECT pubinsert, pubupdate, pubdelete, pubtruncate
		FROM pg_publication WHERE pubname = 'pgmesh'"
	pg_sql guard "SELECT slot_name, plugin FROM pg_replication_slots"
	pg_sql guard "SELECT string_agg(tgrelid::regclass::text, ',' ORDER BY tgrelid::regclass::text)
		FROM pg_trigger WHERE tgname = 'pgmesh_guard'"
}

@test "--init makes publication, slot and guard; again changes nothing" {
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --node a --init pay
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	before=$(state)
	assert_equal "$before" "$(printf 'pay\nt|f|f|f\ns|pgoutput\npay')"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --node a --init pay
	assert_equal "$stderr" ""
	assert_equal "$(state)" "$before"
}

@test "--init with another table adds it to the publication and guards it" {
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --init public.later
	assert_equal "$(state)" "$(printf 'later,pay\nt|f|f|f\ns|pgoutput\nlater,pay')"
	run -78 --separate-stderr pgmesh-capture -d "$CONN" -S s --init nosuch
	assert_equal "$stderr" "pgmesh-capture: no table nosuch"
}

@test "UPDATE, DELETE and TRUNCATE on a guarded table fail naming pgmesh and the table" {
	pg_sql guard "INSERT INTO pay VALUES (1, 'x')"
	run -1 --separate-stderr pg_sql guard "UPDATE pay SET v = 'y'"
	assert_contains "$stderr" "ERROR:  pgmesh: table public.pay is insert-only: UPDATE rejected"
	run -1 --separate-stderr pg_sql guard "DELETE FROM pay"
	assert_contains "$stderr" "ERROR:  pgmesh: table public.pay is insert-only: DELETE rejected"
	run -1 --separate-stderr pg_sql guard "TRUNCATE pay"
	assert_contains "$stderr" "ERROR:  pgmesh: table public.pay is insert-only: TRUNCATE rejected"
	assert_equal "$(pg_sql guard "SELECT v FROM pay")" x
	# A table outside the publication is not guarded.
	pg_sql guard "INSERT INTO free VALUES (1); UPDATE free SET id = 2; DELETE FROM free"
}

@test "--drop removes slot, guard and publication; again succeeds" {
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drop
	assert_equal "$stderr" ""
	assert_equal "$(state)" "$(printf '\n\n')"
	pg_sql guard "UPDATE pay SET v = 'z'"
	assert_equal "$(pg_sql guard "SELECT count(*) FROM pg_proc WHERE proname = 'guard'")" 0
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drop
	assert_equal "$stderr" ""
}

@test "--init without tables publishes and guards all tables" {
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --init
	assert_equal "$(state)" "$(printf 'free,later,pay\nt|f|f|f\ns|pgoutput\nfree,later,pay')"
}
