# Relay: node b applies a's transactions; capture on b re-emits them with
# origin a and a's LSNs (b applied them under the replication origin
# pgmesh_a); node c, applying that stream and a's own, ends with every row
# exactly once, whichever comes first.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

setup_file() {
	local node
	for node in a b c; do
		pg_start "$node"
		pg_sql "$node" "$PAYMENTS_SQL"
	done
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --init payments
	pgmesh-capture -d "$(pg_conninfo b)" -S out --node b --init payments
}

teardown_file() {
	pg_stop_all
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# insert NODE FIRST LAST PER: rows FIRST..LAST in transactions of PER.
insert() {
	pg_sql "$1" "DO \$\$ BEGIN FOR lo IN $2..$3 BY $4 LOOP
		INSERT INTO payments SELECT i, i % 10007, i / 100.0, 'EUR',
		    '2026-01-01', 'row ' || i
		FROM generate_series(lo, least(lo + $4 - 1, $3)) i;
		COMMIT; END LOOP; END \$\$"
}

summary() {
	pg_sql "$1" "SELECT count(*), count(DISTINCT id), sum(id) FROM payments"
}

@test "b relays a's transactions with a's origin; c gets every row exactly once" {
	insert a 1 1000 100
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --drain >a1.txt
	insert a 1001 1500 100
	pgmesh-capture -d "$(pg_conninfo a)" -S out --node a --drain >a2.txt
	# b applies a's stream in one group; b's own rows are local.
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo b)" --allow '*:*' a1.txt a2.txt
	insert b 5001 5100 50
	run -0 --separate-stderr pgmesh-capture -d "$(pg_conninfo b)" -S out --node b --drain
	echo "$output" >b.txt
	# What b re-emits from a carries origin a and a's LSNs.
	run -0 awk -F '\t' '$1 == "B" { print $2 }' b.txt
	assert_contains "$output" "a"
	assert_contains "$output" "b"
	local a_last b_a_last
	a_last=$(awk -F '\t' '$1 == "C" { l = $3 } END { print l }' a2.txt)
	b_a_last=$(awk -F '\t' '$1 == "C" && $2 == "a" { l = $3 } END { print l }' b.txt)
	assert_equal "$b_a_last" "$a_last"
	# c: a's first three transactions directly, then b's relay, whose
	# rows of a wait (held back) while b's own go in; then all of a's
	# stream, the rest of a's transactions.
	awk '{ print } /^C\t/ && ++n == 3 { exit }' a1.txt >a1-start.txt
	run -0 --separate-stderr pgmesh-apply -d "$(pg_conninfo c)" --allow '*:*' a1-start.txt
	run -0 summary c
	assert_equal "$output" "300|300|45150"
	# A relay's capture claims nothing yet for the origins it relays
	# (only for its own): c holds a's transactions from b back.
	run -75 --separate-stderr pgmesh-apply -v -d "$(pg_conninfo c)" --allow '*:*' b.txt
	assert_contains "$stderr" "origin a: transactions held back: "
	assert_contains "$stderr" "their input does not say they follow 0/"
	run -0 --separate-stderr pgmesh-apply -v -d "$(pg_conninfo c)" --allow '*:*' a1.txt a2.txt
	assert_contains "$stderr" "done: 12 transactions, 1200 rows"
	run -0 summary c
	assert_equal "$output" "1600|1600|$(( 1500 * 1501 / 2 + 50 * (5001 + 5100) ))"
	run -0 pgmesh-apply -d "$(pg_conninfo c)" --position
	assert_equal "$output" "$(printf 'a\t%s\nb\t%s' "$a_last" "$(awk -F '\t' '$1 == "C" && $2 == "b" { l = $3 } END { print l }' b.txt)")"
}
