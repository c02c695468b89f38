# latency.sh: commit-to-visible latency at a steady trickle, pgmesh's
# `capture --follow | pack | apply` beside native logical replication, in
# the same run on the same transactions (the trickle and its measure:
# trickle.sh).  Targets (issue 7): pgmesh's p50 at most 2x native's p50,
# its p99 at most 250 ms.  The table shows the medians and ranges of the
# rounds' p50 and p99, the ratio the median of the rounds' ratios.
#
# The trickle, its clusters and its pipeline are trickle.sh's
# (latency_local), shared with sign.sh's signed trickle.

# shellcheck source=scripts/bench.d/trickle.sh
source "$BENCH_DIR/trickle.sh"

bench_latency() {
	local p99 p99_range
	latency_local "" ""
	latency_rows "latency, capture|pack|apply, p50 (ms)" \
		"latency, native subscription, p50 (ms)" \
		"latency p50, pgmesh / native" 2
	read -r p99 p99_range <<<"$(bench_spread "${A_P99[@]}")"
	bench_bound "latency p99, pgmesh (ms)" "$p99" "$p99_range" 250 ms
}

bench_latency
