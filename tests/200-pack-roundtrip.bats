# pgmesh-pack: change text | pack | pack -d gives back the same bytes, and
# the stream is what pgmesh-format(5) says (zstd -dc, cat, single frames).
load helpers/common
bats_require_minimum_version 1.5.0

GEN=$TESTS_DIR/fixtures/gen-changetext
FRAMES=$TESTS_DIR/fixtures/pack-frames

setup_file() {
	export WORK=$BATS_FILE_TMPDIR
	# Every escaping case, NULLs, empty strings, 33 kB values, non-UTF-8
	# bytes, two origins, a quoted table name, a definition that changes.
	"$GEN" 300 7 5 >"$WORK/mixed.txt"
	# Many tables.
	"$GEN" 40 50 400 >"$WORK/tables.txt"
}

@test "round trip of generated text covering every record type and escape" {
	run -0 --separate-stderr bash -c 'pgmesh-pack <"$WORK/mixed.txt" >"$WORK/mixed.pack"'
	assert_equal "$stderr" ""
	run -0 --separate-stderr pgmesh-pack -d "$WORK/mixed.pack"
	assert_equal "$stderr" ""
	cmp "$WORK/mixed.txt" <(pgmesh-pack -d "$WORK/mixed.pack")
	# The input really has what it claims to cover.
	grep -q $'\t\\\\N\t' "$WORK/mixed.txt"
	grep -q $'\t\t' "$WORK/mixed.txt"
	grep -q '\\t' "$WORK/mixed.txt"
	grep -q '\\n' "$WORK/mixed.txt"
	grep -q '\\r' "$WORK/mixed.txt"
	grep -q '\\\\' "$WORK/mixed.txt"
	grep -q '^B	hub-2	' "$WORK/mixed.txt"
	[ "$(grep -c '^T	s2.t2	' "$WORK/mixed.txt")" -eq 2 ]
}

@test "round trip of the extreme LSNs, commit times and xids" {
	printf '%s\n' '#pgmesh	1' 'P	a	0/0' \
		'B	a	0/1	0001-01-01 00:00:00.000000+00	0' 'T	s.t	v	text' \
		'I	s.t	x' 'C	a	0/1' \
		'B	a	1/0	1969-12-31 23:59:59.999999+00	4294967295' \
		'I	s.t	x' 'C	a	1/0' \
		'B	a	ABCDEF01/10	2000-02-29 12:34:56.000001+00	10' \
		'I	s.t	x' 'C	a	ABCDEF01/10' \
		'B	a	FFFFFFFF/FFFFFFFE	9999-12-31 23:59:59.999999+00	7' \
		'I	s.t	x' 'C	a	FFFFFFFF/FFFFFFFE' >"$WORK/edge.txt"
	pgmesh-pack <"$WORK/edge.txt" | pgmesh-pack -d | cmp "$WORK/edge.txt" -
}

@test "round trip of many tables, and of files given as arguments" {
	pgmesh-pack "$WORK/tables.txt" >"$WORK/tables.pack"
	[ "$(grep -c "^T" "$WORK/tables.txt")" -ge 400 ]
	cmp "$WORK/tables.txt" <(pgmesh-pack -d <"$WORK/tables.pack")
	pgmesh-pack -o "$WORK/out.pack" - <"$WORK/tables.txt"
	cmp "$WORK/tables.pack" "$WORK/out.pack"
}

@test "transactions larger than a frame are split, and join again" {
	pgmesh-pack --frame-bytes 4K <"$WORK/mixed.txt" >"$WORK/small.pack"
	"$FRAMES" <"$WORK/small.pack" >"$WORK/small.frames"
	grep -q ' >$' "$WORK/small.frames"
	grep -q ' <>$' "$WORK/small.frames"
	grep -q ' <$' "$WORK/small.frames"
	cmp "$WORK/mixed.txt" <(pgmesh-pack -d "$WORK/small.pack")
}

