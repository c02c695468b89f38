# Bytes from a sender we do not control: a decompression bomb, a huge
# manifest, an endless line, a disk filled up.  Every reader refuses them
# with status 65 (75 for the disk), naming the limit and the option that
# raises it, at a small cost in memory, and stores or applies nothing.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	pg_start dst
	# 1 GiB of rows [2,0,null] in about 100 KB: declared honestly, and
	# declared as 4 KB of content and 100 rows (a liar).
	"$TESTS_DIR/fixtures/pack-bomb" 268435456 >bomb.pack
	"$TESTS_DIR/fixtures/pack-bomb" 268435456 4096 100 >liar.pack
	# A manifest of 15 MB (below the format's 16 MiB), by a key of that
	# size (readers written from pgmesh-format(5) skip it).
	"$TESTS_DIR/fixtures/pack-bomb" 10 - - 15000000 >manifest.pack
	# A change-text row of 100 MB.
	{
		printf '#pgmesh\t1\nB\ta\t0/10\t2026-11-21 13:16:41.123456+00\t7\n'
		printf 'T\tpublic.payments\tid\tbigint\tmemo\ttext\n'
		printf 'I\tpublic.payments\t1\t'
		head -c 100M /dev/zero | tr '\0' x
		printf '\nC\ta\t0/10\n'
	} >line.txt
}

# big_frame: a.pack, one frame of about 40 MB that hardly compresses.
big_frame() {
	{
		printf '#pgmesh\t1\nB\ta\t0/10\t2026-11-21 13:16:41.123456+00\t7\n'
		printf 'T\tpublic.payments\tid\tbigint\tmemo\ttext\n'
		printf 'I\tpublic.payments\t1\t'
		head -c 30M /dev/urandom | base64 -w0
		printf '\nC\ta\t0/10\n'
	} | pgmesh-pack >a.pack
}

teardown_file() {
	pg_stop_all
}

setup() {
	apply_setup
}

# bounded CMD...: CMD with at most 1 GiB of address space, its peak RSS
# (KB) in rss.kb; its status is CMD's.  Not under sanitizers, which
# reserve terabytes and double the memory of everything.
bounded() {
	case $PGMESH_BIN in
	*/asan) "$@"; return ;;
	esac
	(ulimit -v 1048576 && exec /usr/bin/time -f %M -o rss.kb "$@")
}

# rss_below MB: the last bounded command's peak RSS was below MB.
rss_below() {
	case $PGMESH_BIN in
	*/asan) return 0 ;;
	esac
	local kb
	kb=$(tail -n 1 rss.kb)
	echo "peak RSS ${kb} KB, bound $1 MB"
	[ "$kb" -lt $(($1 * 1024)) ]
}

BOMB="frame at byte 0: its manifest announces 268435456 rows, above the frame-records limit (67108864; --limit frame-records=N raises it)"
LIAR="frame at byte 0: data frame decompresses to more than its manifest's content_len (or the frame-content limit)"

@test "a decompression bomb costs verify and pack -d no memory" {
	for f in bomb liar; do
		run -1 --separate-stderr bounded pgmesh-verify "$BATS_FILE_TMPDIR/$f.pack"
		rss_below 64
		run -65 --separate-stderr bounded pgmesh-pack -d "$BATS_FILE_TMPDIR/$f.pack"
		rss_below 64
	done
	assert_equal "$stderr" "pgmesh-pack: $BATS_FILE_TMPDIR/liar.pack: $LIAR"
	# Allowed the rows, the bomb still has more content than allowed.
	run -65 --separate-stderr bounded pgmesh-pack -d --limit frame-records=1G "$BATS_FILE_TMPDIR/bomb.pack"
	rss_below 64
	assert_equal "$stderr" "pgmesh-pack: $BATS_FILE_TMPDIR/bomb.pack: frame at byte 0: its manifest announces 1073741852 bytes of content, above the frame-content limit (335544320; --limit frame-content=SIZE raises it)"
}

@test "a decompression bomb costs apply no memory, and applies nothing" {
	sql "CREATE TABLE t (v text)"
	run -65 --separate-stderr bounded pgmesh-apply -d "$DB" --allow '*:*' "$BATS_FILE_TMPDIR/bomb.pack"
	rss_below 64
	assert_contains "$stderr" "pgmesh-apply: $BATS_FILE_TMPDIR/bomb.pack: $BOMB"
	run -65 --separate-stderr bounded pgmesh-apply -d "$DB" --allow '*:*' "$BATS_FILE_TMPDIR/liar.pack"
	rss_below 64
	run -0 sql "SELECT count(*) FROM t"
	assert_equal "$output" "0"
}

