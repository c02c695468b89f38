# pgmesh-pack on bad input: malformed change text stops packing at the bad
# line, and a damaged pack stops unpacking at the damaged frame; in both
# cases everything whole before it is still written, nothing after.  An
# output file (-o) is removed instead, on an error or a signal.
load helpers/common
bats_require_minimum_version 1.5.0

FRAMES=$TESTS_DIR/fixtures/pack-frames
GEN=$TESTS_DIR/fixtures/gen-changetext
T1=$'P\ta\t0/0\nB\ta\t0/100\t2026-11-21 13:16:41.123456+00\t7\nT\tpublic.p\tid\tbigint\tmemo\ttext\nI\tpublic.p\t1\tone\nC\ta\t0/100'
B2=$'B\ta\t0/200\t2026-11-21 13:16:42.000000+00\t8'

setup_file() {
	export WORK=$BATS_FILE_TMPDIR
	printf '#pgmesh\t1\n%s\n' "$T1" >"$WORK/good.txt"
}

# pack_to FILE ARG...: pgmesh-pack ARG... with its standard output in FILE.
pack_to() {
	local out=$1
	shift
	pgmesh-pack "$@" >"$out"
}

# check_bad_text LINENO MESSAGE TEXT: pack stops at line LINENO with
# MESSAGE and exit 65, having written the first transaction only on
# stdout, and no -o file at all.
check_bad_text() {
	printf '#pgmesh\t1\n%s\n%s\n' "$T1" "$3" >"$WORK/bad.txt"
	run -65 --separate-stderr pgmesh-pack -o "$WORK/bad.pack" "$WORK/bad.txt"
	assert_contains "$stderr" "pgmesh-pack: $WORK/bad.txt:$1: $2"
	[ ! -e "$WORK/bad.pack" ]
	run -65 --separate-stderr pack_to "$WORK/bad.pack" "$WORK/bad.txt"
	assert_contains "$stderr" "pgmesh-pack: $WORK/bad.txt:$1: $2"
	run -0 --separate-stderr pgmesh-pack -d "$WORK/bad.pack"
	assert_equal "$output" "$(cat "$WORK/good.txt")"
}

@test "malformed text: unknown record type" {
	check_bad_text 8 'unknown record type "X"' "$B2"$'\nX\tpublic.p\t2\ttwo'
}

@test "malformed text: wrong field count for the declared table" {
	check_bad_text 8 'I record for public.p has 3 values, its T record declares 2 columns' \
	    "$B2"$'\nI\tpublic.p\t2\ttwo\tthree'
}

@test "malformed text: row outside B..C" {
	check_bad_text 7 'I record outside a transaction' $'I\tpublic.p\t2\ttwo'
}

@test "malformed text: bad escape" {
	check_bad_text 8 'bad escape' "$B2"$'\nI\tpublic.p\t2\tt\\wo'
}

@test "malformed text: C without B" {
	check_bad_text 7 'C record without a B record' $'C\ta\t0/200'
}

@test "malformed text: origin or LSN of C does not match its B" {
	check_bad_text 9 'C record (b, 0/200) does not match its B record (a, 0/200)' \
	    "$B2"$'\nI\tpublic.p\t2\ttwo\nC\tb\t0/200'
	check_bad_text 9 'C record (a, 0/201) does not match its B record (a, 0/200)' \
	    "$B2"$'\nI\tpublic.p\t2\ttwo\nC\ta\t0/201'
}

@test "malformed text: a P record inside a transaction, or malformed" {
	check_bad_text 8 'P record inside the open transaction of origin a, LSN 0/200' \
	    "$B2"$'\nP\ta\t0/100'
	check_bad_text 7 'P record needs 3 fields, it has 2' $'P\ta'
	check_bad_text 7 'bad LSN' $'P\ta\t0/-1'
}

