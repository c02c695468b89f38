# make demo, the README's first command: three throwaway clusters, payments
# replicated through a hub by the real programs, verify at the end; and
# nothing left running or on disk afterwards, also when interrupted.
bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	# The demo makes its directory under TMPDIR: a private one here, so
	# that anything left behind, files or servers started from there, is
	# found by its path.  Not under BATS_TEST_TMPDIR, which the postgres
	# user may not enter.
	TMPDIR=$(mktemp -d /tmp/pgmesh-demo-test.XXXXXX)
	chmod 755 "$TMPDIR"
	export TMPDIR
	cd "$REPO_DIR"
}

teardown() {
	# A test that failed early leaves its background demo running.
	if [ -n "${DEMO_PID:-}" ] && kill -0 "$DEMO_PID" 2>/dev/null; then
		kill -TERM -- "-$DEMO_PID"
		wait "$DEMO_PID" || true
	fi
	rm -rf "$TMPDIR"
}

# make_demo: `make -s demo` as a user types it, also when the tests run
# under make check (whose MAKEFLAGS may name a jobserver bats closed).
make_demo() {
	exec env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s demo
}

# nothing_left: no file under TMPDIR and no process naming it (LEFT says
# what there is).
nothing_left() {
	LEFT=$(find "$TMPDIR" -mindepth 1; pgrep -af -- "$TMPDIR")
	[ -z "$LEFT" ]
}

# assert_nothing_left: nothing_left, once pg.bash's watchdogs (which poll
# every second) have had their look.
assert_nothing_left() {
	wait_until 10 nothing_left || { printf 'left behind:\n%s\n' "$LEFT" >&2; return 1; }
}

# rounds_shown N: the interrupted demo has printed N lines of progress,
# one a round, while it inserts.
rounds_shown() {
	[ "$(grep -Ec '^ *[0-9]+s  ' "$BATS_TEST_TMPDIR/out")" -ge "$1" ]
}

@test "make demo replicates through the hub, verifies, and cleans up" {
	DEMO_SECONDS=6 run -0 --separate-stderr make_demo
	assert_equal "$stderr" ""
	assert_contains "$output" "Inserting payments on a and b for 6 s:"
	assert_contains "$output" "Inserts stopped; the last rounds:"
	assert_contains "$output" "  a: the same rows as h"
	assert_contains "$output" "  b: the same rows as h"
	assert_contains "$output" "  problems 0"
	assert_contains "$output" " frames signed by a and b, each verified by the hub and by every database that applied it; none refused."
	[[ $output =~ Signatures:\ [1-9][0-9]*\ frames\ signed ]]
	assert_contains "$output" "Where to look next:"
	assert_contains "$output" "demo: stopped the clusters and removed $TMPDIR/pgmesh-demo."
	# Rows of both peers went through the hub, which pruned what it sent.
	[[ $output =~ h:\ public.payments,\ [1-9][0-9]*\ rows ]]
	assert_contains "$output" "  origin a first 0/0 last 0/0 frames 0 "
	assert_contains "$output" "  origin b first 0/0 last 0/0 frames 0 "
	assert_nothing_left
}

@test "make demo interrupted after a few seconds stops everything" {
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err status=0
	# With job control the demo gets a process group of its own (the
	# terminal's Ctrl-C goes to a process group), and SIGINT is not
	# ignored in it as it would be in a plain background job.
	set -m
	make_demo >"$out" 2>"$err" 3>&- &
	DEMO_PID=$!
	set +m
	wait_until 60 grep -qs '^Inserting payments' "$out"
	assert_contains "$(cat "$out")" "Inserting payments on a and b"
	# Interrupted in the thick of it: two rounds of replication done,
	# the peers still inserting.
	wait_until 30 rounds_shown 2
	kill -0 "$DEMO_PID" ||
		{ echo "the demo ended early:" >&2; cat "$err" >&2; return 1; }
	kill -INT -- "-$DEMO_PID"
	wait "$DEMO_PID" || status=$?
	# make dies of the SIGINT once the demo has cleaned up.
	assert_equal "$status" 130
	assert_contains "$(cat "$err")" "demo: interrupted"
	assert_contains "$(cat "$out")" "demo: stopped the clusters and removed $TMPDIR/pgmesh-demo."
	assert_nothing_left
}
