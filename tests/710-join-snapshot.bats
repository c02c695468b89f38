# A new node joins by a snapshot: pgmesh-capture --snapshot writes every
# row of the tables as of one snapshot with a watermark per origin, and
# pgmesh-apply --snapshot-from loads it, then raises progress to the
# watermarks, from where the streams carry on (or hold back at a gap).
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

setup_file() {
	pg_start src
	pg_start dst
}

teardown_file() {
	pg_stop_all
}

# Each test: a fresh source database (node a, its capture set up, rows
# of its own and of origin b applied to it) and a fresh destination.
setup() {
	apply_setup
	SRC=$(pg_conninfo src "s$BATS_TEST_NUMBER")
	pg_sql src "CREATE DATABASE s$BATS_TEST_NUMBER"
	pg_sql src "s$BATS_TEST_NUMBER" "$PAYMENTS_SQL"
	pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --node a --init 2>/dev/null
}

src_sql() {
	pg_sql src "s$BATS_TEST_NUMBER" "$1"
}

# b_rows N [FIRST]: N transactions of one row of origin b applied to the
# source, ids from FIRST (LSN of id i: i * 0x10000).
b_rows() {
	gen_payments "$1" 1 b "${2:-1}" | from_genesis |
		pgmesh-apply -d "$SRC" --allow '*:*' 2>/dev/null
}

local_rows() {
	src_sql "INSERT INTO payments SELECT i, i, 1, 'EUR', '2026-01-01', 'local' FROM generate_series($1, $2) i"
}

@test "a snapshot holds every row, a watermark per origin and its row count" {
	b_rows 20
	local_rows 1001 1005
	run -0 --separate-stderr pgmesh-capture -d "$SRC" --snapshot
	assert_equal "$stderr" ""
	assert_equal "$(sed -n 1p <<<"$output")" "#pgmesh	1"
	assert_equal "$(sed -n 2p <<<"$output" | cut -f1,2)" "S	a"
	assert_equal "$(sed -n 3p <<<"$output")" "W	b	0/140000"
	assert_equal "$(sed -n 4p <<<"$output" | cut -f1,2)" "W	a"
	assert_equal "$(grep -c '^I	public.payments	' <<<"$output")" 25
	assert_equal "$(tail -n1 <<<"$output")" "E	a	25"
}

@test "a snapshot leaves generated columns out and turns COPY's extra escapes into bytes" {
	src_sql "CREATE TABLE g (id int PRIMARY KEY, x int, y int GENERATED ALWAYS AS (x * 2) STORED, m text)"
	src_sql "INSERT INTO g (id, x, m) VALUES (1, 2, 'a' || chr(8) || 'b' || chr(12) || 'c' || chr(11) || 'd' || chr(92) || 'e' || chr(9) || 'f')"
	run -0 --separate-stderr pgmesh-capture -d "$SRC" --snapshot public.g
	# Tables named: no watermark, since it says nothing of the others.
	assert_equal "$(sed -n 3p <<<"$output")" "T	public.g	id	integer	x	integer	m	text"
	assert_equal "$(sed -n 4p <<<"$output")" "I	public.g	1	2	a"$'\b'"b"$'\f'"c"$'\v'"d\\\\e\\tf"
	assert_equal "$(sed -n 5p <<<"$output")" "E	a	1"
}

@test "a database without a publication (a hub's) gives a snapshot of every table of its own" {
	gen_payments 3 1 b | from_genesis | pgmesh-apply -d "$DB" --allow '*:*' 2>/dev/null
	sql "CREATE TABLE other (id int PRIMARY KEY); INSERT INTO other VALUES (1)"
	run -0 --separate-stderr pgmesh-capture -d "$(pg_conninfo dst "t$BATS_TEST_NUMBER")" --node h --snapshot
	assert_equal "$stderr" ""
	assert_equal "$(sed -n 3p <<<"$output")" "W	b	0/30000"
	assert_equal "$(grep -c '^I	public.other	' <<<"$output")" 1
	assert_equal "$(grep -c '^I	public.payments	' <<<"$output")" 3
	assert_equal "$(grep -c '^I	pgmesh' <<<"$output")" 0
	assert_equal "$(tail -n1 <<<"$output")" "E	h	4"
}

@test "--snapshot-from loads the rows, then raises progress to the watermarks" {
	b_rows 20
	local_rows 1001 1005
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	own=$(awk -F'\t' '$1 == "W" && $2 == "a" { print $3 }' snap.txt)
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a snap.txt
	assert_equal "$stderr" ""
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 25
	run -0 pgmesh-apply -d "$DB" --position --origin b
	assert_equal "$output" "0/140000"
	run -0 pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "$own"
	# Again: every row is a duplicate, progress never goes down.
	run -0 --separate-stderr pgmesh-apply -d "$DB" -v --allow "a:public.*" --snapshot-from a snap.txt
	assert_contains "$stderr" "snapshot of a: 25 rows, 25 of them here already"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 25
}

