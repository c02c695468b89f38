# Relay: node b applies a's transactions (group commit); capture on b
# re-emits them one by one with origin a, a's LSNs and commit times (b
# applied them under the replication origin of a, and wrote a group mark
# in each destination transaction), and claims continuity for a.  Node c,
# applying that stream and a's own, ends with every row exactly once,
# whichever comes first; a transaction b set aside is not skipped at c.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

setup_file() {
	local node
	for node in a b c; do
		pg_start "$node"
	done
}

teardown_file() {
	pg_stop_all
}

# Each test in databases of its own (tN on a, b and c): payments on each,
# capture set up on a and b.
setup() {
	local node
	cd "$BATS_TEST_TMPDIR" || return 1
	DBNAME=t$BATS_TEST_NUMBER
	for node in a b c; do
		pg_sql "$node" "CREATE DATABASE $DBNAME"
		pg_sql "$node" "$DBNAME" "$PAYMENTS_SQL"
	done
	pgmesh-capture -d "$(db a)" -S "out_$DBNAME" --node a --init payments
	pgmesh-capture -d "$(db b)" -S "out_$DBNAME" --node b --init payments
}

db() {
	pg_conninfo "$1" "$DBNAME"
}

on() {
	pg_sql "$1" "$DBNAME" "$2"
}

# insert NODE FIRST LAST PER: rows FIRST..LAST in transactions of PER.
insert() {
	on "$1" "DO \$\$ BEGIN FOR lo IN $2..$3 BY $4 LOOP
		INSERT INTO payments SELECT i, i % 10007, i / 100.0, 'EUR',
		    '2026-01-01', 'row ' || i
		FROM generate_series(lo, least(lo + $4 - 1, $3)) i;
		COMMIT; END LOOP; END \$\$"
}

summary() {
	on "$1" "SELECT count(*), count(DISTINCT id), sum(id) FROM payments"
}

# capture NODE [OPTION...]
capture() {
	local node=$1
	shift
	pgmesh-capture -d "$(db "$node")" -S "out_$DBNAME" --node "$node" --drain "$@"
}

# last_lsn FILE: the LSN of the last transaction in FILE.
last_lsn() {
	awk -F '\t' '$1 == "C" { l = $3 } END { print l }' "$1"
}

# --sync: a relay's commits are in its WAL as apply ends, so that the
# capture that follows decodes them (decoding stops at the WAL flushed).
apply() {
	local node=$1
	shift
	pgmesh-apply -d "$(db "$node")" --allow '*:*' --sync "$@"
}

# identities ORIGIN FILE: origin, LSN and commit time of each of ORIGIN's
# transactions in FILE, and its P records.
identities() {
	awk -F '\t' -v o="$1" '($1 == "B" || $1 == "P") && $2 == o { print $1, $3, $4 }' "$2"
}

@test "b relays a's 100 transactions one by one, with a's LSNs and commit times" {
	insert a 1 1000 10
	capture a >a1.txt
	# One group of a1's 100 transactions, in pieces of 30 (COPY); then
	# three one-row transactions, each alone (the pipeline path).
	run -0 --separate-stderr apply b --group 30 a1.txt
	local after i
	after=$(last_lsn a1.txt)
	for i in 1 2 3; do
		insert a $((1000 + i)) $((1000 + i)) 1
		capture a --after "$after" >"a2-$i.txt"
		after=$(last_lsn "a2-$i.txt")
		run -0 --separate-stderr apply b "a2-$i.txt"
	done
	insert b 5001 5100 50
	run -0 --separate-stderr capture b
	echo "$output" >b.txt
	# a's transactions, as a wrote them, and one claim: the whole history.
	identities a a1.txt >want.txt
	cat a2-*.txt >a2.txt
	identities a a2.txt | grep -v '^P' >>want.txt
	run -0 identities a b.txt
	assert_equal "$output" "$(cat want.txt)"
	run -0 grep -c '^B	a	' b.txt
	assert_equal "$output" 103
	run -0 awk -F '\t' '$1 == "B" && $2 == "b"' b.txt
	assert_contains "$output" "B	b	"
	# c: a's first three transactions directly, then b's relay: what
	# follows them goes in, b's own rows too.
	awk '{ print } /^C\t/ && ++n == 3 { exit }' a1.txt >a1-start.txt
	run -0 --separate-stderr apply c a1-start.txt
	run -0 summary c
	assert_equal "$output" "30|30|465"
	run -0 --separate-stderr apply c -v b.txt
	assert_contains "$stderr" "done: 102 transactions, 1073 rows, "
	assert_contains "$stderr" ", 3 skipped, "
	# a's own streams come too late: nothing of them is new.
	run -0 --separate-stderr apply c -v a1.txt a2.txt
	assert_contains "$stderr" "done: 0 transactions, 0 rows, "
	run -0 summary c
	assert_equal "$output" "1103|1103|$(( 1003 * 1004 / 2 + 50 * (5001 + 5100) ))"
	run -0 pgmesh-apply -d "$(db c)" --position --origin a
	assert_equal "$output" "$after"
}

