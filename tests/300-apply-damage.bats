# pgmesh-apply on damaged input: every whole, valid transaction before the
# damage is applied, nothing at or after it, status 65, and the
# destination never holds part of a transaction (group commit included).
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
	gen_payments 50 10 a >in.txt
}

# Rows in payments, and whether every transaction (ids k*10+1..k*10+10)
# is there whole or not at all.
summary() {
	pg_sql dst "t$BATS_TEST_NUMBER" "SELECT coalesce(sum(n), 0),
		coalesce(max(m), 0), bool_and(n = 10) IS NOT FALSE
		FROM (SELECT count(*) n, max(id) m FROM payments
		      GROUP BY (id - 1) / 10) t"
}

# The byte offset of the start of line N of in.txt.
line_offset() {
	head -n "$(($1 - 1))" in.txt | wc -c
}

@test "input cut inside a row: the transactions before it; the cut one waits (75)" {
	# Line 30 is in the third transaction (ids 21-30).
	head -c "$(($(line_offset 30) + 12))" in.txt >cut.txt
	run -75 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' cut.txt
	assert_equal "$stderr" "pgmesh-apply: cut.txt:30: last line has no newline (input cut short?)
pgmesh-apply: origin a: its transaction at LSN 0/30000 came cut short; transactions held back: 1 (LSN 0/30000 to 0/30000)"
	run -0 summary
	assert_equal "$output" "20|20|t"
}

@test "input cut at a line boundary inside a transaction: held back, status 75" {
	# The writer may still be writing it: temporary, not bad data.
	head -n 30 in.txt >cut.txt
	run -75 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' cut.txt
	assert_equal "$stderr" "pgmesh-apply: warning: cut.txt: transaction of origin a, LSN 0/30000 has no C record at end of input; dropped
pgmesh-apply: origin a: its transaction at LSN 0/30000 came cut short; transactions held back: 1 (LSN 0/30000 to 0/30000)"
	run -0 summary
	assert_equal "$output" "20|20|t"
	# The rest arrives later: applied from there, nothing twice.
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.txt
	run -0 summary
	assert_equal "$output" "50|50|t"
}

@test "a corrupted line stops at its transaction, through a pipe, with group commit" {
	sed '42s/^I/X/' in.txt >bad.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --group 1000 <bad.txt
	assert_equal "$stderr" "pgmesh-apply: stdin:42: unknown record type \"X\"
pgmesh-apply: origin a: its transaction at LSN 0/40000 came cut short; transactions held back: 1 (LSN 0/40000 to 0/40000)"
	run -0 summary
	assert_equal "$output" "30|30|t"
}

@test "a bad escape in a value stops at its transaction" {
	sed '20s/invoice/in\\qvoice/' in.txt >bad.txt
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' bad.txt
	assert_contains "$stderr" "pgmesh-apply: bad.txt:20: bad escape in memo"
	run -0 summary
	assert_equal "$output" "10|10|t"
}

@test "a writer that dies mid-stream leaves whole transactions only; the cut one waits (75)" {
	{ head -n 45 in.txt; exit 1; } | {
		run -75 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*'
		assert_contains "$stderr" "LSN 0/40000 has no C record at end of input; dropped"
	}
	run -0 summary
	assert_equal "$output" "30|30|t"
}

@test "a truncated pack stream: whole frames before the damage, status 65" {
	pgmesh-pack --frame-bytes 1024 in.txt >in.pack
	head -c "$(($(stat -c %s in.pack) - 20))" in.pack >cut.pack
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' cut.pack
	assert_contains "$stderr" "pgmesh-apply: cut.pack"
	run -0 summary
	[ "${output%%|*}" -ge 10 ]
	[ "${output%%|*}" -lt 50 ]
	assert_equal "${output##*|}" "t"
}

@test "a corrupted byte in a pack frame: nothing of that frame, status 65" {
	pgmesh-pack --frame-bytes 100000 in.txt >in.pack
	local size
	size=$(stat -c %s in.pack)
	printf 'X' | dd of=in.pack bs=1 seek=$((size - 30)) conv=notrunc 2>/dev/null
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' in.pack
	run -0 summary
	assert_equal "$output" "0|0|t"
}
