# pgmesh-ship without a network: options, local spools, the receiving
# side, resume, pruning.  Pack streams are made from change text written
# with awk, so no cluster is needed here.
bats_require_minimum_version 1.5.0
load helpers/common

# changes ORIGIN FIRST N: change text of N transactions of 20 rows from
# ORIGIN, the first one numbered FIRST (its LSN and row ids follow from it),
# claiming to follow the one numbered FIRST - 1 (0/0 for the first).
changes() {
	awk -v o="$1" -v f="$2" -v n="$3" 'BEGIN {
		OFS = "\t"; print "#pgmesh", "1"
		print "P", o, f == 1 ? "0/0" : sprintf("0/%X", 16777216 + (f - 1) * 256)
		for (t = f; t < f + n; t++) {
			lsn = sprintf("0/%X", 16777216 + t * 256)
			print "B", o, lsn, "2026-11-21 13:16:41.123456+00", 700 + t
			if (t == f)
				print "T", "public.payments", "id", "bigint", "memo", "text"
			for (i = 0; i < 20; i++)
				print "I", "public.payments", t * 100 + i, "from " o
			print "C", o, lsn
		}
	}'
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	changes a 1 40 | pgmesh-pack --frame-bytes 4000 >a.pack
	changes b 1 30 | pgmesh-pack --frame-bytes 4000 >b.pack
	cat a.pack b.pack >ab.pack
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

frames_in() {
	find "$1" -name '*.pack' | wc -l
}

@test "--help, --version and a bad option" {
	run -0 --separate-stderr pgmesh-ship --help
	assert_contains "$output" "usage: pgmesh-ship"
	run -0 --separate-stderr pgmesh-ship --version
	assert_equal "$output" "pgmesh-ship 0.1.0"
	run -64 --separate-stderr pgmesh-ship --bogus
	assert_contains "$stderr" "usage:"
	run -64 --separate-stderr pgmesh-ship
	assert_equal "$stderr" "pgmesh-ship: no destination (see --help)"
	run -64 --separate-stderr pgmesh-ship --prune out </dev/null
	assert_equal "$stderr" "pgmesh-ship: --prune needs a spool as the source"
	run -66 --separate-stderr pgmesh-ship "$BATS_TEST_TMPDIR/none" out
	assert_equal "$stderr" "pgmesh-ship: spool $BATS_TEST_TMPDIR/none: No such file or directory"
	run -64 --separate-stderr pgmesh-ship gopher://x/y </dev/null
	assert_equal "$stderr" "pgmesh-ship: gopher://x/y: unknown kind of destination (ssh://, tcp:// or a directory)"
}

@test "--position prints what a spool holds, the form capture --after takes" {
	run -0 --separate-stderr pgmesh-ship out <"$BATS_FILE_TMPDIR/ab.pack"
	# a's last transaction is number 40: LSN 0/1000000 + 40 * 0x100.
	run -0 --separate-stderr pgmesh-ship --position --origin a out
	assert_equal "$output" "0/1002800"
	run -0 --separate-stderr pgmesh-ship --position --origin zz out
	assert_equal "$output" "0/0"
	run -0 --separate-stderr pgmesh-ship --position out
	assert_equal "$output" "$(printf 'a\t0/1002800\nb\t0/1001E00')"
	run -64 --separate-stderr pgmesh-ship --position out other
	assert_equal "$stderr" "pgmesh-ship: --position takes one spool directory"
	run -64 --separate-stderr pgmesh-ship --origin a out
	assert_equal "$stderr" "pgmesh-ship: --origin goes with --position"
	run -66 --separate-stderr pgmesh-ship --position none
	assert_equal "$stderr" "pgmesh-ship: spool none: No such file or directory"
}

