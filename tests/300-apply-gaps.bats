# pgmesh-apply never applies across a gap: per origin, what does not
# follow where the destination stands waits (75) while the other origins
# go on; damaged frames are quarantined; --accept-gap, --max-gap-age,
# --ack, --prune and --replay.
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
	mkdir spool away
}

# spool_frames ORIGIN FIRST_ID N: N transactions of ten rows of ORIGIN,
# ids from FIRST_ID, one frame each in spool/, the first of them claiming
# the origin's whole history (as after capture --init).
spool_frames() {
	local i
	for ((i = 0; i < $3; i++)); do
		gen_payments 10 10 "$1" $(($2 + i * 10)) |
			if ((i == 0)); then from_genesis; else cat; fi |
			pgmesh-pack | pgmesh-ship spool/ 2>/dev/null
	done
}

# nth_frame ORIGIN N: the path of ORIGIN's Nth frame in spool/.
nth_frame() {
	find "spool/$1" -name '*.pack' | sort | sed -n "$2p"
}

apply() {
	pgmesh-apply -d "$DB" --allow '*:*' "$@"
}

rows() {
	sql "SELECT count(*) FILTER (WHERE id < 1000), count(*) FILTER (WHERE id > 1000) FROM payments"
}

@test "a missing frame holds its origin back (75), others go on; once it comes, the rest goes in" {
	spool_frames a 1 3
	spool_frames b 1001 2
	mv "$(nth_frame a 2)" away/
	run -75 --separate-stderr apply spool
	assert_equal "$stderr" "pgmesh-apply: origin a: its transactions after 0/10000 up to 0/20000 are missing here; transactions held back: 1 (LSN 0/30000 to 0/30000)"
	run -0 rows
	assert_equal "$output" "10|20"
	mv away/*.pack spool/a/
	run -0 --separate-stderr apply spool
	assert_equal "$stderr" ""
	run -0 rows
	assert_equal "$output" "30|20"
}

@test "a stream never starts an origin where its claims do not reach" {
	gen_payments 10 10 a 11 >second.txt
	run -75 --separate-stderr apply second.txt
	assert_equal "$stderr" "pgmesh-apply: origin a: its transactions after 0/0 up to 0/10000 are missing here; transactions held back: 1 (LSN 0/20000 to 0/20000)"
	grep -v '^P' second.txt >unclaimed.txt
	run -75 --separate-stderr apply unclaimed.txt
	assert_equal "$stderr" "pgmesh-apply: origin a: transactions held back: 1 (LSN 0/20000 to 0/20000): their input does not say they follow 0/0, where this database stands"
	run -0 rows
	assert_equal "$output" "0|0"
	gen_payments 10 10 a >first.txt
	run -0 --separate-stderr apply first.txt second.txt
	run -0 rows
	assert_equal "$output" "20|0"
}

@test "--accept-gap starts an origin past transactions gone for good, and says so" {
	gen_payments 10 10 a 11 >second.txt
	run -0 --separate-stderr apply --accept-gap a:0/10000 second.txt
	assert_equal "$stderr" "pgmesh-apply: warning: origin a: progress raised from 0/0 to 0/10000 (--accept-gap): its transactions in between will never be applied here"
	run -0 sql "SELECT min(id), max(id) FROM payments"
	assert_equal "$output" "11|20"
	# Never lowered; with no input, nothing is read.
	run -0 --separate-stderr apply --accept-gap a:0/8000
	assert_equal "$stderr" "pgmesh-apply: notice: origin a: already at 0/20000, --accept-gap 0/8000 changes nothing"
	run -0 pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "0/20000"
}

@test "a damaged frame is quarantined and named; its origin waits, others go on (65)" {
	spool_frames a 1 3
	spool_frames b 1001 2
	local f
	f=$(nth_frame a 1)
	cp "$f" good.pack
	printf 'X' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") - 20)) conv=notrunc 2>/dev/null
	run -65 --separate-stderr apply spool
	assert_contains "$stderr" "pgmesh-apply: warning: $f: a damaged frame; moved into spool/.quarantine/a"
	assert_contains "$stderr" "pgmesh-apply: origin a: its transactions after 0/0 up to 0/10000 are missing here; transactions held back: 2 (LSN 0/20000 to 0/30000)"
	assert_contains "$stderr" "pgmesh-apply: 1 damaged frame files moved into quarantine"
	[ -f "spool/.quarantine/a/${f##*/}" ]
	[ ! -e "$f" ]
	run -0 rows
	assert_equal "$output" "0|20"
	# Nothing damaged is left: a waits for its first frame, temporarily.
	run -75 --separate-stderr apply spool
	cp good.pack "$f"
	run -0 --separate-stderr apply spool
	run -0 rows
	assert_equal "$output" "30|20"
}

