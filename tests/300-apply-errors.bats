# pgmesh-apply: duplicates, conflicts, grants and bad rows: each named with
# origin, LSN, table and key; everything before a failing transaction
# applied, nothing of it; --rejects to go on; rerunning after a fix
# resumes exactly there.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

setup_file() {
	pg_start dst
}

teardown_file() {
	pg_stop_all
}

setup() {
	apply_setup
}

# refused MESSAGE: apply of in.txt stops with status 65 and MESSAGE, and
# the table is still empty.
refused() {
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	assert_contains "$stderr" "$1"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "0"
}

# Three transactions of origin a (ids 1-10, 11-20, 21-30; LSNs 0/10000,
# 0/20000, 0/30000), the row of id 15 edited with sed expression $1.
broken_second() {
	gen_payments 30 10 a | sed "/^I\tpublic.payments\t15\t/$1"
}

@test "rows identical to existing ones are duplicates: counted and skipped" {
	gen_payments 30 10 a >a.txt
	gen_payments 40 10 b >b.txt
	pgmesh-apply -d "$DB" --allow '*:*' a.txt 2>/dev/null
	run -0 --separate-stderr pgmesh-apply -v -d "$DB" --allow '*:*' b.txt
	assert_contains "$stderr" "done: 4 transactions, 10 rows, "
	assert_contains "$stderr" " 0 skipped, 30 duplicates, 0 rejected"
	run -0 sql "SELECT count(*), count(DISTINCT id), sum(id) FROM payments"
	assert_equal "$output" "40|40|820"
	run -0 pgmesh-apply -d "$DB" --position --origin b
	assert_equal "$output" "0/40000"
}

@test "the same key with different values is a conflict: status 65, nothing of it" {
	gen_payments 30 10 a >a.txt
	gen_payments 30 10 c 31 | from_genesis | sed 's/^I\tpublic.payments\t45\t/I\tpublic.payments\t5\t/' >c.txt
	pgmesh-apply -d "$DB" --allow '*:*' a.txt 2>/dev/null
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' c.txt
	assert_equal "$stderr" "pgmesh-apply: origin c, LSN 0/50000, table public.payments: duplicate key with different values (id=5)"
	run -0 sql "SELECT count(*), max(id) FROM payments"
	assert_equal "$output" "40|40"
	run -0 sql "SELECT memo FROM payments WHERE id = 5"
	assert_equal "$output" "invoice 5"
	run -0 pgmesh-apply -d "$DB" --position --origin c
	assert_equal "$output" "0/40000"
}

@test "--rejects writes the failing transaction as change text and goes on" {
	gen_payments 30 10 a >a.txt
	gen_payments 30 10 c 31 | from_genesis | sed 's/^I\tpublic.payments\t45\t/I\tpublic.payments\t5\t/' >c.txt
	pgmesh-apply -d "$DB" --allow '*:*' a.txt 2>/dev/null
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --rejects rej.txt c.txt
	assert_equal "$stderr" "pgmesh-apply: warning: origin c, LSN 0/50000, table public.payments: duplicate key with different values (id=5); rejected"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "50"
	# The rejects file holds exactly that transaction, and is change text.
	run -0 grep -c '^I' rej.txt
	assert_equal "$output" "10"
	run -0 grep '^[BC#]' rej.txt
	assert_equal "$output" "$(printf '#pgmesh\t1\nB\tc\t0/50000\t2026-11-21 13:16:41.123456+00\t705\nC\tc\t0/50000')"
	run -0 pgmesh-apply -d "$DB" --position --origin c
	assert_equal "$output" "0/60000"
	# After deleting the old row, --replay applies the rejects file,
	# although the origin's progress is past it, and leaves the progress.
	sql "DELETE FROM payments WHERE id = 5"
	run -0 --separate-stderr pgmesh-apply -v -d "$DB" --allow '*:*' rej.txt
	assert_contains "$stderr" "done: 0 transactions, 0 rows, 0 rows/s, 1 skipped"
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --replay rej.txt
	run -0 pgmesh-apply -d "$DB" --position --origin c
	assert_equal "$output" "0/60000"
	run -0 sql "SELECT count(*), account_id FROM payments WHERE id = 5 GROUP BY 2"
	assert_equal "$output" "1|45"
}

