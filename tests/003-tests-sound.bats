# The tests themselves: every assertion can fail, and nothing waits for a
# time.  testlint (helpers/testlint.bash) reads the bats files for the two
# ways a test passes without checking what it says.
load helpers/common
load helpers/testlint
bats_require_minimum_version 1.5.0

LIST="an && list ignores all but its last failure (one assertion per line)"

@test "no test has an && list of assertions or a sleep of a second or more" {
	run testlint "$TESTS_DIR"/*.bats
	assert_equal "$output" ""	# first: what it found, if anything
	assert_status 0
}

# plant NAME: the bats file NAME in the test's directory, from stdin, where
# TEST at the start of a line stands for @test, SLEEP for sleep and AND for
# && (written out, bats would take the first for a test of this file, and
# testlint and other checkers the others for lines of this file).
plant() {
	sed 's/^TEST /@test /; s/SLEEP/sleep/g; s/AND/\&\&/g' >"$BATS_TEST_TMPDIR/$1"
}

@test "testlint names file and line of each && list that ignores a failure" {
	cd "$BATS_TEST_TMPDIR"
	plant and.bats <<'EOF'
TEST "planted" {
	[ -e a ] AND [ -e b ]
	grep -q x f AND
		cmp f g
	{ [ -e a ] AND [ -e b ]; }
	run -0 true
	[ "$status" -eq 0 ] AND [ -z "$output" ]
}
EOF
	run -1 testlint and.bats
	assert_equal "$output" "and.bats:2: $LIST: [ -e a ] && [ -e b ]
and.bats:3: $LIST: grep -q x f &&
and.bats:5: $LIST: { [ -e a ] && [ -e b ]; }
and.bats:7: $LIST: [ \"\$status\" -eq 0 ] && [ -z \"\$output\" ]"
}

@test "testlint lets be the && lists whose status is used, and what is quoted" {
	cd "$BATS_TEST_TMPDIR"
	plant used.bats <<'EOF'
# [ -e a ] AND [ -e b ]
poll() {
	for _ in 1 2 3; do
		[ -e a ] AND break
		grep -q x f AND return 0
	done
	[ -e a ] AND [ -e b ]
}
TEST "planted" {
	if [ -e a ] AND [ -e b ]; then :; fi
	while [ -e a ] AND [ -e b ]; do break; done
	[ -e a ] AND [ -e b ] || { echo "a or b missing"; return 1; }
	[ -e a ] AND n=$((n + 1))
	[[ -e a AND -e b ]]
	awk '$1 > 0 AND $2 > 0' f
	echo "$(cd / AND pwd) [ -e a ] AND [ -e b ]"
	cat <<-DOC
		[ -e a ] AND [ -e b ]
	DOC
	SLEEP 0.05
	psql -c "SELECT pg_sleep(2)"
}
EOF
	run -0 testlint used.bats
	assert_equal "$output" ""
}

@test "testlint names file and line of each sleep of a second or more" {
	cd "$BATS_TEST_TMPDIR"
	plant sleep.bats <<'EOF'
TEST "planted" {
	SLEEP 1
	bash -c "true; SLEEP 2s"
	SLEEP 0.5
	SLEEP infinity
	# SLEEP 5
	printf 'exec SLEEP 300\n' >hang
}
EOF
	run -1 testlint sleep.bats
	# $S: sleep, not written out here either.
	local S=sleep
	assert_equal "$output" "sleep.bats:2: $S 1 waits for a time (wait_until): $S 1
sleep.bats:3: $S 2s waits for a time (wait_until): bash -c \"true; $S 2s\"
sleep.bats:7: $S 300 waits for a time (wait_until): printf 'exec $S 300\n' >hang"
}
