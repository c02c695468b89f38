# latency.sh: commit-to-visible latency at a steady trickle, pgmesh's
# `capture --follow | pack | apply` beside native logical replication, in
# the same run on the same transactions (the trickle and its measure:
# trickle.sh).  Targets (issue 7): pgmesh's p50 at most 2x native's p50,
# its p99 at most 250 ms.  The table shows the medians and ranges of the
# rounds' p50 and p99, the ratio the median of the rounds' ratios.
#
# This part has clusters of its own, not the shared source: it measures
# a trickle, not a backlog.

# shellcheck source=scripts/bench.d/trickle.sh
source "$BENCH_DIR/trickle.sh"

# latency_pipeline: capture --follow | pack | apply on this machine, pack
# closing a frame as soon as its input pauses.
latency_pipeline() {
	printf '%s' "pgmesh-capture -d '$(pg_conninfo lat_src)' -S lat_mesh --follow |
		pgmesh-pack --frame-ms 0 | pgmesh-apply -d '$(pg_conninfo lat_mesh)' \
		--allow 'src:public.ticks' 2>'$BENCH_TMP/latency.apply.log'"
}

bench_latency() {
	local p99 p99_range
	pg_start lat_src "${BENCH_SETTINGS[@]}"
	pg_start lat_mesh "${BENCH_SETTINGS[@]}"
	pg_start lat_native "${BENCH_SETTINGS[@]}"
	latency_schemas "$(pg_conninfo lat_src)"
	latency_pipeline_start "$(latency_pipeline)"
	latency_measure
	read -r p99 _ <<<"$(bench_spread "${A_P99[@]}")"
	bench_times "latency, capture|pack|apply, p50 (ms)" - \
		"p99 $p99, max $A_MAX" "${A_RUNS[@]}"
	read -r p99 _ <<<"$(bench_spread "${B_P99[@]}")"
	bench_times "latency, native subscription, p50 (ms)" - \
		"p99 $p99, max $B_MAX" "${B_RUNS[@]}"
	bench_ratio "latency p50, pgmesh / native" 2
	read -r p99 p99_range <<<"$(bench_spread "${A_P99[@]}")"
	bench_bound "latency p99, pgmesh (ms)" "$p99" "$p99_range" 250 ms
	latency_stop
}

bench_latency