@test "--rejects refuses to write through a symbolic link planted in its place" {
	gen_payments 30 10 a >a.txt
	gen_payments 30 10 c 31 | from_genesis | sed 's/^I\tpublic.payments\t45\t/I\tpublic.payments\t5\t/' >c.txt
	pgmesh-apply -d "$DB" --allow '*:*' a.txt 2>/dev/null
	echo "precious" >victim
	ln -s victim rej.txt
	run -73 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --rejects rej.txt c.txt
	assert_equal "$stderr" "pgmesh-apply: rej.txt: is a symbolic link; refusing to write through it"
	run -0 cat victim
	assert_equal "$output" "precious"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "30"
}

@test "--rejects creates its file private (0600)" {
	gen_payments 10 10 z >z.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow 'a:*' --rejects rej.txt z.txt
	run -0 stat -c %a rej.txt
	assert_equal "$output" "600"
}

@test "control characters and bytes that are not UTF-8 are escaped in messages" {
	sql "CREATE TABLE codes (code text PRIMARY KEY, what text)"
	sql "INSERT INTO codes VALUES (E'k\\x1b[2J\\x07\\x01', 'old')"
	{
		printf '#pgmesh\t1\nP\ta\t0/0\nB\ta\t0/10000\t2026-11-21 13:16:41.123456+00\t701\n'
		printf 'T\tpublic.codes\tcode\ttext\twhat\ttext\n'
		printf 'I\tpublic.codes\tk\033[2J\a\001\tnew\n'
		printf 'C\ta\t0/10000\n'
		printf 'B\ta\t0/20000\t2026-11-21 13:16:41.123456+00\t702\n'
		printf 'T\tpublic.co\377des\tcode\ttext\n'
		printf 'I\tpublic.co\377des\tx\n'
		printf 'C\ta\t0/20000\n'
	} >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	assert_equal "$stderr" 'pgmesh-apply: origin a, LSN 0/10000, table public.codes: duplicate key with different values (code=k\x1B[2J\x07\x01)'
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --rejects rej.txt in.txt
	assert_contains "$stderr" 'table public.co\xFFdes: '
	# No byte of stderr is a control character other than its newlines,
	# nor anything but UTF-8.
	run -1 grep -qP '[\x00-\x09\x0b-\x1f\x7f]' <<<"$stderr"
	run -0 iconv -f UTF-8 -t UTF-8 <<<"$stderr"
}

@test "after a lone transaction fails, the next lone ones still go in by INSERT" {
	# Id 2 is taken with other values: the first transaction conflicts.
	sql "INSERT INTO payments VALUES (2, 0, 0, 'EUR', now(), 'other');
	     CREATE TABLE statements (n int);
	     CREATE FUNCTION count_statement() RETURNS trigger LANGUAGE plpgsql
	         AS 'BEGIN INSERT INTO statements VALUES (1); RETURN NULL; END';
	     CREATE TRIGGER counted AFTER INSERT ON payments
	         FOR EACH STATEMENT EXECUTE FUNCTION count_statement()"
	gen_payments 3 3 a >first.txt
	gen_payments 3 3 a 4 | tail -n +2 >second.txt
	mkfifo in.fifo
	pgmesh-apply -d "$DB" --allow '*:*' --rejects rej.txt <in.fifo 2>err.txt &
	local pid=$!
	exec 4>in.fifo
	cat first.txt >&4
	wait_until 10 grep -qs '^C' rej.txt
	cat second.txt >&4
	exec 4>&-
	wait "$pid"
	run -0 sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM payments"
	assert_equal "$output" "2,4,5,6"
	# One statement per row: the second went in by its prepared INSERT.
	run -0 sql "SELECT count(*) FROM statements"
	assert_equal "$output" "3"
}

@test "a transaction touching a table outside its origin's grant is rejected whole" {
	sql "CREATE SCHEMA audit; CREATE TABLE audit.log (id int PRIMARY KEY, what text);
		GRANT USAGE ON SCHEMA audit TO pgmesh_apply;
		GRANT SELECT, INSERT ON audit.log TO pgmesh_apply"
	{
		gen_payments 10 10 b
		gen_payments 10 10 b 11 | tail -n +2 | sed '/^C/i\
T\taudit.log\tid\tinteger\twhat\ttext\
I\taudit.log\t1\tsneaky'
		gen_payments 10 10 b 21 | tail -n +2
	} >b.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow 'a:*' --allow 'b:public.*' b.txt
	assert_equal "$stderr" "pgmesh-apply: origin b, LSN 0/20000, table audit.log: origin b may not insert into this table (no --allow rule matches)"
	run -0 sql "SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM audit.log)"
	assert_equal "$output" "10|0"
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow 'b:public.*' --allow '*:audit.l?g' b.txt
	run -0 sql "SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM audit.log)"
	assert_equal "$output" "30|1"
}