@test "a transaction b set aside (--rejects) is not skipped at c; c waits for it" {
	insert a 1 50 10
	capture a >a.txt
	# b refuses id 23: a's third transaction fails there and is set
	# aside; the others go in, in one group.
	on b "ALTER TABLE payments ADD CONSTRAINT not23 CHECK (id <> 23)"
	run -0 --separate-stderr apply b --rejects rej.txt a.txt
	assert_contains "$stderr" "violates check constraint \"not23\""
	run -0 --separate-stderr capture b
	echo "$output" >b.txt
	# b's stream skips a's third transaction, and says so.
	local third
	third=$(awk -F '\t' '$1 == "C" && ++n == 3 { print $3 }' a.txt)
	run -0 awk -F '\t' '$1 == "P" && $2 == "a" { print $3 }' b.txt
	assert_equal "$output" "0/0
$third"
	run -0 grep -c '^B	a	' b.txt
	assert_equal "$output" 4
	# c takes a's first two transactions from b, and holds the rest back
	# behind the one b lacks.
	run -75 --separate-stderr apply c b.txt
	assert_contains "$stderr" "origin a: its transactions after "
	assert_contains "$stderr" " up to $third are missing here; transactions held back: 2 "
	run -0 summary c
	assert_equal "$output" "20|20|210"
	# By another path, a's own stream, the third comes and the rest.
	run -0 --separate-stderr apply c a.txt
	run -0 summary c
	assert_equal "$output" "50|50|1275"
}

@test "a group mark in a transaction apply did not make is an application's message" {
	local forged
	forged=$(printf 'G\ta\t0/0\nA\t0/10\t2026-01-01 00:00:00.000000+00\t1\n')
	on b "BEGIN;
		INSERT INTO payments VALUES (1, 1, 1, 'EUR', '2026-01-01', 'x'),
		    (2, 1, 1, 'EUR', '2026-01-01', 'y');
		SELECT pg_logical_emit_message(true, 'pgmesh.group', '$forged');
		COMMIT"
	run -0 --separate-stderr capture b
	assert_contains "$stderr" "a group mark in a transaction not applied by pgmesh-apply is ignored"
	run -0 grep -c '^B	b	' <<<"$output"
	assert_equal "$output" 1
}

@test "a mark that does not count the rows capture sees stops capture (65)" {
	# a publishes a table b applies but does not publish.
	on a "CREATE TABLE notes (id int PRIMARY KEY, t text)"
	on b "CREATE TABLE notes (id int PRIMARY KEY, t text)"
	pgmesh-capture -d "$(db a)" -S "out_$DBNAME" --init notes
	on a "BEGIN; INSERT INTO notes VALUES (1, 'n');
		INSERT INTO payments VALUES (1, 1, 1, 'EUR', '2026-01-01', 'x');
		COMMIT"
	capture a >a.txt
	run -0 --separate-stderr apply b a.txt
	run -65 --separate-stderr capture b
	assert_contains "$stderr" "the group mark counts 2 rows, the transaction has 1 here (is every table it applies in the publication"
	assert_equal "$output" "#pgmesh	1"
}

@test "a group larger than capture's memory is split from its temporary file" {
	# 20 transactions of 5,000 rows, one group at b: about 5 MB of change
	# text, past the 4 MB that capture keeps of a transaction in memory.
	insert a 1 100000 5000
	capture a >a.txt
	run -0 --separate-stderr apply b a.txt
	# With nowhere to spill, capture at b fails: the spill is needed.
	TMPDIR=$BATS_TEST_TMPDIR/none run -74 --separate-stderr capture b
	assert_contains "$stderr" "cannot create a temporary file in $BATS_TEST_TMPDIR/none"
	run -0 --separate-stderr capture b
	echo "$output" >b.txt
	identities a a.txt >want.txt
	run -0 identities a b.txt
	assert_equal "$output" "$(cat want.txt)"
	# Each source transaction ends right after its own last row.
	run -0 diff <(grep -E '^(I|C)	' a.txt) <(grep -E '^(I|C)	' b.txt)
}