@test "transactions with no claim before them go into frames that claim nothing" {
	# b has no P record; a header again starts a new stream, so a's claim
	# does not hold after it either.
	printf '#pgmesh\t1\n%s\n%s\nI\tpublic.p\t2\ttwo\nC\tb\t0/200\n#pgmesh\t1\n%s\nI\tpublic.p\t3\tthree\nC\ta\t0/300\n' \
	    "$T1" "${B2/a/b}" "${B2//200/300}" >"$WORK/unclaimed.txt"
	pgmesh-pack "$WORK/unclaimed.txt" >"$WORK/unclaimed.pack"
	assert_equal "$("$FRAMES" -p <"$WORK/unclaimed.pack" | cut -d' ' -f3,4,9 | tr '\n' ,)" \
		"a 0/100 0/0,b 0/200 none,a 0/300 none,"
	# pack -d gives the text back: no claim for b, and the header again
	# where a's claim ends (change text cannot withdraw one otherwise).
	run -0 --separate-stderr pgmesh-pack -d "$WORK/unclaimed.pack"
	assert_equal "$output" "$(cat "$WORK/unclaimed.txt")"
}

@test "malformed text: a transaction open at end of input is dropped" {
	printf '#pgmesh\t1\n%s\n%s\nI\tpublic.p\t2\ttwo\n' "$T1" "$B2" >"$WORK/open.txt"
	run -65 --separate-stderr pack_to "$WORK/open.pack" - <"$WORK/open.txt"
	assert_contains "$stderr" "warning: stdin: transaction of origin a, LSN 0/200 has no C record at end of input; dropped"
	run -0 --separate-stderr pgmesh-pack -d "$WORK/open.pack"
	assert_equal "$output" "$(cat "$WORK/good.txt")"
	run -65 --separate-stderr pgmesh-pack -o "$WORK/open.pack" <"$WORK/open.txt"
	[ ! -e "$WORK/open.pack" ]
}

@test "pack refuses to write to a terminal" {
	run -64 script -qec "$PGMESH_BIN/pgmesh-pack $WORK/good.txt" /dev/null
	assert_contains "$output" "pgmesh-pack: refusing to write a pack stream to a terminal"
	run -64 --separate-stderr pgmesh-pack -d -l 5 "$WORK/good.txt"
	assert_contains "$stderr" "not with -d"
	run -64 --separate-stderr pgmesh-pack --frame-bytes 12Q "$WORK/good.txt"
	assert_contains "$stderr" "--frame-bytes 12Q"
	run -66 --separate-stderr pgmesh-pack -o "$WORK/x.pack" "$WORK/no-such-file"
	assert_contains "$stderr" "no-such-file"
	[ ! -e "$WORK/x.pack" ]
}

# A stream of three frames (three origins), its frames listed.
make_stream() {
	{ printf '#pgmesh\t1\n%s\n' "$T1"
	  printf 'P\tb\t0/0\n%s\nI\tpublic.p\t2\ttwo\nC\ta\t0/200\n' "${B2/a/b}" | sed 's/^C\ta/C\tb/'
	  printf 'P\tc\t0/0\nB\tc\t0/300\t2026-11-21 13:16:43.000000+00\t9\nI\tpublic.p\t3\tthree\nC\tc\t0/300\n'
	} >"$WORK/three.txt"
	pgmesh-pack <"$WORK/three.txt" >"$WORK/three.pack"
	"$FRAMES" <"$WORK/three.pack" >"$WORK/three.frames"
	[ "$(wc -l <"$WORK/three.frames")" -eq 3 ]
	SECOND=$(sed -n 2p "$WORK/three.frames" | cut -d' ' -f1)
	THIRD=$(sed -n 3p "$WORK/three.frames" | cut -d' ' -f1)
	# What -d must print when it stops at the second frame.
	printf '#pgmesh\t1\n%s\n' "$T1" >"$WORK/first.txt"
}

# flip_byte FILE OFFSET: invert the bits of one byte.
flip_byte() {
	perl -e 'open(my $f, "+<", $ARGV[0]) or die; binmode $f;
	    seek($f, $ARGV[1], 0); read($f, my $c, 1);
	    seek($f, $ARGV[1], 0); print $f chr(ord($c) ^ 0xFF);' "$1" "$2"
}

