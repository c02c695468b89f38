# pgmesh-verify stream mode: pack streams, change text and spools are
# checked whole; every damage is found and named with file and offset.
load helpers/common
bats_require_minimum_version 1.5.0

FRAMES=$TESTS_DIR/fixtures/pack-frames

# changetext ORIGIN TXNS ROWS FIRST_LSN: change text of TXNS transactions
# of ROWS payments each, LSNs 4096 apart from FIRST_LSN (decimal).
changetext() {
	awk -v o="$1" -v txns="$2" -v rows="$3" -v base="$4" -v claim="$5" 'BEGIN {
		printf "#pgmesh\t1\n"
		if (claim != "")
			printf "P\t%s\t%s\n", o, claim
		for (t = 1; t <= txns; t++) {
			lsn = base + 4096 * t
			printf "B\t%s\t0/%X\t2026-11-21 13:16:41.123456+00\t%d\n",
			    o, lsn, 700 + t
			if (t == 1)
				printf "T\tpublic.payments\tid\tbigint\tamount\t" \
				    "numeric(12,2)\tmemo\ttext\n"
			for (r = 0; r < rows; r++) {
				id++
				printf "I\tpublic.payments\t%d\t%d.%02d\tinvoice %d\\tx\n",
				    id, id % 1000, id % 100, id
			}
			printf "C\t%s\t0/%X\n", o, lsn
		}
	}'
}

# mutate SRC DST: DST is SRC with one byte at a random offset changed to
# another value (RANDOM: seed_random first).  Prints the offset.
mutate() {
	local size off old new
	size=$(stat -c %s "$1")
	off=$(( (RANDOM * 32768 + RANDOM) % size ))
	old=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
	new=$(( (old + 1 + RANDOM % 255) % 256 ))
	cp "$1" "$2"
	printf "$(printf '\\%03o' "$new")" |
		dd of="$2" bs=1 seek="$off" conv=notrunc status=none
	echo "$off"
}

setup_file() {
	pg_start dst
	pg_sql dst "CREATE TABLE payments (id bigint PRIMARY KEY,
		amount numeric(12,2), memo text)"
	local d=$BATS_FILE_TMPDIR
	# Three streams packed apart and concatenated: the frame boundaries
	# are known (a cut exactly there leaves a valid, shorter stream).
	changetext a 20 25 22000000 0/0 >"$d/a1.txt"
	changetext a 20 25 23000000 "$(printf '0/%X' $((22000000 + 4096 * 20)))" >"$d/a2.txt"
	pgmesh-pack --frame-bytes 6000 <"$d/a1.txt" >"$d/p1.pack"
	pgmesh-pack --frame-bytes 6000 <"$d/a2.txt" >"$d/p2.pack"
	cat "$d/p1.pack" "$d/p2.pack" >"$d/a.pack"
	mkdir "$d/mut"
	seed_random
	for i in $(seq 1 200); do
		mutate "$d/a.pack" "$d/mut/m$i.pack" >/dev/null
	done
	# A transaction of 400 rows split over frames, in a spool.
	changetext b 3 400 22000000 | pgmesh-pack --frame-bytes 4000 >"$d/b.pack"
	pgmesh-ship "$d/spool/" <"$d/b.pack" 2>/dev/null
}

teardown_file() {
	pg_stop_all
}

@test "a clean pack stream: summary per origin, exit 0" {
	run -0 --separate-stderr pgmesh-verify "$BATS_FILE_TMPDIR/a.pack"
	assert_equal "$stderr" ""
	assert_contains "$output" "origin a first 0/14FC180 last 0/16033C0 "
	assert_contains "$output" " transactions 40 rows 1000 tables 1 (public.payments)"
	assert_equal "${lines[1]}" "problems 0"
}

@test "change text on stdin is checked too" {
	run -0 --separate-stderr pgmesh-verify <"$BATS_FILE_TMPDIR/a1.txt"
	assert_equal "$output" "origin a first 0/14FC180 last 0/150F180 frames 0 transactions 20 rows 500 tables 1 (public.payments)
problems 0"
}

