# pgmesh-apply's grants, tried as an attacker would: no rule, no rows;
# no rule reaches a system schema (a superuser login role written into
# pg_catalog.pg_authid); rules judge the table a name resolves to, however
# a stream quotes or cases it; the superuser warning.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

SU_WARNING="pgmesh-apply: warning: role postgres is a superuser: only the --allow rules guard this database (pgmesh-apply(1) says which privileges a role of its own needs)"
HINT="say which origins may insert into which tables, as in --allow 'a:public.*' (--allow '*:*' grants every table)"

setup_file() {
	pg_start dst
}

teardown_file() {
	pg_stop_all
}

setup() {
	apply_setup
	SU=$(pg_conninfo dst "t$BATS_TEST_NUMBER")
}

# one_row TABLE COLUMNS VALUES: change text of one transaction of origin bb
# inserting one row (COLUMNS: name<TAB>type pairs, VALUES tab-separated).
one_row() {
	printf '#pgmesh\t1\nP\tbb\t0/0\nB\tbb\t0/10\t2026-11-21 13:16:41.123456+00\t9\nT\t%s\t%s\nI\t%s\t%s\nC\tbb\t0/10\n' \
		"$1" "$2" "$1" "$3"
}

# A superuser login role, as a row of pg_authid.
AUTHID_COLUMNS=$'oid\toid\trolname\tname\trolsuper\tboolean\trolinherit\tboolean\trolcreaterole\tboolean\trolcreatedb\tboolean\trolcanlogin\tboolean\trolreplication\tboolean\trolbypassrls\tboolean\trolconnlimit\tinteger\trolpassword\ttext\trolvaliduntil\ttimestamp with time zone'
AUTHID_ROW=$'99999\tmallory\tt\tt\tt\tt\tt\tt\tt\t-1\t\\N\t\\N'

PAY_COLUMNS=$'id\tbigint\taccount_id\tbigint\tamount\tnumeric(12,2)\tcurrency\tcharacter(3)\tcreated_at\ttimestamp with time zone\tmemo\ttext'
PAY_ROW=$'1\t7\t1.50\tEUR\t2026-01-01 00:00:00+00\tsneaky'

payments_count() {
	sql "SELECT count(*) FROM payments"
}

mallory_exists() {
	pg_sql dst "SELECT count(*) FROM pg_roles WHERE rolname = 'mallory'"
}

@test "no --allow, no rows: apply refuses to start (64) and says what to add" {
	one_row public.payments "$PAY_COLUMNS" "$PAY_ROW" >in.txt
	run -64 --separate-stderr pgmesh-apply -d "$DB" in.txt
	assert_equal "$stderr" "pgmesh-apply: no --allow rule: $HINT"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --rejects rej.txt <in.txt
	assert_equal "$stderr" "pgmesh-apply: no --allow rule: $HINT"
	run -0 payments_count
	assert_equal "$output" "0"
	# Reading the progress writes nothing and needs no grant.
	run -0 --separate-stderr pgmesh-apply -d "$DB" --position --origin bb
	assert_equal "$output" "0/0"
	# Nor does raising a progress past a gap, which inserts nothing.
	run -64 --separate-stderr pgmesh-apply -d "$DB" --accept-gap bb:0/5 in.txt
	assert_equal "$stderr" "pgmesh-apply: no --allow rule: $HINT"
	run -0 --separate-stderr pgmesh-apply -d "$DB" --accept-gap bb:0/5
	run -0 --separate-stderr pgmesh-apply -d "$DB" --position --origin bb
	assert_equal "$output" "0/5"
}

@test "pg_catalog.pg_authid is out of reach, even of --allow '*:*' as a superuser" {
	local name
	for name in pg_catalog.pg_authid '"pg_catalog".pg_authid' \
	    'pg_catalog."pg_authid"' '"pg_catalog"."pg_authid"'; do
		one_row "$name" "$AUTHID_COLUMNS" "$AUTHID_ROW" >in.txt
		run -65 --separate-stderr pgmesh-apply -d "$SU" --allow '*:*' in.txt
		assert_contains "$stderr" "pgmesh-apply: origin bb, LSN 0/10, table $name: a system schema: no --allow rule grants it"
		run -0 mallory_exists
		assert_equal "$output" "0"
	done
}

@test "no rule reaches a system schema: pg_*, information_schema, pgmesh" {
	local schema
	sql "CREATE SCHEMA pgmesh; CREATE TABLE pgmesh.x (id int PRIMARY KEY)"
	for schema in pg_catalog information_schema pg_toast pg_toast_temp_1 \
	    pg_temp pg_temp_3 pgmesh PGMESH '"Pg_Catalog"'; do
		one_row "$schema.x" $'id\tinteger' 1 >in.txt
		run -65 --separate-stderr pgmesh-apply -d "$SU" --allow '*:*' in.txt
		assert_equal "$stderr" "$SU_WARNING
pgmesh-apply: origin bb, LSN 0/10, table $schema.x: a system schema: no --allow rule grants it"
	done
	run -0 sql "SELECT count(*) FROM pgmesh.x"
	assert_equal "$output" "0"
	# A rule that names one is a mistake, said at once.
	run -64 --separate-stderr pgmesh-apply -d "$SU" --allow 'bb:pg_catalog.*' in.txt
	assert_equal "$stderr" "pgmesh-apply: --allow bb:pg_catalog.*: a system schema, which no rule can grant"
	run -64 --separate-stderr pgmesh-apply -d "$SU" --allow 'bb:"pgmesh".x' in.txt
	assert_equal "$stderr" "pgmesh-apply: --allow bb:\"pgmesh\".x: a system schema, which no rule can grant"
}