@test "corrupted data frame: offset of the frame, exit 65, nothing of it" {
	make_stream
	cp "$WORK/three.pack" "$WORK/bad.pack"
	# The last byte of the second frame: inside its data frame.
	flip_byte "$WORK/bad.pack" $((THIRD - 1))
	run -65 --separate-stderr pgmesh-pack -d "$WORK/bad.pack"
	assert_equal "$stderr" "pgmesh-pack: $WORK/bad.pack: frame at byte $SECOND: data frame does not match the SHA-256 of its manifest (damaged)"
	assert_equal "$output" "$(cat "$WORK/first.txt")"
}

@test "corrupted manifest: offset of the frame, exit 65, nothing of it" {
	make_stream
	for at in 0 4 12 40; do
		cp "$WORK/three.pack" "$WORK/bad.pack"
		flip_byte "$WORK/bad.pack" $((SECOND + at))
		run -65 --separate-stderr pgmesh-pack -d "$WORK/bad.pack"
		assert_contains "$stderr" "pgmesh-pack: $WORK/bad.pack: frame at byte $SECOND: "
		assert_equal "$output" "$(cat "$WORK/first.txt")"
	done
}

@test "truncated stream: offset of the frame, exit 65, nothing of it" {
	make_stream
	for cut in 3 20 $(((THIRD - SECOND) - 1)); do
		head -c $((SECOND + cut)) "$WORK/three.pack" >"$WORK/cut.pack"
		run -65 --separate-stderr pgmesh-pack -d <"$WORK/cut.pack"
		assert_contains "$stderr" "pgmesh-pack: stdin: frame at byte $SECOND: "
		assert_contains "$stderr" "truncated"
		assert_equal "$output" "$(cat "$WORK/first.txt")"
	done
}

@test "change text is not a pack stream" {
	run -65 --separate-stderr pgmesh-pack -d "$WORK/good.txt"
	assert_equal "$stderr" "pgmesh-pack: $WORK/good.txt: frame at byte 0: not a pack frame (no pgmesh manifest there)"
	assert_equal "$output" "#pgmesh	1"
}

@test "manifests: an added key is ignored, a damaged or missing one refused" {
	pgmesh-pack <"$WORK/good.txt" >"$WORK/one.pack"
	# Add "zzz": null to the first manifest's map (15 -> 16 entries), as a
	# later version might (before sig, which stays last), and fix the
	# skippable frame's length.
	add_key() {
		perl -0777 -e '
			$_ = <STDIN>;
			my $len = unpack("V", substr($_, 4, 4));
			substr($_, 8, 1) eq "\xaf" or die "not a 15-entry map";
			my $at = $ARGV[0] eq "last" ? 8 + $len : index($_, "csig\xf6");
			substr($_, $at, 0) = "czzz\xf6";
			substr($_, 8, 1) = "\xb0";
			substr($_, 4, 4) = pack("V", $len + 5);
			print' "$1" <"$WORK/one.pack"
	}
	add_key before-sig >"$WORK/later.pack"
	run -0 --separate-stderr pgmesh-pack -d "$WORK/later.pack"
	assert_equal "$output" "$(cat "$WORK/good.txt")"
	# After sig, a key would not be signed: refused.
	add_key last >"$WORK/after-sig.pack"
	run -65 --separate-stderr pgmesh-pack -d "$WORK/after-sig.pack"
	assert_contains "$stderr" "manifest has an entry after sig"
	# A damaged key name ("sig" -> "zzz") is a missing key, not a new one.
	perl -0777 -pe 's/csig\xf6/czzz\xf6/ or die' "$WORK/one.pack" >"$WORK/renamed.pack"
	run -65 --separate-stderr pgmesh-pack -d "$WORK/renamed.pack"
	assert_contains "$stderr" "manifest lacks a required key"
	# Version 3.
	perl -0777 -pe 's/gversion\x02/gversion\x03/ or die' "$WORK/one.pack" >"$WORK/v3.pack"
	run -65 --separate-stderr pgmesh-pack -d "$WORK/v3.pack"
	assert_equal "$stderr" "pgmesh-pack: $WORK/v3.pack: frame at byte 0: pack format version not supported (this pgmesh reads versions 1 and 2)"
}

