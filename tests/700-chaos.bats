# make chaos: the rounds of examples/ as users run them, under random
# faults, and nothing lost, nothing twice, every node the same, every
# spool whole.  First the checker's two judges (tally.awk, statuses.awk)
# on made-up input.
bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	cd "$REPO_DIR"
}

TALLY=scripts/chaos.d/tally.awk
STATUSES=scripts/chaos.d/statuses.awk

@test "tally: lost, partial, duplicated and unknown transactions, by node and origin" {
	run -0 awk -v origins="a b" -v nodes="a b hub" -f "$TALLY" <<-EOF
	A a 1 3
	C a 1 3
	A a 2 2
	C a 2 2
	A a 3 1
	C a 3 1
	A a 4 1
	C a 4 1
	A a 5 2
	A b 1 4
	C b 1 4
	R a a 1 3 3
	R a a 2 2 2
	R a a 3 1 1
	R a a 4 1 1
	R b a 1 3 3
	R b a 2 2 2
	R hub a 1 6 3
	R hub a 2 1 1
	R a b 1 4 4
	R b b 1 4 4
	R hub b 1 4 4
	R hub b 7 2 2
	R b x 1 1 1
	EOF
	assert_equal "$output" "unknown on b: origin x, txn 1: 1 rows no generator attempted
duplicated on hub: origin a, txn 1: 6 rows for 3
partial on hub: origin a, txn 2: 1 of 2 rows
in doubt: origin a, 1 txns whose COMMIT did not return, 0 of them committed
unknown on hub: origin b, txn 7: 2 rows no generator attempted
lost on b: origin a, 2 txns: 3-4
lost on hub: origin a, 2 txns: 3-4
tally 5 2 1 1 2"
}

@test "tally: a transaction in doubt counts once it exists anywhere, and ranges join" {
	run -0 awk -v origins="a" -v nodes="a b" -f "$TALLY" <<-EOF
	A a 1 1
	A a 2 1
	C a 2 1
	A a 3 1
	C a 3 1
	A a 4 1
	C a 4 1
	A a 5 1
	C a 5 1
	A a 6 1
	C a 6 1
	R a a 1 1 1
	R a a 2 1 1
	R a a 3 1 1
	R a a 4 1 1
	R a a 5 1 1
	R a a 6 1 1
	R b a 5 1 1
	EOF
	assert_equal "$output" "in doubt: origin a, 1 txns whose COMMIT did not return, 1 of them committed
lost on b: origin a, 5 txns: 1-4 6
tally 6 5 0 0 0"
}

@test "tally: everything whole everywhere is no problem" {
	run -0 awk -v origins="a" -v nodes="a hub" -f "$TALLY" <<-EOF
	A a 1 2
	C a 1 2
	R a a 1 2 2
	R hub a 1 2 2
	EOF
	assert_equal "$output" "tally 1 0 0 0 0"
	run -1 --separate-stderr awk -f "$TALLY" <<<"X what"
	assert_equal "$stderr" "tally.awk: line 1: not a record: X what"
}

@test "statuses: only 0 and 75, or a status while a fault touched the node" {
	run -0 awk -v start=1000 -v grace=5000 -f "$STATUSES" <<-EOF
	F 1 10000 12000 kill-ship a a,hub
	R a 9000 10500 137 loop
	R b 9000 10500 137 loop
	R hub 16000 17000 65 loop
	R hub 17500 18000 65 settle
	R a 3000 4000 75 loop
	R a 5000 6000 0 loop
	R a 6000 9999 69 extra
	EOF
	assert_equal "$output" "b +8.0s 137 loop
hub +16.5s 65 settle
a +5.0s 69 extra"
}