@test "each of 200 single-byte changes is detected" {
	local f undetected=0
	seed_random	# the one setup_file changed the bytes with
	for f in "$BATS_FILE_TMPDIR"/mut/*.pack; do
		run --separate-stderr pgmesh-verify "$f"
		# 1 is "problems found": a crash or a refusal to check is not.
		# The message names the place: a frame, or byte 0 when the
		# change hit the stream's first magic number.
		if [ "$status" -ne 1 ] || [[ $stderr != *"frame at byte"* &&
		    $stderr != *": byte 0: "* ]] ||
		    [[ $output != *"problems "[1-9]* ]]; then
			echo "not detected: $f (exit $status): $stderr"
			undetected=$((undetected + 1))
		fi
	done
	[ "$undetected" -eq 0 ]
}

@test "pgmesh-apply rejects each of the 200 changed streams" {
	[ -x "$PGMESH_BIN/pgmesh-apply" ] || skip "pgmesh-apply is not built"
	local f rejected=0 conn
	seed_random	# the one setup_file changed the bytes with
	conn=$(pg_conninfo dst)
	for f in "$BATS_FILE_TMPDIR"/mut/*.pack; do
		pg_sql dst "TRUNCATE payments; SELECT pg_replication_origin_drop(roname)
			FROM pg_replication_origin" >/dev/null
		run --separate-stderr pgmesh-apply -d "$conn" --allow '*:*' "$f"
		if [ "$status" -ne 65 ]; then
			echo "not rejected: $f (exit $status): $stderr"
			rejected=$((rejected + 1))
		fi
	done
	[ "$rejected" -eq 0 ]
}

@test "truncation at 50 random offsets is detected" {
	local size cut off missed=0 d=$BATS_FILE_TMPDIR
	local -A starts
	seed_random
	size=$(stat -c %s "$d/a.pack")
	# A cut where a frame starts leaves a valid, shorter stream: never
	# there (every frame, of both packs, by its manifest).
	for off in $("$FRAMES" <"$d/a.pack" | cut -d' ' -f1); do
		starts[$off]=1
	done
	[ "${#starts[@]}" -gt 2 ]
	for cut in $(seq 1 50); do
		off=0
		while [ -n "${starts[$off]:-}" ]; do
			off=$(( (RANDOM * 32768 + RANDOM) % size ))
		done
		head -c "$off" "$d/a.pack" >"$d/cut.pack"
		run --separate-stderr pgmesh-verify "$d/cut.pack"
		if [ "$status" -ne 1 ] || [[ $stderr != *"frame at byte"* ]]; then
			echo "cut at $off not detected (exit $status)"
			missed=$((missed + 1))
		fi
	done
	[ "$missed" -eq 0 ]
}

@test "after a bad frame the check goes on and reports every problem" {
	local d=$BATS_FILE_TMPDIR size1
	size1=$(stat -c %s "$d/p1.pack")
	# Damage the last byte of each stream: the last frame of each.
	cp "$d/p1.pack" "$d/x1.pack"
	cp "$d/p2.pack" "$d/x2.pack"
	printf '\377' | dd of="$d/x1.pack" bs=1 seek=$((size1 - 1)) conv=notrunc status=none
	printf '\377' | dd of="$d/x2.pack" bs=1 seek=$(($(stat -c %s "$d/p2.pack") - 1)) \
		conv=notrunc status=none
	cat "$d/x1.pack" "$d/x2.pack" >"$d/two.pack"
	run -1 --separate-stderr pgmesh-verify "$d/two.pack"
	[ "$(grep -c 'two.pack: frame at byte' <<<"$stderr")" -eq 2 ]
	assert_equal "${lines[1]}" "problems 2"
}

@test "a clean spool: split transactions whole" {
	run -0 --separate-stderr pgmesh-verify "$BATS_FILE_TMPDIR/spool"
	assert_contains "$output" "origin b first 0/14FC180 last 0/14FE180 "
	assert_contains "$output" "transactions 3 rows 1200"
	assert_contains "$output" "problems 0"
}

@test "a missing frame in a spool is detected and named" {
	local s=$BATS_FILE_TMPDIR/spool2 gone
	cp -r "$BATS_FILE_TMPDIR/spool" "$s"
	gone=$(LC_ALL=C ls "$s/b" | sed -n 2p)
	rm "$s/b/$gone"
	run -1 --separate-stderr pgmesh-verify "$s"
	# The second file is part 1 of the first transaction.
	assert_equal "${gone%%[+@]*}" "00000000014FC180-00000000014FC180.1"
	assert_contains "$stderr" "spool2/b/00000000014FC180-00000000014FC180.2"
	assert_contains "$stderr" ".pack: frame at byte 0: origin b: part 2 of transaction LSN 0/14FC180, but part 1 before it is missing"
	assert_contains "$output" "problems 1"
}

@test "a missing last part at the end of a spool is detected" {
	local s=$BATS_FILE_TMPDIR/spool3 gone part
	cp -r "$BATS_FILE_TMPDIR/spool" "$s"
	gone=$(LC_ALL=C ls "$s/b" | tail -1)
	part=${gone#*.}
	part=${part%%[+@.]*}
	rm "$s/b/$gone"
	run -1 --separate-stderr pgmesh-verify "$s"
	assert_contains "$stderr" ", frame at byte 0: origin b: transaction LSN 0/14FE180 continues in a part $part that is missing (end of input)"
}

# lsn_of NAME: the LSN a spool file name ends its range with (X/X form).
lsn_of() {
	local h=${1#*-}
	h=${h:0:16}
	printf '%X/%X' $((16#${h:0:8})) $((16#${h:8:8}))
}

@test "a whole frame missing from a spool filled by capture rounds is a gap" {
	[ -x "$PGMESH_BIN/pgmesh-capture" ] || skip "pgmesh-capture is not built"
	local d=$BATS_TEST_TMPDIR conn i files
	pg_start src
	pg_sql src "CREATE TABLE payments (id bigint PRIMARY KEY,
		amount numeric(12,2), memo text)"
	conn=$(pg_conninfo src)
	pgmesh-capture -d "$conn" --node a --slot outbox --init
	mkdir "$d/outbox"
	# The cron pattern: each round resumes where the outbox stands.
	for i in 1 2 3 4; do
		pg_sql src "INSERT INTO payments SELECT g, g, 'round $i'
			FROM generate_series($i * 100, $i * 100 + 9) g"
		pgmesh-capture -d "$conn" --slot outbox --drain \
			--after "$(pgmesh-ship --position --origin a "$d/outbox")" |
			pgmesh-pack | pgmesh-ship "$d/outbox"
	done
	files=($(LC_ALL=C ls "$d/outbox/a"))
	[ "${#files[@]}" -eq 4 ]
	run -0 --separate-stderr pgmesh-verify "$d/outbox"
	assert_equal "$stderr" ""
	assert_contains "$output" " frames 4 transactions 4 rows 40 "
	# Round 2's frame gone: round 3's says it follows round 2's end.
	rm "$d/outbox/a/${files[1]}"
	run -1 --separate-stderr pgmesh-verify "$d/outbox"
	assert_equal "$stderr" "pgmesh-verify: $d/outbox/a/${files[2]}: frame at byte 0: origin a: frames between $(lsn_of "${files[0]}") and $(lsn_of "${files[1]}") are missing (gap)"
	assert_equal "${lines[1]}" "problems 1"
	# The first frames gone (a pruned spool) are no gap.
	rm "$d/outbox/a/${files[0]}" "$d/outbox/a/${files[2]}"
	run -0 --separate-stderr pgmesh-verify "$d/outbox"
	assert_equal "$stderr" ""
}

@test "a frame cut out of a concatenated stream is a gap" {
	local d=$BATS_FILE_TMPDIR off2 off3
	# a.pack is p1.pack then p2.pack: cut the second frame out.
	off2=$("$FRAMES" <"$d/a.pack" | sed -n 2p | cut -d' ' -f1)
	off3=$("$FRAMES" <"$d/a.pack" | sed -n 3p | cut -d' ' -f1)
	{ head -c "$off2" "$d/a.pack"; tail -c +$((off3 + 1)) "$d/a.pack"; } \
		>"$BATS_TEST_TMPDIR/cut.pack"
	run -1 --separate-stderr pgmesh-verify "$BATS_TEST_TMPDIR/cut.pack"
	assert_equal "$stderr" "pgmesh-verify: $BATS_TEST_TMPDIR/cut.pack: frame at byte $off2: origin a: frames between $("$FRAMES" <"$d/a.pack" | sed -n 1p | cut -d' ' -f5) and $("$FRAMES" <"$d/a.pack" | sed -n 2p | cut -d' ' -f5) are missing (gap)"
	assert_equal "${lines[1]}" "problems 1"
	# pack -d says so with a P record where the stream breaks (after the
	# one that claims a's whole history), and verify sees the same gap in
	# that change text.
	pgmesh-pack -d "$BATS_TEST_TMPDIR/cut.pack" >"$BATS_TEST_TMPDIR/cut.txt"
	assert_equal "$(grep -c '^P	a	' "$BATS_TEST_TMPDIR/cut.txt")" 2
	run -1 --separate-stderr pgmesh-verify "$BATS_TEST_TMPDIR/cut.txt"
	assert_contains "$stderr" "origin a: transactions between "
	assert_contains "$stderr" " are missing (gap)"
}

@test "LSN order within an origin, across inputs" {
	local d=$BATS_FILE_TMPDIR
	run -1 --separate-stderr pgmesh-verify "$d/p2.pack" "$d/p1.pack"
	assert_contains "$stderr" "p1.pack: frame at byte 0: origin a: transaction LSN 0/14FC180 is not above the one before it (0/16033C0): out of order or repeated"
}

@test "an incomplete transaction in change text" {
	head -n -1 "$BATS_FILE_TMPDIR/a1.txt" >"$BATS_FILE_TMPDIR/open.txt"
	run -1 --separate-stderr pgmesh-verify "$BATS_FILE_TMPDIR/open.txt"
	assert_contains "$stderr" "has no C record at end of input"
	assert_contains "$output" "transactions 20 rows 500"
	assert_contains "$output" "problems 1"
}

@test "--lag: applied position and what is behind it" {
	local d=$BATS_FILE_TMPDIR conn
	conn=$(pg_conninfo dst)
	pg_sql dst "TRUNCATE payments; SELECT pg_replication_origin_drop(roname)
		FROM pg_replication_origin" >/dev/null
	run -0 pgmesh-apply -d "$conn" --allow '*:*' "$d/p1.pack"
	run -0 --separate-stderr pgmesh-verify -d "$conn" --lag \
		--metrics "$d/verify.prom" "$d/a.pack"
	assert_contains "$output" "applied 0/150F180 behind_bytes 1000000 behind_transactions 20 "
	assert_contains "$(cat "$d/verify.prom")" 'pgmesh_verify_lag_transactions{origin="a"} 20'
	assert_contains "$(cat "$d/verify.prom")" 'pgmesh_verify_problems 0'
	[ -z "$(find "$d" -maxdepth 1 -name '.verify.prom.*')" ]
}

@test "--lag: an origin held back behind a gap, and for how long" {
	local d=$BATS_FILE_TMPDIR conn held=$BATS_TEST_TMPDIR/held
	conn=$(pg_conninfo dst)
	pg_sql dst "TRUNCATE payments; SELECT pg_replication_origin_drop(roname)
		FROM pg_replication_origin" >/dev/null
	# The second stream's frames alone: the first stream's are missing.
	pgmesh-ship "$held/" <"$d/p2.pack" 2>/dev/null
	touch -d '2 hours ago' "$held"/a/*.pack
	run -0 --separate-stderr pgmesh-verify -d "$conn" --lag \
		--metrics "$d/held.prom" "$held"
	assert_contains "$output" " held_back_seconds 720"
	run -0 grep -c '^pgmesh_verify_held_back_seconds{origin="a"} 720[0-9]$' "$d/held.prom"
	# Once what it lacked is applied, nothing holds it back.
	run -0 --separate-stderr pgmesh-apply -d "$conn" --allow '*:*' "$d/p1.pack"
	run -0 --separate-stderr pgmesh-verify -d "$conn" --lag "$held"
	assert_contains "$output" " held_back_seconds 0 "
}

@test "--metrics in stream mode counts problems" {
	local d=$BATS_FILE_TMPDIR
	run -1 --separate-stderr pgmesh-verify --metrics "$d/m.prom" "$d/mut/m1.pack"
	grep -q '^pgmesh_verify_problems [1-9]' "$d/m.prom"
	grep -q '^pgmesh_verify_success 1$' "$d/m.prom"
	grep -q '^# TYPE pgmesh_verify_rows gauge$' "$d/m.prom"
}

@test "--metrics refuses a symbolic link planted in its place" {
	local d=$BATS_FILE_TMPDIR
	echo precious >"$BATS_TEST_TMPDIR/victim"
	ln -s victim "$BATS_TEST_TMPDIR/m.prom"
	run -73 --separate-stderr pgmesh-verify --metrics "$BATS_TEST_TMPDIR/m.prom" "$d/a.pack"
	assert_contains "$stderr" "pgmesh-verify: $BATS_TEST_TMPDIR/m.prom: is a symbolic link; refusing to replace it"
	run -0 cat "$BATS_TEST_TMPDIR/victim"
	assert_equal "$output" "precious"
	[ -L "$BATS_TEST_TMPDIR/m.prom" ]
}

@test "could not verify: missing input 66, bad usage 64" {
	run -66 --separate-stderr pgmesh-verify "$BATS_FILE_TMPDIR/none.pack"
	assert_contains "$stderr" "none.pack: No such file or directory"
	run -64 --separate-stderr pgmesh-verify --lag x.pack
	assert_equal "$stderr" "pgmesh-verify: --digest, --compare and --lag need -d CONNINFO"
	run -64 --separate-stderr pgmesh-verify --no-such-option
	run -0 --separate-stderr pgmesh-verify --help
	assert_contains "$output" "usage: pgmesh-verify"
	assert_equal "$stderr" ""
}
