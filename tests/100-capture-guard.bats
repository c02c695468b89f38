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

@test "--init without tables publishes and guards the tables there are, not later ones" {
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --init
	assert_equal "$stderr" "pgmesh-capture: notice: publishing and guarding every table of the database (3); a table created later is replicated once named with --init TABLE"
	assert_equal "$(state)" "$(printf 'free,later,pay\nt|f|f|f\ns|pgoutput\nfree,later,pay')"
	# A table created later is neither published nor left unguarded
	# while published: UPDATE works on it, and its rows are not captured.
	pg_sql guard "CREATE TABLE pay2 (id int PRIMARY KEY, v text);
		INSERT INTO pay2 VALUES (1, 'x'); UPDATE pay2 SET v = 'y'"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain
	assert_equal "$(grep -c pay2 <<<"$output")" 0
	run -0 pgmesh-capture -d "$CONN" -S s --drop
}

@test "a publication FOR ALL TABLES is refused: it would publish unguarded tables" {
	pg_sql guard "CREATE PUBLICATION everything FOR ALL TABLES"
	run -78 --separate-stderr pgmesh-capture -d "$CONN" -S s2 --node a \
		--publication everything --init pay
	assert_equal "$stderr" "pgmesh-capture: publication everything is FOR ALL TABLES, which publishes tables created later without a guard; once every consumer has caught up, run --drop, then --init naming the tables"
	pg_sql guard "DROP PUBLICATION everything"
}

@test "every partition is guarded: UPDATE, DELETE and TRUNCATE of one partition fail" {
	pg_sql guard "CREATE TABLE parted (id int, v text) PARTITION BY RANGE (id);
		CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
		CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (10) TO (20);
		INSERT INTO parted VALUES (1, 'a'), (11, 'b')"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --node a --init parted
	run -1 --separate-stderr pg_sql guard "TRUNCATE parted_1"
	assert_contains "$stderr" "pgmesh: table public.parted_1 is insert-only: TRUNCATE rejected"
	run -1 --separate-stderr pg_sql guard "UPDATE parted_2 SET v = 'c'"
	assert_contains "$stderr" "pgmesh: table public.parted_2 is insert-only: UPDATE rejected"
	run -1 --separate-stderr pg_sql guard "DELETE FROM parted WHERE id = 1"
	assert_contains "$stderr" "pgmesh: table public.parted is insert-only: DELETE rejected"
	assert_equal "$(pg_sql guard "SELECT string_agg(v, ',' ORDER BY id) FROM parted")" "a,b"
}

@test "a partition attached later, or a disabled guard: capture refuses until --init" {
	pg_sql guard "CREATE TABLE parted_3 PARTITION OF parted FOR VALUES FROM (20) TO (30)"
	run -78 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain
	assert_equal "$stderr" "pgmesh-capture: table public.parted_3 is published but its insert-only guard is missing or disabled (run pgmesh-capture --init parted)"
	assert_equal "$output" ""
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --init parted
	run -1 --separate-stderr pg_sql guard "TRUNCATE parted_3"
	assert_contains "$stderr" "TRUNCATE rejected"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain

	pg_sql guard "ALTER TABLE parted_1 DISABLE TRIGGER pgmesh_guard"
	run -78 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain
	assert_equal "$stderr" "pgmesh-capture: table public.parted_1 is published but its insert-only guard is missing or disabled (run pgmesh-capture --init parted)"
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --init parted
	run -0 --separate-stderr pgmesh-capture -d "$CONN" -S s --drain
}