@test "a stream into a local spool, then again: nothing twice" {
	run -0 --separate-stderr pgmesh-ship out <"$BATS_FILE_TMPDIR/ab.pack"
	assert_contains "$stderr" "out: ok,"
	local n
	n=$(frames_in out)
	[ "$n" -gt 4 ]
	run -0 --separate-stderr pgmesh-ship out <"$BATS_FILE_TMPDIR/ab.pack"
	assert_contains "$stderr" "out: ok, 0 frames (0 bytes), $n already there"
	assert_equal "$(frames_in out)" "$n"
	# The spool restores the stream, frame for frame.
	cat out/a/*.pack out/b/*.pack | cmp - "$BATS_FILE_TMPDIR/ab.pack"
}

@test "--receive DIR speaks the resume protocol on stdout" {
	run -0 --separate-stderr pgmesh-ship --receive in <"$BATS_FILE_TMPDIR/a.pack"
	assert_equal "${lines[0]}" "pgmesh-ship 1"
	assert_equal "${lines[1]}" "ready"
	assert_equal "${lines[2]}" "have a 0/1002800"
	assert_equal "${lines[3]}" "done $(frames_in in) $(wc -c <"$BATS_FILE_TMPDIR/a.pack")"
	run -0 --separate-stderr pgmesh-ship --receive in </dev/null
	assert_equal "${lines[1]}" "have a 0/1002800"
}

@test "--receive DIR acknowledges no frame beyond a missing one" {
	# The frames of a with the second one missing, as a hub sends them
	# when that one is in quarantine: the receiver stores the rest, but
	# holds nothing beyond the gap, and must not say so when done (the
	# sender records what it says, and prunes by it).
	pgmesh-ship src <"$BATS_FILE_TMPDIR/a.pack" 2>/dev/null
	local files=()
	mapfile -t files < <(find src/a -name '*.pack' | sort)
	[ "${#files[@]}" -ge 3 ]
	local first=${files[0]##*/}
	local head=${first:17:16}
	cat "${files[0]}" "${files[@]:2}" >holed.pack
	run -0 --separate-stderr pgmesh-ship --receive in <holed.pack
	assert_equal "${lines[2]}" "have a $(printf '%X/%X' $((16#${head:0:8})) $((16#${head:8:8})))"
	assert_equal "${lines[3]}" "done $((${#files[@]} - 1)) $(wc -c <holed.pack)"
	# The missing frame comes: the chain, and the head, reach the end.
	run -0 --separate-stderr pgmesh-ship --receive in <"${files[1]}"
	assert_equal "${lines[-2]}" "have a 0/1002800"
}

@test "--receive - passes checked frames to stdout unchanged" {
	pgmesh-ship --receive - <"$BATS_FILE_TMPDIR/ab.pack" >copy.pack
	cmp copy.pack "$BATS_FILE_TMPDIR/ab.pack"
}

