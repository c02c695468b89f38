# A join snapshot packed: pgmesh-capture --snapshot | pgmesh-pack carries
# it in frames of its own (pgmesh-format(5)), signed like any other, and
# pgmesh-apply --snapshot-from loads it whole or not at all.
load helpers/common
load helpers/apply
load helpers/sign
bats_require_minimum_version 1.5.0

setup_file() {
	pg_start src
	pg_start dst
	sign_setup "$BATS_FILE_TMPDIR/sign" 2>/dev/null
}

teardown_file() {
	pg_stop_all
}

# Each test: a fresh source database (node a, rows of its own and of
# origin b) and a fresh destination.
setup() {
	apply_setup
	SRC=$(pg_conninfo src "s$BATS_TEST_NUMBER")
	pg_sql src "CREATE DATABASE s$BATS_TEST_NUMBER"
	pg_sql src "s$BATS_TEST_NUMBER" "$PAYMENTS_SQL"
	pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --node a --init 2>/dev/null
	gen_payments 20 1 b | from_genesis |
		pgmesh-apply -d "$SRC" --allow '*:*' 2>/dev/null
	pg_sql src "s$BATS_TEST_NUMBER" "INSERT INTO payments SELECT i, i, 1, 'EUR', '2026-01-01', 'local ' || i FROM generate_series(1001, 3000) i"
	SIGN=$BATS_FILE_TMPDIR/sign
}

# The destination's rows and progress, to compare two loads.
state() {
	sql "SELECT count(*), sum(id), string_agg(md5(p::text), '' ORDER BY id) FROM payments p" | md5sum
	pgmesh-apply -d "$DB" --position
}

@test "capture --snapshot | pack | apply --snapshot-from: the rows and progress of the text path" {
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a snap.txt
	text=$(state)
	sql "TRUNCATE payments"
	sql "SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin" >/dev/null
	pgmesh-pack <snap.txt >snap.pack
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a <snap.pack
	assert_equal "$stderr" ""
	assert_equal "$(state)" "$text"
	run -0 pgmesh-apply -d "$DB" --position --origin b
	assert_equal "$output" "0/140000"
}

@test "pack -d gives the snapshot's change text back byte for byte, and verify sums it up" {
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	pgmesh-pack --frame-bytes 4k snap.txt >snap.pack
	run -0 --separate-stderr pgmesh-pack -d snap.pack
	assert_equal "$output" "$(cat snap.txt)"
	cmp <(pgmesh-pack -d snap.pack) snap.txt
	run -0 --separate-stderr pgmesh-verify snap.pack
	assert_contains "$output" "rows 2020 watermarks 2"
	assert_equal "$(tail -n1 <<<"$output")" "problems 0"
	frames=$(awk '/^snapshot a/ { print $7 }' <<<"$output")
	[ "$frames" -gt 10 ]
}

@test "a packed snapshot of many frames, a byte changed or cut short, applies nothing and names the frame" {
	pgmesh-capture -d "$SRC" --snapshot | pgmesh-pack --frame-bytes 4k >snap.pack
	size=$(stat -c %s snap.pack)
	# A byte in the middle of the stream: in some frame's data or manifest.
	perl -0777 -pe 'my $m = int(length($_) / 2); substr($_, $m, 1) = chr(ord(substr($_, $m, 1)) ^ 0xFF)' snap.pack >bad.pack
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a bad.pack
	assert_contains "$stderr" "pgmesh-apply: bad.pack: frame at byte "
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 0
	head -c $((size - 100)) snap.pack >cut.pack
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a cut.pack
	assert_contains "$stderr" "pgmesh-apply: cut.pack: frame at byte "
	assert_contains "$stderr" "truncated"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 0
	run -0 pgmesh-apply -d "$DB" --position
	assert_equal "$output" ""
	# Whole frames, the last one never written: no E record comes.
	pgmesh-capture -d "$SRC" --snapshot | head -n -1 |
		pgmesh-pack --frame-bytes 4k >noend.pack 2>/dev/null || true
	[ "$(stat -c %s noend.pack)" -gt 4096 ]
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --snapshot-from a noend.pack
	assert_equal "$stderr" "pgmesh-apply: warning: noend.pack: the snapshot of a spans frames and its last part is missing at end of input; dropped"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 0
}

@test "a signed snapshot is taken with --signers; unsigned, or signed by another node, it is refused" {
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	pgmesh-pack --frame-bytes 4k --sign "$KEYS/a" snap.txt >signed.pack
	pgmesh-pack --frame-bytes 4k snap.txt >unsigned.pack
	pgmesh-pack --frame-bytes 4k --sign "$KEYS/b" snap.txt >forged.pack
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --signers "$SIGN/signers" --snapshot-from a unsigned.pack
	assert_contains "$stderr" "pgmesh-apply: unsigned.pack: frame at byte 0: "
	assert_contains "$stderr" "not signed"
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --signers "$SIGN/signers" --snapshot-from a forged.pack
	assert_contains "$stderr" "pgmesh-apply: forged.pack: frame at byte 0: "
	assert_contains "$stderr" "$(fingerprint b)"
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --signers "$SIGN/signers" --snapshot-from a snap.txt
	assert_contains "$stderr" "change text cannot be signed"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 0
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow "a:public.*" --signers "$SIGN/signers" --snapshot-from a signed.pack
	assert_equal "$stderr" ""
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 2020
	run -0 --separate-stderr pgmesh-verify --signers "$SIGN/signers" signed.pack
	assert_equal "$(tail -n1 <<<"$output")" "problems 0"
}

@test "a packed snapshot is refused without --snapshot-from, by ship, and from another node" {
	pgmesh-capture -d "$SRC" --snapshot | pgmesh-pack >snap.pack
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' snap.pack
	assert_equal "$stderr" "pgmesh-apply: snap.pack: frame at byte 0: a snapshot (from node a) where none is taken (pgmesh-apply takes one with --snapshot-from)"
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow "*:public.*" --snapshot-from c snap.pack
	assert_equal "$stderr" "pgmesh-apply: the input holds a snapshot of node a, not of c (--snapshot-from)"
	run -65 --separate-stderr pgmesh-ship spool/ <snap.pack
	assert_contains "$stderr" "pgmesh-ship: stdin: frame at byte 0: a snapshot of node a, which spools and ship do not carry (pipe it to pgmesh-apply --snapshot-from)"
	run -0 find spool -name '*.pgm*'
	assert_equal "$output" ""
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" 0
}

@test "transactions packed after a snapshot keep their claim: pack -d round trip" {
	pgmesh-capture -d "$SRC" -S "o$BATS_TEST_NUMBER" --drain >txns.txt
	pgmesh-capture -d "$SRC" --snapshot >snap.txt
	# The snapshot wrote the table's T record already (canonical form).
	cat snap.txt <(tail -n +2 txns.txt | grep -v '^T') >both.txt
	grep -q '^P	a	0/0$' both.txt
	pgmesh-pack --frame-bytes 4k both.txt | pgmesh-pack -d >back.txt
	cmp back.txt both.txt
}
