# The conventions every program keeps: --help on stdout with status 0,
# --version, and a bad option refused on stderr with status 64.
load helpers/common
bats_require_minimum_version 1.5.0

programs() {
	local src
	for src in "$REPO_DIR"/src/cmd/*.c; do
		echo "pgmesh-$(basename "$src" .c)"
	done
}

@test "--help prints the usage on stdout and exits 0" {
	local prog
	for prog in $(programs); do
		run -0 --separate-stderr "$prog" --help
		assert_contains "$output" "usage: $prog"
		assert_equal "$stderr" ""
	done
}

@test "--version prints the program and its version" {
	local prog
	for prog in $(programs); do
		run -0 --separate-stderr "$prog" --version
		assert_contains "$output" "$prog "
	done
}

@test "an unknown option is refused with status 64 and a message on stderr" {
	local prog
	for prog in $(programs); do
		run -64 --separate-stderr "$prog" --no-such-option
		assert_equal "$output" ""
		assert_contains "$stderr" "$prog:"
	done
}