@test "pack -d -o: a damaged frame leaves no output file, exit 65" {
	make_stream
	cp "$WORK/three.pack" "$WORK/bad.pack"
	flip_byte "$WORK/bad.pack" $((THIRD - 1))
	run -65 --separate-stderr pgmesh-pack -d -o "$WORK/out.txt" "$WORK/bad.pack"
	assert_contains "$stderr" "pgmesh-pack: $WORK/bad.pack: frame at byte $SECOND: "
	[ ! -e "$WORK/out.txt" ]
	# A whole stream leaves a whole file.
	run -0 --separate-stderr pgmesh-pack -d -o "$WORK/out.txt" "$WORK/three.pack"
	assert_equal "$(cat "$WORK/out.txt")" "$(cat "$WORK/three.txt")"
}

@test "pack -o refuses to write through a symbolic link; its file is private" {
	echo precious >"$WORK/victim"
	ln -sf victim "$WORK/link.pack"
	run -74 --separate-stderr pgmesh-pack -o "$WORK/link.pack" "$WORK/good.txt"
	assert_equal "$stderr" "pgmesh-pack: $WORK/link.pack: is a symbolic link; refusing to write through it"
	run -0 cat "$WORK/victim"
	assert_equal "$output" "precious"
	run -0 --separate-stderr pgmesh-pack -o "$WORK/own.pack" "$WORK/good.txt"
	run -0 stat -c %a "$WORK/own.pack"
	assert_equal "$output" "600"
}

@test "pack -o to a fifo or a device: never removed" {
	mkfifo "$WORK/out.fifo"
	cat "$WORK/out.fifo" >"$WORK/from-fifo" &
	run -65 --separate-stderr pgmesh-pack -o "$WORK/out.fifo" <<<"nonsense"
	wait
	[ -p "$WORK/out.fifo" ]
	run -65 --separate-stderr pgmesh-pack -o /dev/null <<<"nonsense"
	[ -c /dev/null ]
}

# signal_mid_input SIGNAL OUT PACK-ARGS...: start pgmesh-pack PACK-ARGS -o
# OUT on a fifo held open, feed it $WORK/input, wait until OUT holds
# something, send SIGNAL: pack must die of it, and OUT be gone.
signal_mid_input() {
	local sig=$1 out=$2 pid i st=0
	shift 2
	rm -f "$WORK/in.fifo"
	mkfifo "$WORK/in.fifo"
	# A background job starts with SIGINT ignored; pack would keep it so.
	env --default-signal=INT pgmesh-pack "$@" -o "$out" <"$WORK/in.fifo" \
		2>"$WORK/err" 3>&- &
	pid=$!
	exec 4>"$WORK/in.fifo"
	cat "$WORK/input" >&4
	for ((i = 0; i < 100; i++)); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	[ -s "$out" ]
	kill -"$sig" "$pid"
	wait "$pid" || st=$?
	exec 4>&-
	assert_equal "$st" $((128 + $(kill -l "$sig")))
	assert_equal "$(cat "$WORK/err")" ""
	[ ! -e "$out" ]
}

@test "pack -o: SIGINT or SIGTERM in the middle of the input leaves no file" {
	"$GEN" 3000 10 2 payments >"$WORK/input"
	signal_mid_input INT "$WORK/out.pack" --frame-ms 50
	signal_mid_input TERM "$WORK/out.pack" --frame-ms 50
}

@test "pack -d -o: SIGINT or SIGTERM in the middle of the input leaves no file" {
	"$GEN" 3000 10 2 payments | pgmesh-pack --frame-bytes 64K >"$WORK/input"
	signal_mid_input INT "$WORK/out.txt" -d
	signal_mid_input TERM "$WORK/out.txt" -d
}