@test "receivers, digest-only ones too, neither store nor pass on a bomb" {
	run -65 --separate-stderr bounded pgmesh-ship --receive spool <"$BATS_FILE_TMPDIR/bomb.pack"
	rss_below 64
	assert_contains "$stderr" "pgmesh-ship: stdin: $BOMB"
	run -65 --separate-stderr bounded pgmesh-ship --receive spool <"$BATS_FILE_TMPDIR/liar.pack"
	rss_below 64
	assert_contains "$stderr" "pgmesh-ship: stdin: $LIAR"
	# Checking only digests, a receiver still reads the manifest's counts.
	run -65 --separate-stderr bounded pgmesh-ship --receive spool --digest-only <"$BATS_FILE_TMPDIR/bomb.pack"
	assert_contains "$stderr" "pgmesh-ship: stdin: $BOMB"
	run -0 find spool -name '*.pack'
	assert_equal "$output" ""
}

@test "a manifest above the manifest limit is refused before it is read" {
	run -1 --separate-stderr bounded pgmesh-verify "$BATS_FILE_TMPDIR/manifest.pack"
	rss_below 64
	run -65 --separate-stderr bounded pgmesh-ship --receive spool --digest-only <"$BATS_FILE_TMPDIR/manifest.pack"
	rss_below 64
	assert_contains "$stderr" "pgmesh-ship: stdin: frame at byte 0: manifest of 15000209 bytes is above the manifest limit (1048576; --limit manifest=SIZE raises it)"
	# Raised, the limit lets the manifest be read (and found to hold a
	# key pgmesh does not write).
	run -1 --separate-stderr pgmesh-verify --limit manifest=16M "$BATS_FILE_TMPDIR/manifest.pack"
	assert_contains "$stderr" "manifest.pack: frame at byte 0: manifest is not in the form pgmesh writes"
}

@test "a change-text line above the text-line limit is refused, not buffered" {
	run -65 --separate-stderr bounded pgmesh-pack -o line.pack "$BATS_FILE_TMPDIR/line.txt"
	rss_below 160
	assert_equal "$stderr" "pgmesh-pack: $BATS_FILE_TMPDIR/line.txt: a line at byte 89 is longer than the text-line limit (67108864 bytes; --limit text-line=SIZE raises it)"
	run -65 --separate-stderr bounded pgmesh-apply -d "$DB" --allow '*:*' "$BATS_FILE_TMPDIR/line.txt"
	rss_below 160
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "0"
}

@test "a receiver passing frames on holds a large frame once, not twice" {
	big_frame
	local mb=$(($(stat -c %s a.pack) >> 20))
	run -0 --separate-stderr bounded pgmesh-ship --receive spool --digest-only <a.pack
	rss_below $((mb * 3 / 2))
	cat spool/a/*.pack | cmp - a.pack
}

@test "a spool keeps its free-space floor: 75, nothing written in part" {
	gen_payments 20 10 a | pgmesh-pack >a.pack
	local avail
	avail=$(df -B1 --output=avail . | tail -n 1)
	run -75 --separate-stderr pgmesh-ship --receive spool --limit "spool-free=$((avail + (1 << 30)))" <a.pack
	assert_contains "$stderr" "a frame of $(stat -c %s a.pack) would leave less than the spool-free limit"
	run -0 find spool -type f
	assert_equal "$output" ""
	run -75 --separate-stderr pgmesh-ship --limit "spool-free=$((avail + (1 << 30)))" out <a.pack
	run -0 find out -type f
	assert_equal "$output" ""
	run -0 --separate-stderr pgmesh-ship --receive spool <a.pack
}

@test "--limit takes a known name and a size in range" {
	run -64 --separate-stderr pgmesh-verify --limit frame-bytes=1M x.pack
	assert_equal "$stderr" "pgmesh-verify: --limit frame-bytes=1M: want NAME=SIZE, NAME one of frame-content, frame-records, manifest, text-line, spool-free, txn-memory"
	run -64 --separate-stderr pgmesh-apply -d "$DB" --limit manifest=1T x.pack
	assert_equal "$stderr" "pgmesh-apply: --limit manifest=1T: want a size from 4096 to 16777216 (K, M, G allowed)"
	run -64 --separate-stderr pgmesh-ship --receive spool --limit frame-content=2G
	assert_equal "$stderr" "pgmesh-ship: --limit frame-content=2G: want a size from 65536 to 1073741824 (K, M, G allowed)"
}