@test "a stream cut in the middle of a frame: whole frames only, then resume" {
	local size f
	size=$(wc -c <"$BATS_FILE_TMPDIR/a.pack")
	head -c $((size / 2)) "$BATS_FILE_TMPDIR/a.pack" >half.pack
	run -65 --separate-stderr pgmesh-ship --receive in <half.pack
	assert_contains "$stderr" "pgmesh-ship: stdin"
	# No temporary file is left, and every file is a whole, good frame.
	[ -z "$(find in -name '.*' -type f)" ]
	[ "$(frames_in in)" -gt 0 ]
	for f in in/a/*.pack; do
		run -0 pgmesh-ship --receive - <"$f"
	done
	# The next run stores the rest; the spool then holds the stream
	# exactly once.
	run -0 --separate-stderr pgmesh-ship --receive in <"$BATS_FILE_TMPDIR/a.pack"
	cat in/a/*.pack | cmp - "$BATS_FILE_TMPDIR/a.pack"
}

@test "a bad frame on stdin: whole frames before it are shipped, exit 65" {
	local size
	size=$(wc -c <"$BATS_FILE_TMPDIR/a.pack")
	head -c $((size - 7)) "$BATS_FILE_TMPDIR/a.pack" >cut.pack
	run -65 --separate-stderr pgmesh-ship out <cut.pack
	[ "$(frames_in out)" -gt 0 ]
	printf 'not a pack stream\n' >junk
	run -65 --separate-stderr pgmesh-ship out3 <junk
}

@test "a spool to spools, with loop cutting by origin" {
	pgmesh-ship hub <"$BATS_FILE_TMPDIR/ab.pack" 2>/dev/null
	run -0 --separate-stderr pgmesh-ship hub a=peer-a b=peer-b -x zzz peer-c
	[ ! -d peer-a/a ]
	[ -d peer-a/b ]
	[ ! -d peer-b/b ]
	[ -d peer-b/a ]
	[ -d peer-c/a ]
	[ -d peer-c/b ]
	assert_equal "$(cat hub/.acked/a)" "b 0/1001E00"
}

@test "--prune removes what every consumer holds; the spool's heads stay" {
	pgmesh-ship hub <"$BATS_FILE_TMPDIR/ab.pack" 2>/dev/null
	local all
	all=$(frames_in hub)
	run -0 --separate-stderr pgmesh-ship hub a=peer-a b=peer-b peer-c
	# A downstream that never acknowledges (tcp, unreachable) holds
	# everything back.
	run -75 --separate-stderr pgmesh-ship --prune hub a=peer-a b=peer-b peer-c \
		tcp://127.0.0.1:1
	assert_contains "$stderr" "pgmesh-ship: tcp://127.0.0.1:1: failed: cannot connect"
	assert_equal "$(frames_in hub)" "$all"
	# Everyone holds everything: every frame goes, and the spool's base
	# (.base) keeps telling senders its heads.
	run -0 --separate-stderr pgmesh-ship --prune hub a=peer-a b=peer-b peer-c
	assert_equal "$(frames_in hub)" 0
	assert_equal "$(cat hub/.base)" $'a 0/1002800\nb 0/1001E00'
	run -0 --separate-stderr pgmesh-ship --receive hub </dev/null
	assert_equal "${lines[1]}" "have a 0/1002800"
	assert_equal "${lines[2]}" "have b 0/1001E00"
}

@test "--prune --max-age --force drops old frames a downstream lacks" {
	pgmesh-ship hub <"$BATS_FILE_TMPDIR/ab.pack" 2>/dev/null
	local all nb
	all=$(frames_in hub)
	nb=$(frames_in hub/b)
	[ "$nb" -gt 1 ]
	touch -d '3 days ago' hub/a/*.pack
	run -75 --separate-stderr pgmesh-ship --prune --max-age 2d hub tcp://127.0.0.1:1
	assert_equal "$(frames_in hub)" "$all"
	assert_contains "$stderr" "pgmesh-ship: warning: hub: $(frames_in hub/a) frames older than --max-age are still lacked by a consumer (--force removes them)"
	run -64 --separate-stderr pgmesh-ship --force hub tcp://127.0.0.1:1
	assert_equal "$stderr" "pgmesh-ship: --force needs --max-age"
	run -75 --separate-stderr pgmesh-ship --prune --max-age 2d --force hub \
		tcp://127.0.0.1:1
	# b's frames are young; a's go, and the spool no longer claims them
	# (no base): a sender would bring them again.
	assert_equal "$(frames_in hub/a)" 0
	assert_equal "$(frames_in hub/b)" "$nb"
	[ ! -e hub/.base ]
}

@test "a stray high frame raises no head: the origin's frames still go, none pruned unsent" {
	# Anyone who may send to the hub stores one frame of a far ahead.
	changes a 90 1 | pgmesh-pack | pgmesh-ship hub/ 2>/dev/null
	pgmesh-ship outbox <"$BATS_FILE_TMPDIR/a.pack" 2>/dev/null
	run -0 --separate-stderr pgmesh-ship --position --origin a hub
	assert_equal "$output" "0/0"
	local n
	n=$(frames_in outbox)
	run -0 --separate-stderr pgmesh-ship --prune outbox hub/
	assert_contains "$stderr" "hub/: ok, $n frames"
	run -0 --separate-stderr pgmesh-ship --position --origin a hub
	assert_equal "$output" "0/1002800"
	assert_equal "$(frames_in hub)" "$((n + 1))"
}

@test "names no frame has are quarantined; a dead writer's temporary file goes" {
	pgmesh-ship spool <"$BATS_FILE_TMPDIR/a.pack" 2>/dev/null
	local n dead
	n=$(frames_in spool)
	echo junk >spool/a/notes.pack
	mkdir spool/Not-A-Node
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	echo partial >"spool/a/.tmp-$dead-0000000001000100-0000000001000200.pack"
	sleep infinity &
	local live=$!
	echo partial >"spool/a/.tmp-$live-0000000001000100-0000000001000200.pack"
	run -0 --separate-stderr pgmesh-ship spool out/
	assert_contains "$stderr" "pgmesh-ship: warning: spool/a/notes.pack: not the name of a frame (FIRST-LAST[.PART][+]@PREV.pack); moved into spool/.quarantine/a"
	assert_contains "$stderr" "pgmesh-ship: warning: spool/Not-A-Node: not an origin node's folder; moved into spool/.quarantine"
	assert_equal "$(frames_in out)" "$n"
	[ -f spool/.quarantine/a/notes.pack ]
	[ ! -e "spool/a/.tmp-$dead-0000000001000100-0000000001000200.pack" ]
	[ -e "spool/a/.tmp-$live-0000000001000100-0000000001000200.pack" ]
	kill "$live"
}

@test "spools are private: folders 0700, frames 0600, by ship and by --receive" {
	pgmesh-ship out <"$BATS_FILE_TMPDIR/ab.pack" 2>/dev/null
	pgmesh-ship --receive in/box <"$BATS_FILE_TMPDIR/ab.pack" >/dev/null 2>&1
	run -0 stat -c '%a %n' out out/a out/b in/box in/box/a
	assert_equal "$output" "$(printf '700 out\n700 out/a\n700 out/b\n700 in/box\n700 in/box/a')"
	run -0 sh -c 'find out in/box -name "*.pack" ! -perm 600 | wc -l'
	assert_equal "$output" "0"
	run -0 sh -c 'find out -name "*.pack" | wc -l'
	[ "$output" -gt 4 ]
}

@test "a link planted in a spool in place of an origin's folder is not followed" {
	mkdir out elsewhere
	ln -s ../elsewhere out/a
	run -75 --separate-stderr pgmesh-ship out <"$BATS_FILE_TMPDIR/a.pack"
	assert_contains "$stderr" "pgmesh-ship: out/a: not a folder (a symbolic link?); refusing to write into it"
	run -0 ls -A elsewhere
	assert_equal "$output" ""
}

# flip_byte FILE: damage the last bytes of a file (its data frame).
flip_byte() {
	local size
	size=$(stat -c %s "$1")
	printf '\125' | dd of="$1" bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
}

@test "a damaged frame in a source spool is set aside; everything else goes (65)" {
	pgmesh-ship spool <"$BATS_FILE_TMPDIR/ab.pack" 2>/dev/null
	local n bad
	n=$(frames_in spool)
	bad=$(find spool/a -name '*.pack' | sort | sed -n 2p)
	flip_byte "$bad"
	run -65 --separate-stderr pgmesh-ship spool out/
	assert_contains "$stderr" "pgmesh-ship: warning: $bad: a damaged frame; moved into spool/.quarantine/a"
	assert_equal "$(frames_in out)" "$((n - 1))"
	assert_equal "$(frames_in spool/.quarantine)" 1
	# a's head there stops before the hole: the frames after it wait.
	local first last
	first=$(find spool/a -name '*.pack' | sort | sed -n 1p)
	last=$(basename "$first" | cut -c18-33)
	run -0 --separate-stderr pgmesh-ship --position --origin a out
	assert_equal "$output" "$(printf '%X/%X' $((16#${last:0:8})) $((16#${last:8:8})))"
	run -0 --separate-stderr pgmesh-ship spool out/
}

@test "a frame under another frame's name is set aside, never sent" {
	pgmesh-ship spool <"$BATS_FILE_TMPDIR/a.pack" 2>/dev/null
	local first second
	first=$(find spool/a -name '*.pack' | sort | sed -n 1p)
	second=$(find spool/a -name '*.pack' | sort | sed -n 2p)
	cp "$first" "$second"
	run -65 --separate-stderr pgmesh-ship spool out/
	assert_contains "$stderr" "$second: a frame whose manifest does not match its name; moved into spool/.quarantine/a"
	[ ! -e "out/a/$(basename "$second")" ]
}
