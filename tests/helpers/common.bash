# common.bash: loaded by every test file.  Puts the programs under test
# first in PATH (bin/, or bin/asan/ under make check-asan) and loads the
# cluster helpers.

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(dirname "$TESTS_DIR")
PGMESH_BIN=${PGMESH_BIN:-$REPO_DIR/bin}
PATH=$PGMESH_BIN:$PATH
export PATH PGMESH_BIN REPO_DIR TESTS_DIR
# Sanitizer reports must fail the test, not scroll by.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# shellcheck source=tests/helpers/pg.bash
source "$TESTS_DIR/helpers/pg.bash"

# assert_status N: the last `run` exited N (bats' run -N does the same, but
# this one also prints the output when it did not).
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status" >&2
		echo "output: $output" >&2
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	case $1 in
	*"$2"*) return 0 ;;
	esac
	printf 'expected to find: %s\nin: %s\n' "$2" "$1" >&2
	return 1
}

# assert_equal ACTUAL EXPECTED
assert_equal() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}
