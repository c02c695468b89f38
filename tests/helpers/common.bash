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

# Test data drawn at random comes from RANDOM seeded with PGMESH_TEST_SEED:
# a fresh seed for each run of a test file unless it is set, the same for
# the file's setup_file and every test (they inherit it from the first
# load).  seed_random prints the seed, which bats shows when the test
# fails, so that `PGMESH_TEST_SEED=N tests/run FILE` replays the failure.
export PGMESH_TEST_SEED=${PGMESH_TEST_SEED:-$SRANDOM}

seed_random() {
	case $PGMESH_TEST_SEED in
	'' | *[!0-9]*)
		echo "PGMESH_TEST_SEED must be a number, not $PGMESH_TEST_SEED" >&2
		return 1 ;;
	esac
	echo "PGMESH_TEST_SEED=$PGMESH_TEST_SEED"
	RANDOM=$PGMESH_TEST_SEED
}

# shellcheck source=tests/helpers/pg.bash
source "$TESTS_DIR/helpers/pg.bash"
# shellcheck source=tests/helpers/wait.bash
source "$TESTS_DIR/helpers/wait.bash"

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