@test "a split transaction: first parts wait (75), all parts go in whole, a last part alone is fine" {
	{ gen_payments 300 300 a; gen_payments 10 10 a 301 | tail -n +3; } >two.txt
	pgmesh-pack --frame-bytes 2048 <two.txt | pgmesh-ship spool/ 2>/dev/null
	local n
	n=$(find spool/a -name '*.pack' | wc -l)
	[ "$n" -ge 3 ]
	mv "$(nth_frame a "$n")" away/
	run -75 --separate-stderr apply spool
	assert_contains "$stderr" "pgmesh-apply: origin a: its transaction at LSN 0/10000 came cut short; transactions held back: 1 (LSN 0/10000 to 0/10000)"
	run -0 rows
	assert_equal "$output" "0|0"
	mv away/*.pack spool/a/
	# The state a prune leaves once the first transaction is applied
	# elsewhere: its first parts gone, its last part kept for the
	# transaction after it.
	gen_payments 300 300 a >first.txt
	run -0 --separate-stderr apply first.txt
	find spool/a -name '*.pack' | sort | head -n "$((n - 1))" | xargs rm
	run -0 --separate-stderr apply spool
	run -0 rows
	assert_equal "$output" "310|0"
}

@test "a gap older than --max-gap-age is an error (65)" {
	spool_frames a 1 3
	mv "$(nth_frame a 2)" away/
	touch -d '2 hours ago' "$(nth_frame a 2)"
	run -65 --separate-stderr apply spool
	assert_contains "$stderr" "pgmesh-apply: a gap has held back an origin for "
	assert_contains "$stderr" " s, longer than --max-gap-age (3600 s)"
	run -75 --separate-stderr apply --max-gap-age 3h spool
}

@test "--prune removes exactly what the database has flushed, per origin" {
	spool_frames a 1 3
	spool_frames b 1001 3
	local b3
	b3=$(nth_frame b 3)
	mv "$(nth_frame b 2)" away/
	run -75 --separate-stderr apply --prune spool
	run -0 find spool/a spool/b -name '*.pack'
	assert_equal "$output" "$b3"
	run -0 cat "spool/.acked/t$BATS_TEST_NUMBER"
	assert_equal "$output" "$(printf 'a 0/30000\nb 0/650000')"
	mv away/*.pack spool/b/
	run -0 --separate-stderr apply --ack inbox spool
	run -0 cat spool/.acked/inbox
	assert_equal "$output" "$(printf 'a 0/30000\nb 0/670000')"
	run -0 find spool/a spool/b -name '*.pack'
	assert_equal "$(wc -l <<<"$output")" 2
	run -0 --separate-stderr apply --prune spool
	run -0 find spool/a spool/b -name '*.pack'
	assert_equal "$output" ""
	run -0 rows
	assert_equal "$output" "30|30"
}

@test "bad uses of the gap and spool options are refused (64)" {
	gen_payments 10 10 a >in.txt
	run -64 --separate-stderr apply --ack x in.txt
	assert_equal "$stderr" "pgmesh-apply: in.txt: --ack and --prune take spool directories only"
	run -64 --separate-stderr apply --prune
	assert_equal "$stderr" "pgmesh-apply: --ack and --prune take spool directories"
	run -64 --separate-stderr apply --replay spool
	assert_equal "$stderr" "pgmesh-apply: spool: --replay takes files, not spools"
	run -64 --separate-stderr apply --accept-gap a in.txt
	assert_equal "$stderr" "pgmesh-apply: --accept-gap a: want NODE:LSN (a:0/16B3F08)"
	run -64 --separate-stderr apply --max-gap-age soon in.txt
	assert_equal "$stderr" "pgmesh-apply: --max-gap-age soon: expected N[smhd]"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --position --prune spool
	assert_equal "$stderr" "pgmesh-apply: --position takes no input and no apply options"
}