@test "frames hold one origin each, and the manifests count what they hold" {
	pgmesh-pack <"$WORK/mixed.txt" >"$WORK/mixed.pack"
	"$FRAMES" <"$WORK/mixed.pack" >"$WORK/mixed.frames"
	# Transactions and rows add up to those of the text.
	run -0 awk '{ t += $6; r += $7 } END { print t, r }' "$WORK/mixed.frames"
	assert_equal "$output" "300 2100"
	grep -q ' hub-2 ' "$WORK/mixed.frames"
	[ "$(awk '{ print $3 }' "$WORK/mixed.frames" | uniq | wc -l)" -gt 50 ]
}

@test "zstd -dc accepts a pack stream and prints its CBOR" {
	pgmesh-pack <"$WORK/mixed.txt" >"$WORK/mixed.pack"
	run -0 --separate-stderr bash -c 'zstd -dc <"$WORK/mixed.pack" | wc -c'
	[ "$output" -gt 100000 ]
	# The CBOR holds the values as they are, unescaped.
	zstd -dc <"$WORK/mixed.pack" | grep -aq 'line
break'
	zstd -dc <"$WORK/mixed.pack" | grep -aq '"Sales"."order lines"'
	zstd -t -q "$WORK/mixed.pack"
}

@test "cat a.pack b.pack | pgmesh-pack -d prints both texts in order" {
	"$GEN" 30 3 2 >"$WORK/a.txt"
	{ printf '#pgmesh\t1\n'; "$GEN" 20 4 2 | sed -n '2,$p' |
	    sed 's/s0\.t0/other.t0/; s/"Sales"/"Other"/; s/^\([BCP]\)\ta\t/\1\tb\t/; s/^\([BCP]\)\thub-2\t/\1\tc\t/'; } >"$WORK/b.txt"
	pgmesh-pack <"$WORK/a.txt" >"$WORK/a.pack"
	pgmesh-pack <"$WORK/b.txt" >"$WORK/b.pack"
	cat "$WORK/a.pack" "$WORK/b.pack" | pgmesh-pack -d >"$WORK/ab.txt"
	cmp "$WORK/ab.txt" <(cat "$WORK/a.txt"; sed 1d "$WORK/b.txt")
	# The same, with the streams as two file arguments.
	cmp "$WORK/ab.txt" <(pgmesh-pack -d "$WORK/a.pack" "$WORK/b.pack")
}

@test "P records: a claim starts the chain, a break starts a frame" {
	local t=$'T\tpublic.p\tid\tbigint'
	{ printf '#pgmesh\t1\nP\ta\t0/FF\n'
	  printf 'B\ta\t0/%s\t2026-11-21 13:16:41.123456+00\t7\n%s\nI\tpublic.p\t1\nC\ta\t0/%s\n' 100 "$t" 100
	  printf 'B\ta\t0/200\t2026-11-21 13:16:41.123456+00\t8\nI\tpublic.p\t2\nC\ta\t0/200\n'
	  printf 'P\ta\t0/300\nB\ta\t0/400\t2026-11-21 13:16:41.123456+00\t9\n'
	  printf 'I\tpublic.p\t3\nC\ta\t0/400\n'; } >"$WORK/p.txt"
	pgmesh-pack <"$WORK/p.txt" >"$WORK/p.pack"
	assert_equal "$("$FRAMES" <"$WORK/p.pack" | cut -d' ' -f3-)" "a 0/100 0/200 2 2 -
a 0/400 0/400 1 1 -"
	cmp "$WORK/p.txt" <(pgmesh-pack -d "$WORK/p.pack")
}

