# The fuzz target's inputs through the real program: every regression input
# (tests/fuzz/regressions: crashes found, and hostile streams) and every
# seed must end in exit 0 or 65 with a message, never a crash.  Under make
# check-asan the sanitizers watch these runs too.
load helpers/common
bats_require_minimum_version 1.5.0

FUZZ=$TESTS_DIR/fuzz

@test "fuzz regression inputs are refused cleanly by pgmesh-pack -d" {
	local f n=0
	for f in "$FUZZ"/regressions/*; do
		run --separate-stderr pgmesh-pack -d "$f"
		echo "$f: exit $status: $stderr"
		[ "$status" -eq 0 ] || [ "$status" -eq 65 ]
		[ "$status" -eq 0 ] || assert_contains "$stderr" "$f"
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
}

@test "the fuzz seeds are valid packs" {
	local f
	for f in "$FUZZ"/seeds/*.pack; do
		run -0 --separate-stderr pgmesh-pack -d "$f"
		assert_equal "$stderr" ""
	done
}
