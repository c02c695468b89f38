# scripts/bench wan, as a smoke test of the harness (not of speed): the
# part runs on 10,000 rows, one run of each side, and prints every line of
# its table with figures.  What the part is for is checked where the
# figures cannot help but show it even on a busy machine: pgmesh crosses
# the link with fewer bytes than native replication, two hubs with fewer
# than four peers shipping to each other.  Then: where namespaces cannot
# be made the bench says so and stops (69), and it leaves no namespace
# behind, run to its end or interrupted.  Needs root.
bats_require_minimum_version 1.5.0
load helpers/common

CLASSES=(10M/100ms 100M/50ms 1G/10ms)

# bench_links: a directory for the links of a bench run (netsim_up uses
# NETSIM_TMP when it exists); its namespaces are named after its suffix.
bench_links() {
	NETSIM_TMP=$(mktemp -d /tmp/netsim.XXXXXX)
	export NETSIM_TMP
}

# namespaces_of DIR: the network namespaces of the links made under DIR.
namespaces_of() {
	ip netns list | awk -v p="netsim-${1##*.}-" 'index($1, p) == 1 { print $1 }'
}

setup_file() {
	cd "$REPO_DIR"
	make -s scripts/netsim/delayline
	bench_links
	echo "$NETSIM_TMP" >"$BATS_FILE_TMPDIR/links"
	local status=0
	scripts/bench --rows 10000 --runs 1 wan >"$BATS_FILE_TMPDIR/out" \
		2>"$BATS_FILE_TMPDIR/err" || status=$?
	echo "$status" >"$BATS_FILE_TMPDIR/status"
}

# row LABEL: the table's line for LABEL (the label, then spaces and the
# median), or fail naming it.
row() {
	awk -v l="$1" 'index($0, l) == 1 && substr($0, length(l) + 1) ~ /^ +[0-9]/ {
		print; found = 1; exit } END { exit !found }' "$BATS_FILE_TMPDIR/out" ||
		{ echo "no line: $1" >&2; return 1; }
}

# median LABEL: its median (or ratio).
median() {
	local line value
	line=$(row "$1") || return
	read -r value _ <<<"${line:${#1}}"
	echo "$value"
}

