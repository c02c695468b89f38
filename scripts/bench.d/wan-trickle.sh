# wan-trickle.sh: near real time across a far link: the trickle of
# trickle.sh (100 one-row transactions a second, BENCH_RUNS rounds of
# LATENCY_ROWS), its source on host a, both destinations on host b,
# reached by a native subscription and by
#
#	pgmesh-capture --follow | pgmesh-pack --frame-ms 0 | ssh B pgmesh-apply
#
# started on host a, both at once on the same transactions.  Not a part:
# sourced by wan.sh.  Target: pgmesh's p50 within 1.1x of native's.

# wan_trickle_pipeline LINK: the pipeline's command string.
wan_trickle_pipeline() {
	local apply inner
	apply="$(wan_quote "$(command -v pgmesh-apply)") -d $(wan_quote \
		"$(pg_conninfo lat_mesh)") --allow src:public.ticks"
	inner="$(printf '%q ' pgmesh-capture -d "$(pg_conninfo lat_src)" \
		-S lat_mesh --follow)| pgmesh-pack --frame-ms 0 | $(wan_ssh_to "$1" b)$(printf '%q' "$apply")"
	printf '%q ' ip netns exec "$(netsim_ns "$1" a)" bash -c "$inner"
	printf '2>>%q' "$BENCH_TMP/wan.log"
}

# wan_trickle RATE RTT CLASS MAX_RATIO: the trickle across a link of
# that class.
wan_trickle() {
	local link=far p99
	wan_link_up "$link" "$1" "$2"
	wan_sshd "$link" b
	wan_cluster lat_src "$link" a
	wan_cluster lat_mesh "$link" b
	wan_cluster lat_native "$link" b
	latency_schemas "$(wan_conninfo lat_src "$link" a)"
	latency_pipeline_start "$(wan_trickle_pipeline "$link")"
	latency_measure
	read -r p99 _ <<<"$(bench_spread "${A_P99[@]}")"
	bench_times "$3 trickle: pgmesh via ssh, p50 (ms)" - \
		"p99 $p99, max $A_MAX" "${A_RUNS[@]}"
	read -r p99 _ <<<"$(bench_spread "${B_P99[@]}")"
	bench_times "$3 trickle: native, p50 (ms)" - \
		"p99 $p99, max $B_MAX" "${B_RUNS[@]}"
	bench_ratio "$3 trickle p50: pgmesh/native" "$4"
	latency_stop
	wan_link_down "$link"
}