@test "any single frame, cut out by its manifest's length, decodes alone" {
	pgmesh-pack <"$WORK/mixed.txt" >"$WORK/mixed.pack"
	"$FRAMES" <"$WORK/mixed.pack" >"$WORK/mixed.frames"
	: >"$WORK/joined.txt"
	while read -r off len _; do
		tail -c +$((off + 1)) "$WORK/mixed.pack" | head -c "$len" >"$WORK/one.pack"
		# Alone, a frame also says where its origin's stream stood (P).
		pgmesh-pack -d "$WORK/one.pack" | grep -av '^[#TP]' >>"$WORK/joined.txt"
	done <"$WORK/mixed.frames"
	cmp "$WORK/joined.txt" <(grep -av '^[#TP]' "$WORK/mixed.txt")
}

@test "a part of a split transaction alone is refused, never half applied" {
	pgmesh-pack --frame-bytes 4K <"$WORK/mixed.txt" >"$WORK/small.pack"
	read -r off len _ < <("$FRAMES" <"$WORK/small.pack" | grep ' >$' | head -1)
	tail -c +$((off + 1)) "$WORK/small.pack" | head -c "$len" >"$WORK/part.pack"
	run -65 --separate-stderr pgmesh-pack -d "$WORK/part.pack"
	# The frame's claim, and nothing of the transaction.
	assert_equal "$output" $'#pgmesh\t1\nP\ta\t0/0'
	assert_contains "$stderr" "last part is missing"
}

@test "compression is on par with zstd -3 of the text" {
	"$GEN" 20 1000 1 payments >"$WORK/pay.txt"
	pgmesh-pack <"$WORK/pay.txt" >"$WORK/pay.pack"
	zstd -3 -q -c <"$WORK/pay.txt" >"$WORK/pay.zst"
	cmp "$WORK/pay.txt" <(pgmesh-pack -d "$WORK/pay.pack")
	[ "$(stat -c %s "$WORK/pay.pack")" -le $(($(stat -c %s "$WORK/pay.zst") * 11 / 10)) ]
}

@test "one-row transactions: a frame declares each table once" {
	# Each transaction after the first relies on the frame's T record; a
	# T record (and a manifest entry) per transaction made one-row
	# streams seven times larger than zstd's.
	"$GEN" 20000 1 1 payments >"$WORK/one.txt"
	pgmesh-pack -v <"$WORK/one.txt" >"$WORK/one.pack" 2>"$WORK/one.log"
	zstd -3 -q -c <"$WORK/one.txt" >"$WORK/one.zst"
	cmp "$WORK/one.txt" <(pgmesh-pack -d "$WORK/one.pack")
	frames=$(grep -c 'frame:' "$WORK/one.log")
	# The name in each manifest (stored as is), and once in each frame's
	# records.
	[ "$(grep -ao 'public\.payments' "$WORK/one.pack" | wc -l)" -eq "$frames" ]
	[ "$(zstd -dc <"$WORK/one.pack" | grep -ao 'public\.payments' | wc -l)" -eq "$frames" ]
	[ "$(stat -c %s "$WORK/one.pack")" -le $(($(stat -c %s "$WORK/one.zst") * 11 / 10)) ]
}

# tests/fixtures/format1.pack was written by pgmesh-pack of format 1 (the
# commit before format 2) from the text below: frame a claims 0/FF, frame
# b makes no claim (format 1 wrote 0 for that).
@test "format 1 frames are still read, a prev_lsn of 0 as no claim" {
	local want=$'#pgmesh\t1\nP\ta\t0/FF\nB\ta\t0/100\t2026-11-21 13:16:41.123456+00\t7\nT\tpublic.p\tid\tbigint\tmemo\ttext\nI\tpublic.p\t1\tone\nC\ta\t0/100\nB\tb\t0/200\t2026-11-21 13:16:42.000000+00\t8\nI\tpublic.p\t2\ttwo\nC\tb\t0/200'
	run -0 --separate-stderr pgmesh-pack -d "$TESTS_DIR/fixtures/format1.pack"
	assert_equal "$output" "$want"
	assert_equal "$stderr" ""
	run -0 --separate-stderr pgmesh-verify "$TESTS_DIR/fixtures/format1.pack"
	assert_equal "$stderr" ""
}