@test "a quoted spelling of a table is judged as the table it names" {
	local name
	sql "CREATE TABLE notes (id int PRIMARY KEY)"
	# Every table of public but those starting with p.
	for name in 'public."payments"' '"public".payments' '"public"."payments"'; do
		one_row "$name" "$PAY_COLUMNS" "$PAY_ROW" >in.txt
		run -65 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:public.[!p]*' in.txt
		assert_equal "$stderr" "pgmesh-apply: origin bb, LSN 0/10, table $name: origin bb may not insert into this table (no --allow rule matches)"
		run -0 payments_count
		assert_equal "$output" "0"
	done
	one_row public.notes $'id\tinteger' 1 >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:public.[!p]*' in.txt
	# And a grant of public.payments covers every spelling of it.
	one_row '"public"."payments"' "$PAY_COLUMNS" "$PAY_ROW" | sed 's|0/10|0/20|' >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:public.payments' in.txt
	run -0 payments_count
	assert_equal "$output" "1"
}

@test "case: names are PostgreSQL's, unquoted case and all" {
	one_row public.Payments "$PAY_COLUMNS" "$PAY_ROW" >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:public.payments' in.txt
	assert_equal "$stderr" "pgmesh-apply: origin bb, LSN 0/10, table public.Payments: origin bb may not insert into this table (no --allow rule matches)"
	one_row '"PUBLIC".payments' "$PAY_COLUMNS" "$PAY_ROW" >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:public.payments' in.txt
	assert_contains "$stderr" "table \"PUBLIC\".payments: origin bb may not insert into this table"
	# A rule for "Payments" lets the row go to that table, not to payments.
	one_row public.Payments "$PAY_COLUMNS" "$PAY_ROW" >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:public.P*' in.txt
	assert_contains "$stderr" "relation \"public.Payments\" does not exist"
	run -0 payments_count
	assert_equal "$output" "0"
}

@test "dots inside quoted names never cross from schema into table" {
	sql "CREATE SCHEMA open; CREATE SCHEMA \"open.secret\";
		CREATE TABLE \"open.secret\".t (id int PRIMARY KEY);
		CREATE TABLE open.\"secret.t\" (id int PRIMARY KEY);
		GRANT USAGE ON SCHEMA open, \"open.secret\" TO pgmesh_apply;
		GRANT SELECT, INSERT ON \"open.secret\".t, open.\"secret.t\" TO pgmesh_apply"
	# open.* is every table of schema open: open."secret.t" is one, the
	# table t of schema "open.secret" is not.
	one_row '"open.secret".t' $'id\tinteger' 1 >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:open.*' in.txt
	assert_contains "$stderr" "table \"open.secret\".t: origin bb may not insert into this table"
	one_row 'open."secret.t"' $'id\tinteger' 1 >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:open.*' in.txt
	# A quoted rule names the dotted schema.
	one_row '"open.secret".t' $'id\tinteger' 2 | sed 's|0/10|0/20|' >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:"open.secret".*' in.txt
	run -0 sql "SELECT (SELECT count(*) FROM open.\"secret.t\"), (SELECT count(*) FROM \"open.secret\".t)"
	assert_equal "$output" "1|1"
	# A rule whose table part is not SCHEMA.TABLE (nor *) is refused.
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:payments' in.txt
	assert_equal "$stderr" "pgmesh-apply: --allow bb:payments: want NODE:SCHEMA.TABLE (patterns allowed; a part holding a dot in double quotes) or NODE:*"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:public.[a.b]' in.txt
	assert_contains "$stderr" "want NODE:SCHEMA.TABLE"
}

@test "--allow-file: one rule a line, comments, a bad line named" {
	sql "CREATE TABLE notes (id int PRIMARY KEY)"
	printf '# who may write here\n\n  bb:public.notes  \r\n\tcc:*\n' >allow
	one_row public.notes $'id\tinteger' 1 >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow-file allow in.txt
	one_row public.payments "$PAY_COLUMNS" "$PAY_ROW" | sed 's|0/10|0/20|' >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow-file allow in.txt
	assert_contains "$stderr" "table public.payments: origin bb may not insert into this table"
	printf 'bb:public.notes\nbb:notes\n' >bad
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow-file bad in.txt
	assert_equal "$stderr" "pgmesh-apply: bad:2: want NODE:SCHEMA.TABLE (patterns allowed; a part holding a dot in double quotes) or NODE:*"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow-file none in.txt
	assert_contains "$stderr" "pgmesh-apply: none: "
	run -0 sql "SELECT count(*) FROM notes"
	assert_equal "$output" "1"
}

@test "a superuser connection is warned about; the documented role is not" {
	one_row public.payments "$PAY_COLUMNS" "$PAY_ROW" >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$SU" --allow 'bb:public.*' in.txt
	assert_equal "$stderr" "$SU_WARNING"
	one_row public.payments "$PAY_COLUMNS" "${PAY_ROW/1/2}" | sed 's|0/10|0/20|' >in.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow 'bb:public.*' in.txt
	assert_equal "$stderr" ""
	run -0 payments_count
	assert_equal "$output" "2"
}