# assert_timed LABEL NOTE_REGEX: a line with a median, a range, no peak,
# and a note matching NOTE_REGEX.
assert_timed() {
	local line
	line=$(row "$1") || return
	[[ ${line:${#1}} =~ ^\ +[0-9.]+\ +[0-9.]+-[0-9.]+\ +-\ +$2$ ]] ||
		{ echo "not a timed line with a note like $2: $line" >&2; return 1; }
}

# assert_ratio LABEL VERDICT_REGEX: a ratio's line ending with its verdict.
assert_ratio() {
	local line
	line=$(row "$1 (ratio)") || return
	[[ $line =~ \ +[0-9.]+\ +([0-9.]+-[0-9.]+|-)\ +$2$ ]] ||
		{ echo "no verdict like $2: $line" >&2; return 1; }
}

# below VALUE BOUND: VALUE < BOUND, both decimals.
below() {
	awk -v v="$1" -v b="$2" 'BEGIN { exit !(v < b) }' ||
		{ echo "$1 is not below $2" >&2; return 1; }
}

@test "bench wan: exit 0, nothing on stderr, the header, nothing FAILED" {
	assert_equal "$(cat "$BATS_FILE_TMPDIR/status")" 0
	assert_equal "$(cat "$BATS_FILE_TMPDIR/err")" ""
	assert_contains "$(head -1 "$BATS_FILE_TMPDIR/out")" \
		"pgmesh bench: 10000 rows; 1 runs of each side; "
	run -1 grep -c FAILED "$BATS_FILE_TMPDIR/out"
}

@test "bench wan: catch-up at every class of link, both loads, with rows/s and bytes" {
	local class txn
	for class in "${CLASSES[@]}"; do
		for txn in 1000 1; do
			assert_timed "$class $txn-row: pgmesh via ssh" \
				'[0-9]+ rows/s, [0-9.]+ MB across'
			assert_timed "$class $txn-row: native" '[0-9]+ rows/s, [0-9.]+ MB across'
			assert_ratio "$class $txn-row: bytes pgmesh/native" "no target"
		done
		assert_ratio "$class 1-row: pgmesh/native" "no target"
	done
	assert_ratio "10M/100ms 1000-row: pgmesh/native" "target <= 0.10x: (met|MISSED)"
	assert_ratio "100M/50ms 1000-row: pgmesh/native" "no target"
}

@test "bench wan: pgmesh's bytes across the link are less than half of native's" {
	local class txn mb
	for class in "${CLASSES[@]}"; do
		for txn in 1000 1; do
			below "$(median "$class $txn-row: bytes pgmesh/native (ratio)")" 0.5
			# Both sides counted something.
			mb=$(row "$class $txn-row: pgmesh via ssh" | sed 's/.*, \([0-9.]*\) MB across$/\1/')
			below 0 "$mb"
			mb=$(row "$class $txn-row: native" | sed 's/.*, \([0-9.]*\) MB across$/\1/')
			below 0 "$mb"
		done
	done
}

@test "bench wan: the trickle's latencies and their ratio" {
	assert_timed "10M/100ms trickle: pgmesh via ssh, p50 (ms)" \
		'p99 [0-9.]+, max [0-9.]+'
	assert_timed "10M/100ms trickle: native, p50 (ms)" 'p99 [0-9.]+, max [0-9.]+'
	assert_ratio "10M/100ms trickle p50: pgmesh/native" \
		"target <= 1.10x: (met|MISSED)"
	# Nothing crosses 100 ms of round trip in less than half of it.
	below 50 "$(median "10M/100ms trickle: native, p50 (ms)")"
	below 50 "$(median "10M/100ms trickle: pgmesh via ssh, p50 (ms)")"
}

@test "bench wan: two hubs, fewer bytes between the regions than no hub" {
	assert_timed "10M/100ms regions: 2 hubs, 4 peers (s)" \
		'rounds 2, [0-9.]+ MB across per 100,000 txns'
	assert_timed "10M/100ms regions: 4 peers, no hub (s)" \
		'rounds 1, [0-9.]+ MB across per 100,000 txns'
	assert_ratio "10M/100ms regions: time hubs/no hub" "no target"
	assert_ratio "10M/100ms regions: bytes hubs/no hub" "no target"
	# Each region's rows cross once, not once per peer of the other.
	below "$(median "10M/100ms regions: bytes hubs/no hub (ratio)")" 0.75
}

@test "bench wan: no namespace left after the run" {
	local links
	links=$(cat "$BATS_FILE_TMPDIR/links")
	assert_equal "$(namespaces_of "$links")" ""
	[ ! -e "$links" ]
}

@test "bench wan: where namespaces cannot be made, it says so and exits 69" {
	run -69 --separate-stderr runuser -u nobody -- env PATH="$PATH" \
		"$REPO_DIR/scripts/bench" --rows 10000 --runs 1 wan
	assert_contains "$stderr" "netsim: network namespaces need root"
	assert_contains "$stderr" "bench: wan needs a simulated link"
}

@test "bench wan: interrupted, it leaves no namespace behind" {
	local bench status=0 links
	bench_links
	links=$NETSIM_TMP
	# A process group of its own, as a terminal's foreground job, and
	# SIGINT as a terminal gives it: a background job (bats's, or make
	# check's when run in the background) starts with SIGINT ignored, and
	# a shell cannot trap what it started ignoring.
	set -m
	env --default-signal=INT "$REPO_DIR/scripts/bench" --rows 10000 --runs 1 wan \
		>"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	bench=$!
	set +m
	wait_until 60 eval '[ -n "$(namespaces_of "$links")" ]'
	# What Ctrl-C does: SIGINT to every process of the group.
	kill -INT -- "-$bench"
	wait "$bench" || status=$?
	assert_equal "$status" 130
	assert_equal "$(namespaces_of "$links")" ""
	[ ! -e "$links" ]
}