@test "a row with the same key and other values stops the load, nothing of it applied" {
	local_rows 1 5
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	sql "INSERT INTO payments VALUES (3, 3, 9.99, 'USD', '2026-01-01', 'other')"
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a snap.txt
	assert_equal "$stderr" "pgmesh-apply: snapshot of a, table public.payments: a row with the same key and other values is here already (id=3); nothing of the snapshot is applied"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 1
	run -0 pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "0/0"
}

@test "a snapshot is refused without --snapshot-from, from another node, or cut short" {
	local_rows 1 5
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' snap.txt
	assert_equal "$stderr" "pgmesh-apply: snap.txt:2: a snapshot (S record, from node a) where none is taken (pgmesh-apply takes one with --snapshot-from)"
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "*:public.*" --snapshot-from c snap.txt
	assert_equal "$stderr" "pgmesh-apply: the input holds a snapshot of node a, not of c (--snapshot-from)"
	head -n -1 snap.txt >cut.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a cut.txt
	assert_equal "$stderr" "pgmesh-apply: warning: cut.txt: the snapshot of a has no E record at end of input; dropped"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 0
	run -0 pgmesh-apply -d "$DB" --position
	assert_equal "$output" ""
}

@test "race: origin b's commits on the source while snapshots are taken; no row at or below a watermark is missing" {
	gen_payments 3000 1 b | from_genesis >b.txt
	pgmesh-apply -d "$SRC" --allow '*:*' --group 1 b.txt 2>/dev/null &
	applier=$!
	n=0
	while kill -0 "$applier" 2>/dev/null || ((n < 5)); do
		pgmesh-capture -d "$SRC" --snapshot >snap.txt
		# No W record for b yet: nothing of b to count on.
		w=$(awk -F'\t' '$1 == "W" && $2 == "b" { print $3 }' snap.txt)
		w=${w:-0/0}
		upto=$((16#${w#0/} / 65536))
		have=$(awk -F'\t' -v upto="$upto" '$1 == "I" && $3 <= upto { n++ } END { print n + 0 }' snap.txt)
		assert_equal "snapshot $n: $have rows at or below id $upto" "snapshot $n: $upto rows at or below id $upto"
		n=$((n + 1))
	done
	wait "$applier"
	echo "snapshots taken: $n"
}

@test "a snapshot older than the spool holds: the streams hold back at the gap, nothing skipped" {
	local_rows 1 5
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	own=$(awk -F'\t' '$1 == "W" && $2 == "a" { print $3 }' snap.txt)
	# Two rounds of a's capture after the snapshot; the spool the new
	# node reads has only the second.
	local_rows 6 8
	head=$(pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --drain | awk -F'\t' '$1 == "C" { l = $3 } END { print l }')
	local_rows 9 10
	pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --drain --after "$head" | pgmesh-pack | pgmesh-ship spool2/ 2>/dev/null
	run -0 pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a snap.txt
	run -75 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' spool2
	assert_contains "$stderr" "pgmesh-apply: origin a: its transactions after $own up to $head are missing here"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 5
}

@test "a table added later: its snapshot loads on a node that has streams, progress untouched" {
	b_rows 3
	src_sql "CREATE TABLE late (id int PRIMARY KEY, note text)"
	src_sql "INSERT INTO late SELECT i, 'before' FROM generate_series(1, 50) i"
	sql "CREATE TABLE late (id int PRIMARY KEY, note text)"
	sql "INSERT INTO late VALUES (7, 'before')"
	gen_payments 2 1 b | from_genesis | pgmesh-apply -d "$DB" --allow '*:*' 2>/dev/null
	pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --init public.late 2>/dev/null
	pgmesh-capture -d "$SRC" --snapshot public.late >late.txt
	run -1 grep -c '^W' late.txt
	assert_equal "$output" 0
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a late.txt
	assert_equal "$stderr" ""
	run -0 sql "SELECT count(*) FROM late"
	assert_equal "$output" 50
	run -0 pgmesh-apply -d "$DB" --position
	assert_equal "$output" "b	0/20000"
}

LEDGER_COLUMNS="id bigint NOT NULL, day date NOT NULL, amount numeric(12,2) NOT NULL, PRIMARY KEY (id, day)"

# ledger_rows: SQL of one-row transactions into a's ledger, 100 in
# January; then February's partition is made (psql touches feb-made once
# it is) and rows go into it until the snapshot is taken, and 50 more
# written after it (the handshake is the file snapshot-taken).
ledger_rows() {
	local id after=0
	for ((id = 1; id <= 100; id++)); do
		echo "INSERT INTO ledger VALUES ($id, date '2026-01-01' + $id % 31, $id);"
	done
	echo "CREATE TABLE ledger_feb PARTITION OF ledger FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');"
	echo '\! touch feb-made'
	for ((; after < 50 && id < 20000; id++)); do
		echo "INSERT INTO ledger VALUES ($id, date '2026-02-01' + $id % 28, $id);"
		[ ! -e snapshot-taken ] || after=$((after + 1))
	done
}

ledger_summary() {
	"$@" "SELECT to_char(day, 'YYYY-MM'), count(*), count(DISTINCT id), sum(id) FROM ledger GROUP BY 1 ORDER BY 1"
}

@test "a node joins while a partitioned table takes rows into a new partition: every row once" {
	src_sql "CREATE TABLE ledger ($LEDGER_COLUMNS) PARTITION BY RANGE (day);
		CREATE TABLE ledger_jan PARTITION OF ledger FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')"
	# The new node's ledger is not partitioned at all.
	sql "CREATE TABLE ledger ($LEDGER_COLUMNS)"
	pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --init ledger 2>/dev/null
	ledger_rows | psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" >load.log 2>&1 3>&- &
	load=$!
	wait_until 120 test -e feb-made
	# a's procedure for a new partition: --init names its root again.
	run -0 --separate-stderr pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --init ledger
	run -0 --separate-stderr pgmesh-capture -d "$SRC" --snapshot
	echo "$output" >snap.txt
	touch snapshot-taken
	wait "$load" || { cat load.log; false; }
	# Rows of the new partition, named by the root, are in the snapshot
	# and after it.
	run -1 grep -c 'ledger_feb' snap.txt
	run -0 awk -F'\t' '$1 == "I" && $2 == "public.ledger" && $4 ~ /^2026-02/ { n++ } END { print n + 0 }' snap.txt
	[ "$output" -gt 0 ]
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a snap.txt
	joined=$(sql "SELECT count(*) FROM ledger")
	# The stream from a's slot holds every row; those at or below the
	# snapshot's watermark are skipped as applied, the 50 after go in.
	pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --drain | pgmesh-pack >stream.pgm
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" stream.pgm
	run -0 sql "SELECT count(*) - $joined FROM ledger"
	[ "$output" -ge 50 ]
	run -0 ledger_summary src_sql
	want=$output
	assert_equal "$(sed -n 1p <<<"$want")" "2026-01|100|100|5050"
	run -0 ledger_summary sql
	assert_equal "$output" "$want"
}

# hostile_snapshot TABLE: a snapshot of node a as a hostile source could
# write it: one granted row of payments, then one of TABLE, and a
# watermark that would silence origin b.
hostile_snapshot() {
	printf '#pgmesh\t1\nS\ta\t2026-11-21 13:16:41.123456+00\nW\tb\tFF/0\n'
	printf 'T\tpublic.payments\tid\tbigint\taccount_id\tbigint\tamount\tnumeric(12,2)\tcurrency\tcharacter(3)\tcreated_at\ttimestamp with time zone\tmemo\ttext\n'
	printf 'I\tpublic.payments\t1\t1\t1.00\tEUR\t2026-01-01 00:00:00+00\tgranted\n'
	printf 'T\t%s\tid\tinteger\tnote\ttext\n' "$1"
	printf 'I\t%s\t1\thostile\n' "$1"
	printf 'E\ta\t2\n'
}

@test "a hostile snapshot writes nowhere its source is not granted, and moves no progress" {
	sql "CREATE TABLE late (id int PRIMARY KEY, note text)"
	hostile_snapshot public.late >late.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow 'a:public.payments' --allow 'b:public.late' --snapshot-from a late.txt
	assert_equal "$stderr" "pgmesh-apply: snapshot of a, table public.late: a may not insert into this table (no --allow rule matches); nothing of the snapshot is applied"
	hostile_snapshot pgmesh.late >system.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from a system.txt
	assert_equal "$stderr" "pgmesh-apply: snapshot of a, table pgmesh.late: a system schema: no --allow rule grants it; nothing of the snapshot is applied"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 0
	run -0 sql "SELECT count(*) FROM late"
	assert_equal "$output" 0
	run -0 pgmesh-apply -d "$DB" --position
	assert_equal "$output" ""
}

@test "bad snapshot records are refused, naming the line" {
	hostile_snapshot public.payments | sed 's/^E\ta\t2$/E\ta\t3/' >count.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from a count.txt
	assert_equal "$stderr" "pgmesh-apply: count.txt:8: the snapshot of a says it has 3 rows, it has 2"
	hostile_snapshot public.payments | sed 's/^W\tb\tFF\/0$/W\tb\tnowhere/' >lsn.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from a lsn.txt
	assert_contains "$stderr" "pgmesh-apply: lsn.txt:3: "
	hostile_snapshot public.payments | sed '3a B\tb\t0/10\t2026-11-21 13:16:41.123456+00\t7' >txn.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from a txn.txt
	assert_equal "$stderr" "pgmesh-apply: txn.txt:4: B record inside the snapshot of a (its E record is missing)"
	hostile_snapshot public.payments | sed 's/^S\ta\t/S\tA!\t/' >name.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from a name.txt
	assert_contains "$stderr" "pgmesh-apply: name.txt:2: bad source node name \"A!\""
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 0
	run -0 pgmesh-apply -d "$DB" --position
	assert_equal "$output" ""
}

@test "a snapshot of 1,000,000 rows goes from source to destination with flat memory" {
	local limit=65536
	# Under AddressSanitizer: its shadow memory, and a small quarantine.
	case $PGMESH_BIN in */asan) limit=131072 ;; esac
	src_sql "CREATE TABLE million (id bigint PRIMARY KEY, note text)"
	src_sql "INSERT INTO million SELECT i, lpad(i::text, 100, 'x') FROM generate_series(1, 1000000) i"
	sql "CREATE TABLE million (id bigint PRIMARY KEY, note text)"
	export ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=16
	run -0 --separate-stderr bash -c '
		/usr/bin/time -f %M -o capture.rss pgmesh-capture -d "$1" --snapshot public.million |
			/usr/bin/time -f %M -o apply.rss pgmesh-apply -d "$2" -v \
				--allow "a:public.million" --snapshot-from a' _ "$SRC" "$DB"
	assert_contains "$stderr" "pgmesh-apply: snapshot of a, table public.million: 1000000 rows, "
	run -0 sql "SELECT count(*), sum(id) FROM million"
	assert_equal "$output" "1000000|500000500000"
	echo "peak RSS: capture $(tail -1 capture.rss) kB, apply $(tail -1 apply.rss) kB"
	[ "$(tail -1 capture.rss)" -lt "$limit" ]
	[ "$(tail -1 apply.rss)" -lt "$limit" ]
}

@test "pgmesh-join.sh with a snapshot older than its inbox holds: 75, the gap named, take a fresher one" {
	b_rows 3
	mkdir -p hub c/inbox
	# What the hub delivered: b's transactions from 0/60000 on, where
	# the snapshot will stand at 0/30000.
	gen_payments 2 1 b 6 | pgmesh-pack | pgmesh-ship c/inbox 2>/dev/null
	echo '*:public.*' >allow
	run -75 --separate-stderr env PGMESH_NODE=c \
		PGMESH_DB="$(pg_conninfo dst "t$BATS_TEST_NUMBER")" \
		PGMESH_HUB="hub=$PWD/hub" PGMESH_SPOOL="$PWD/c" PGMESH_ALLOW="$PWD/allow" \
		PGMESH_SOURCE_NODE=a PGMESH_SOURCE_DB="$SRC" \
		"$BATS_TEST_DIRNAME/../examples/pgmesh-join.sh"
	assert_contains "$stderr" "pgmesh-apply: origin b: its transactions after 0/30000 up to 0/50000 are missing here"
	assert_contains "$stderr" "pgmesh-join.sh: not joined yet: if an origin is held back above, its hub no longer holds what follows the snapshot: take a fresher snapshot (run this again)"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 3
	run -0 pgmesh-apply -d "$DB" --position --origin b
	assert_equal "$output" "0/30000"
}

@test "--snapshot-from as a superuser warns that only the grants guard the database" {
	local_rows 1 2
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo dst "t$BATS_TEST_NUMBER")" --allow 'a:public.*' --snapshot-from a snap.txt
	assert_equal "$stderr" "pgmesh-apply: warning: role postgres is a superuser: only the --allow rules guard this database (pgmesh-apply(1) says which privileges a role of its own needs)"
}

@test "--snapshot-from goes alone, takes files, and a node name" {
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from a --group 5
	assert_equal "$stderr" "pgmesh-apply: --snapshot-from goes alone (with -v, --allow, --signers and --limit)"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from a --position
	assert_equal "$stderr" "pgmesh-apply: --position takes no input and no apply options"
	mkdir spool
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from a spool
	assert_equal "$stderr" "pgmesh-apply: spool: --snapshot-from takes files, not spools"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --snapshot-from A
	assert_equal "$stderr" "pgmesh-apply: --snapshot-from A: not a node name (1 to 32 of a-z 0-9 _ -)"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --snapshot-from a
	assert_equal "$stderr" "pgmesh-apply: no --allow rule: say which origins may insert into which tables, as in --allow 'a:public.*' (--allow '*:*' grants every table)"
}