@test "an origin without any rule is refused; with --rejects it goes on" {
	gen_payments 20 10 z >z.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow 'a:*' z.txt
	assert_equal "$stderr" "pgmesh-apply: origin z, LSN 0/10000, table public.payments: origin z may not insert into this table (no --allow rule matches)"
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow 'a:*' --rejects rej.txt z.txt
	run -0 grep -c '^B' rej.txt
	assert_equal "$output" "2"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "0"
	run -0 pgmesh-apply -d "$DB" --position --origin z
	assert_equal "$output" "0/20000"
}

@test "a missing table is named, status 65" {
	gen_payments 10 10 a | sed 's/public\.payments/public.nosuch/' >in.txt
	refused "pgmesh-apply: origin a, LSN 0/10000, table public.nosuch: relation \"public.nosuch\" does not exist"
}

@test "a missing column is named, status 65" {
	gen_payments 10 10 a | sed 's/\tmemo\ttext$/\tmemo\ttext\tnote\ttext/; s/^I.*/&\tx/' >in.txt
	refused "pgmesh-apply: origin a, LSN 0/10000, table public.payments: column \"note\" of relation \"payments\" does not exist"
}

@test "NULL into NOT NULL names the row; a rerun after the fix resumes there" {
	broken_second 's/\t0\.15\t/\t\\N\t/' >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	assert_equal "$stderr" "pgmesh-apply: origin a, LSN 0/20000, table public.payments: null value in column \"amount\" of relation \"payments\" violates not-null constraint (id=15)"
	run -0 sql "SELECT count(*), max(id) FROM payments"
	assert_equal "$output" "10|10"
	sql "ALTER TABLE payments ALTER amount DROP NOT NULL"
	run -0 --separate-stderr pgmesh-apply -v -d "$DB" --allow '*:*' in.txt
	assert_contains "$stderr" "done: 2 transactions, 20 rows, "
	assert_contains "$stderr" " 1 skipped, 0 duplicates"
	run -0 sql "SELECT count(*), count(amount) FROM payments"
	assert_equal "$output" "30|29"
}

@test "a value the column type rejects names the row, status 65" {
	broken_second 's/\t0\.15\t/\tabc\t/' >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --group 1000 in.txt
	assert_contains "$stderr" "pgmesh-apply: origin a, LSN 0/20000, table public.payments: invalid input syntax for type numeric: \"abc\" (id=15)"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "10"
	run -0 pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "0/10000"
}

@test "a NUL byte in a value is refused whole, never cut short" {
	gen_payments 1 1 a | sed 's/invoice 1$/invoice\x001/' >in.txt
	refused "LSN 0/10000, table public.payments: invalid byte sequence for encoding \"UTF8\": 0x00"
}

@test "a failing check constraint in a later group stops there, earlier groups stay" {
	sql "ALTER TABLE payments ADD CHECK (account_id <> 25)"
	gen_payments 30 10 a >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --group 1 in.txt
	assert_contains "$stderr" "LSN 0/30000, table public.payments: new row for relation \"payments\" violates check constraint \"payments_account_id_check\" (id=25)"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "20"
}

@test "a deferred constraint failing at COMMIT is found by the retry" {
	sql "CREATE TABLE accounts (id bigint PRIMARY KEY);
	     INSERT INTO accounts SELECT i FROM generate_series(0, 10006) i WHERE i <> 25;
	     ALTER TABLE payments ADD FOREIGN KEY (account_id) REFERENCES accounts
	         DEFERRABLE INITIALLY DEFERRED"
	gen_payments 50 10 a >in.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	assert_contains "$stderr" "pgmesh-apply: origin a, LSN 0/30000, table public.payments: insert or update on table \"payments\" violates foreign key constraint \"payments_account_id_fkey\""
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "20"
}
