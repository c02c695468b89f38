# wan.sh: pgmesh and native logical replication across slow, far links,
# both crossing the same simulated link in the same run (issue 24).
#
# The link (scripts/netsim, wan-hosts.sh) joins two network namespaces,
# hosts a and b, at the IP level: TCP runs end to end between the real
# endpoints, the kernel's tbf limits the rate, a delay line of ours holds
# every packet for half the round trip and counts the bytes.  The source
# PostgreSQL runs on host a and listens on its address; the destinations,
# and an sshd, run on host b.  Nothing a side sends reaches the other any
# way but across the link.
#
# 1. Catch-up of a backlog (wan-catchup.sh), at 10 Mbit/s with 100 ms
#    RTT, 100 Mbit/s with 50 ms, 1 Gbit/s with 10 ms: BENCH_ROWS payments
#    in 1,000-row transactions, then BENCH_ROWS / 10 one-row
#    transactions.  Native: a subscription on host b to the source,
#    enabled and timed until the last row is in.  pgmesh: as its user
#    would run it, `capture --drain | pack | ssh B pgmesh-apply` started
#    on host a.  Seconds, rows a second, bytes across the link, and the
#    ratios of the times and of the bytes.  Target: at 10 Mbit/s and
#    100 ms, pgmesh catches up the 1,000-row load at least 10x faster.
# 2. Near real time (wan-trickle.sh): commit-to-visible latency of 100
#    one-row transactions a second across 10 Mbit/s and 100 ms RTT,
#    through `capture --follow | pack --frame-ms 0 | ssh B pgmesh-apply`
#    and through a native subscription, at once, on the same
#    transactions.  Target: pgmesh's p50 within 1.1x of native's.
# 3. Hubs (wan-hubs.sh): two regions joined by a 10 Mbit/s, 100 ms link,
#    two peers in each, BENCH_ROWS / 10 one-row transactions spread over
#    the four; rounds of the examples' scripts with a hub per region
#    against every peer shipping to every other: the bytes across the
#    link between the regions, and the time until every peer has every
#    row.
#
# Why it is fair to native replication: the fair-measurement rules of
# lib.sh hold (stock settings with fsync on for every cluster, autovacuum
# off for the measured tables alike, a checkpoint on every cluster before
# each run, the two sides taking turns, the spread of every ratio shown).
# Both sides start from the same WAL on the same source and cross the
# same link with the same queue; native replication is run with its
# defaults, its end seen by one session polling inside the destination,
# which is on the far side of the link from the source and so costs the
# link nothing.  Native replication gets no encryption (the bench's
# clusters have no SSL) while pgmesh pays ssh's: where the two differ,
# the difference favours native.  Links are set up once per class and
# both sides' runs alternate on them, so that a slow patch of the machine
# falls on both.  WAN runs are bound by the link, not the CPU, so they
# tolerate a busier machine than the local parts; the header still
# prints its load.

# shellcheck source=scripts/bench.d/catchup.sh
source "$BENCH_DIR/catchup.sh"
# shellcheck source=scripts/bench.d/trickle.sh
source "$BENCH_DIR/trickle.sh"
# shellcheck source=tests/helpers/sshd.bash
source "$REPO_DIR/tests/helpers/sshd.bash"
# shellcheck source=scripts/bench.d/wan-hosts.sh
source "$BENCH_DIR/wan-hosts.sh"
# shellcheck source=scripts/bench.d/wan-catchup.sh
source "$BENCH_DIR/wan-catchup.sh"
# shellcheck source=scripts/bench.d/wan-trickle.sh
source "$BENCH_DIR/wan-trickle.sh"
# shellcheck source=scripts/bench.d/wan-hubs.sh
source "$BENCH_DIR/wan-hubs.sh"

# RATE RTT CLASS TARGET: each class of link, its name in the table, and
# the bulk load's target ratio (pgmesh's time over native's; "-": none).
WAN_CLASSES=(
	"10mbit 100ms 10M/100ms 0.1"
	"100mbit 50ms 100M/50ms -"
	"1gbit 10ms 1G/10ms -"
)

# wan_class RATE RTT CLASS TARGET: both loads' catch-up across one class
# of link.
wan_class() {
	wan_link_up wan "$1" "$2"
	wan_sshd wan b
	wan_cluster "$WAN_SRC" wan a
	wan_cluster "$WAN_DST" wan b
	wan_catchup wan "$3" wan_bulk "$BENCH_ROWS" 1000 "$4"
	wan_catchup wan "$3" wan_single $((BENCH_ROWS / 10)) 1 -
	wan_link_down wan
}

bench_wan() {
	local class
	for class in "${WAN_CLASSES[@]}"; do
		# shellcheck disable=SC2086
		wan_class $class
	done
	wan_trickle 10mbit 100ms 10M/100ms 1.1
	wan_hubs 10mbit 100ms 10M/100ms
}

bench_wan
