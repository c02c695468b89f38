# scripts/netsim: the simulated slow, far link the benchmark measures
# pgmesh over.  A link at 20 Mbit/s with 20 ms RTT carries pings, a UDP
# sequence and TCP transfers; the delay line is also run alone; links of
# their own show drops at a full queue and that nothing outlives
# netsim_down or a killed shell.  Needs root (namespaces, TUN devices).
bats_require_minimum_version 1.5.0
load helpers/common
# shellcheck source=scripts/netsim/netsim.sh
source "$REPO_DIR/scripts/netsim/netsim.sh"

RATE_BITS=20000000
RTT_MS=20
# A ping with a count and no deadline stops two round trips after its
# last request, and on a busy machine a reply can come later than that:
# where the replies matter, ping gets a deadline (-w), and waits for them
# all (sending more requests meanwhile); where exact counts matter, the
# test waits for the delay line's counters instead.

setup_file() {
	make -s -C "$REPO_DIR" scripts/netsim/delayline
	netsim_up t 20mbit "${RTT_MS}ms"
}

teardown_file() {
	netsim_down_all
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_until() {
	local tries=$(($1 * 10))
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || { echo "timed out: $*" >&2; return 1; }
		sleep 0.1
	done
}

# count STATS DIRECTION FIELD: one counter from netsim_stats's output
# (FIELD 2 packets, 3 bytes, 4 dropped, 5 dropped bytes, 6 queue peak).
count() {
	awk -v d="$2" -v f="$3" '$1 == d { print $f }' <<<"$1"
}

# counter LINK DIRECTION FIELD: the same, read now.
counter() {
	count "$(netsim_stats "$1")" "$2" "$3"
}

# all_taken LINK DIRECTION N: the delay line has delivered or dropped N
# packets (or more) in DIRECTION.
all_taken() {
	local stats
	stats=$(netsim_stats "$1")
	[ $(($(count "$stats" "$2" 2) + $(count "$stats" "$2" 4))) -ge "$3" ]
}

listening() {
	netsim_exec "$1" b ss -Hltn "sport = :$2" | grep -q .
}

# tcp_send LINK FILE OUT: FILE from host a to host b with nc (TCP), into
# OUT; prints the milliseconds from the connect to the last byte landed.
tcp_send() {
	local link=$1 port=5001 receiver start end
	netsim_exec "$link" b timeout 30 nc -d -l "$(netsim_addr "$link" b)" \
		"$port" >"$3" 3>&- &
	receiver=$!
	wait_until 5 listening "$link" "$port"
	start=$(date +%s%N)
	netsim_exec "$link" a timeout 30 nc -N "$(netsim_addr "$link" b)" \
		"$port" <"$2"
	wait "$receiver"
	end=$(date +%s%N)
	echo $(((end - start) / 1000000))
}

# gone PID: the process has exited (a zombie not yet reaped counts).
gone() {
	! _netsim_alive "$1"
}

namespace_gone() {
	! ip netns list | grep -qw "$1"
}

# link_gone DIR NS_A NS_B PID...: the link's state, namespaces and
# processes are all gone.
link_gone() {
	local dir=$1 nsa=$2 nsb=$3 pid
	shift 3
	[ ! -e "$dir" ] || return 1
	namespace_gone "$nsa" || return 1
	namespace_gone "$nsb" || return 1
	for pid; do
		gone "$pid" || return 1
	done
}

@test "netsim_up: bad arguments exit 64 and make nothing" {
	local before
	before=$(ip netns list)
	run -64 --separate-stderr netsim_up bad 20 40ms
	assert_contains "$stderr" 'rate "20": a number with kbit, mbit or gbit'
	run -64 --separate-stderr netsim_up bad 20mbit soon
	assert_contains "$stderr" 'RTT "soon": a number of ms'
	run -64 --separate-stderr netsim_up Bad/name 20mbit 40ms
	assert_contains "$stderr" "usage: netsim_up NAME RATE RTT"
	run -64 --separate-stderr netsim_up t 20mbit 40ms
	assert_contains "$stderr" "a link named t is already up"
	assert_equal "$(ip netns list)" "$before"
}

@test "netsim_up: where namespaces cannot be made, it says so and exits 69" {
	# A user namespace maps us to root without rights over the host's
	# network: ip netns add fails there, as in an unprivileged container.
	run -69 --separate-stderr unshare -Ur bash -c \
		"source '$REPO_DIR/scripts/netsim/netsim.sh'; netsim_up x 10mbit 10ms"
	assert_contains "$stderr" "netsim: cannot create network namespaces"
	run -69 --separate-stderr runuser -u nobody -- bash -c \
		"source '$REPO_DIR/scripts/netsim/netsim.sh'; netsim_up x 10mbit 10ms"
	assert_contains "$stderr" "netsim: network namespaces need root"
}

@test "delay: no ping comes back sooner than the RTT, nor much later" {
	local times
	run -0 netsim_exec t a ping -n -c 20 -i 0.02 -w 10 "$(netsim_addr t b)"
	times=$(awk -F'time=' 'NF == 2 { print $2 + 0 }' <<<"$output" | sort -n)
	echo "round trips (ms), sorted:" $times
	assert_equal "$(wc -l <<<"$times")" 20
	# Never sooner than 2 x the one-way delay, not even by 0.1 ms...
	awk -v rtt=$RTT_MS 'NR == 1 && $1 < rtt { exit 1 }' <<<"$times"
	# ...and the delay line adds little (bounds loose enough for a busy
	# machine: the fastest within 5 ms, the median within 30 ms).
	awk -v rtt=$RTT_MS 'NR == 1 && $1 >= rtt + 5 { exit 1 }' <<<"$times"
	awk -v rtt=$RTT_MS 'NR == 10 && $1 >= rtt + 30 { exit 1 }' <<<"$times"
}

@test "bytes: N pings of SIZE count N packets of SIZE + 28 each way" {
	local before after
	before=$(netsim_stats t)
	run -0 netsim_exec t a ping -n -c 10 -i 0.02 -s 1000 "$(netsim_addr t b)"
	assert_contains "$output" "10 packets transmitted,"
	wait_until 5 all_taken t b-a $(($(count "$before" b-a 2) + 10))
	after=$(netsim_stats t)
	assert_equal "$(count "$after" a-b 2)" $(($(count "$before" a-b 2) + 10))
	assert_equal "$(count "$after" a-b 3)" $(($(count "$before" a-b 3) + 10280))
	assert_equal "$(count "$after" b-a 2)" $(($(count "$before" b-a 2) + 10))
	assert_equal "$(count "$after" b-a 3)" $(($(count "$before" b-a 3) + 10280))
	assert_equal "$(count "$after" a-b 4)" 0
	assert_equal "$(netsim_bytes t)" \
		"$(count "$after" a-b 3) $(count "$after" b-a 3)"
}

@test "order: pings and UDP datagrams arrive in the order sent, none lost" {
	# Ten pings in flight at once: a reordering shows in icmp_seq.
	run -0 netsim_exec t a ping -n -c 100 -i 0.002 -s 100 -w 10 \
		"$(netsim_addr t b)"
	assert_contains "$output" " 100 received,"
	assert_equal "$(grep -o 'icmp_seq=[0-9]*' <<<"$output" | cut -d= -f2)" \
		"$(seq 100)"
	# One datagram per line (bash writes each echo on its own); few
	# enough that the receiver's socket buffer holds them all at once.
	netsim_exec t b timeout 10 nc -u -l -W 100 "$(netsim_addr t b)" 5002 \
		>"$BATS_TEST_TMPDIR/udp" 3>&- &
	local receiver=$!
	wait_until 5 eval 'netsim_exec t b ss -Hlun "sport = :5002" | grep -q .'
	netsim_exec t a bash -c "exec 3>/dev/udp/$(netsim_addr t b)/5002
		for i in \$(seq 100); do echo \$i >&3; done"
	wait "$receiver"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/udp")" "$(seq 100)"
	assert_equal "$(counter t a-b 4)" 0
	assert_equal "$(counter t b-a 4)" 0
}

@test "TCP: a file crosses with nc byte for byte" {
	seq 1 300000 >"$BATS_TEST_TMPDIR/in"	# 2 MB, known content
	tcp_send t "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/out")" \
		"$(sha256sum <"$BATS_TEST_TMPDIR/in")"
	assert_equal "$(counter t a-b 4)" 0
	assert_equal "$(counter t b-a 4)" 0
}

@test "rate: 2 MB over TCP take no less than 2 MB at 20 Mbit/s" {
	local bytes=2000000 ms floor_ms
	head -c $bytes /dev/zero >"$BATS_TEST_TMPDIR/in"
	ms=$(tcp_send t "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out")
	assert_equal "$(wc -c <"$BATS_TEST_TMPDIR/out")" $bytes
	# Only tbf's burst (4 KiB at this rate) may pass faster than the rate;
	# headers only add bytes.  The upper bound (10x) catches a wrong unit.
	floor_ms=$(((bytes - 4096) * 8 * 1000 / RATE_BITS))
	echo "$bytes bytes in $ms ms (floor $floor_ms ms)"
	[ "$ms" -ge "$floor_ms" ]
	[ "$ms" -lt $((10 * floor_ms)) ]
}

@test "delay line: a full queue drops and counts; memory stays bounded" {
	# 300 datagrams of 1428 bytes at once (no rate limit), each held
	# 200 ms, into a queue of 200,000 bytes less room for one largest
	# packet: about 90 fit, the rest are dropped.
	NETSIM_DELAYLINE_QUEUE=200000 netsim_up q unlimited 400ms
	netsim_exec q a bash -c "exec 3>/dev/udp/$(netsim_addr q b)/9
		for i in \$(seq 300); do printf '%1400s' '' >&3; done"
	wait_until 5 all_taken q a-b 300
	local stats
	stats=$(netsim_stats q)
	assert_equal $(($(count "$stats" a-b 2) + $(count "$stats" a-b 4))) 300
	[ "$(count "$stats" a-b 4)" -gt 0 ]
	assert_equal "$(count "$stats" a-b 3)" $(($(count "$stats" a-b 2) * 1428))
	assert_equal "$(count "$stats" a-b 5)" $(($(count "$stats" a-b 4) * 1428))
	[ "$(count "$stats" a-b 6)" -le 200000 ]
	netsim_down q
}

@test "NETSIM_MTU: a 9000-byte packet crosses whole" {
	NETSIM_MTU=9000 netsim_up j 100mbit 2ms
	# One request: ping waits -W seconds for its reply.
	run -0 netsim_exec j a ping -n -c 1 -M do -s 8972 -W 10 "$(netsim_addr j b)"
	assert_equal "$(netsim_stats j | grep '^a-b')" "a-b 1 9000 0 0 9016"
	netsim_down j
}

@test "delayline alone: usage errors exit 64; SIGTERM exits 0 with counters" {
	local dl=$REPO_DIR/scripts/netsim/delayline names pid
	run -64 --separate-stderr "$dl"
	assert_contains "$stderr" "usage: delayline"
	run -64 --separate-stderr "$dl" -d 1ms a b
	assert_contains "$stderr" 'delayline: -d takes a number from 0 to 3600000000, not "1ms"'
	run -64 --separate-stderr "$dl" -q 1000 a b
	assert_contains "$stderr" "delayline: -q takes a number from"
	run -71 --separate-stderr "$dl" nameofsixteenchr b
	assert_contains "$stderr" "a device name has at most 15 characters"

	"$dl" -s "$BATS_TEST_TMPDIR/stats" 'dltest%d' 'dltest%d' \
		>"$BATS_TEST_TMPDIR/names" 3>&- &
	pid=$!
	wait_until 5 grep -q ' ' "$BATS_TEST_TMPDIR/names"
	read -r -a names <"$BATS_TEST_TMPDIR/names"
	ip link show dev "${names[0]}" >/dev/null
	ip link show dev "${names[1]}" >/dev/null
	kill -TERM "$pid"
	local status=0
	wait "$pid" || status=$?
	assert_equal "$status" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/stats")" \
		"$(printf '%s\n' '# direction packets bytes dropped dropped_bytes queue_peak' \
			'a-b 0 0 0 0 0' 'b-a 0 0 0 0 0')"
	run -1 ip link show dev "${names[0]}"
	run -1 ip link show dev "${names[1]}"
}

@test "netsim_down: namespaces, devices and processes are gone" {
	netsim_up d 10mbit 10ms
	local dir=$NETSIM_TMP/d nsa nsb delayline watchdog devices sleeper
	read -r nsa nsb <"$dir/ns"
	read -r devices <"$dir/devices"
	delayline=$(cat "$dir/pid")
	watchdog=$(cat "$dir/watchdog")
	# Its output elsewhere: bats would wait for a leftover holding it.
	netsim_exec d b sleep infinity >/dev/null 2>&1 3>&- &
	wait_until 5 eval "ip netns pids $nsb | grep -q ."
	sleeper=$(ip netns pids "$nsb")
	netsim_down d
	link_gone "$dir" "$nsa" "$nsb" "$delayline" "$sleeper"
	wait_until 5 gone "$watchdog"
	local dev
	for dev in $devices; do
		run -1 ip link show dev "$dev"
	done
}

@test "netsim_down_all: a child shell's takes down its links, not its parent's" {
	run -0 --separate-stderr bash -c "source '$REPO_DIR/scripts/netsim/netsim.sh'
		netsim_up c 10mbit 2ms && netsim_exec t a true && netsim_down_all"
	assert_equal "$stderr" ""
	[ ! -e "$NETSIM_TMP/c" ]
	run -0 netsim_exec t a ping -n -c 1 "$(netsim_addr t b)"
}

@test "watchdog: a link whose shell is killed -9 is torn down" {
	# A shell of its own (NETSIM_TMP unset: not this file's links).
	NETSIM_TMP='' bash -c "source '$REPO_DIR/scripts/netsim/netsim.sh'
		netsim_up k 10mbit 10ms || exit
		netsim_exec k b sleep infinity >/dev/null 2>&1 &
		echo \"\$NETSIM_TMP/k\"
		wait" >"$BATS_TEST_TMPDIR/owner" 2>&1 3>&- &
	local owner=$! dir nsa nsb delayline sleeper
	wait_until 10 grep -q . "$BATS_TEST_TMPDIR/owner"
	dir=$(cat "$BATS_TEST_TMPDIR/owner")
	read -r nsa nsb <"$dir/ns"
	delayline=$(cat "$dir/pid")
	wait_until 5 eval "ip netns pids $nsb | grep -q ."
	sleeper=$(ip netns pids "$nsb")
	kill -KILL "$owner"
	wait_until 15 link_gone "$dir" "$nsa" "$nsb" "$delayline" "$sleeper"
	[ ! -e "$(dirname "$dir")" ]
}

@test "measure: one transfer's time, rate and delay line CPU, or usage 64" {
	run -64 --separate-stderr "$REPO_DIR/scripts/netsim/measure" 10mbit 10ms
	assert_equal "$stderr" "usage: measure RATE RTT BYTES"
	run -0 --separate-stderr "$REPO_DIR/scripts/netsim/measure" 100mbit 2ms 100000
	assert_equal "$stderr" ""
	[[ ${lines[0]} =~ ^100000\ bytes\ over\ 100mbit,\ 2ms\ RTT:\ [0-9.]+\ s,\ [0-9.]+\ Mbit/s\ of\ payload$ ]]
	[[ ${lines[1]} =~ ^delay\ line:\ [0-9.]+\ s\ user,\ [0-9.]+\ s\ system,\ [0-9.]+\ us\ a\ packet, ]]
	[[ ${lines[2]} =~ ^nc\ sender:\ [0-9.]+\ s\ user, ]]
	[[ ${lines[3]} =~ ^machine:\ [0-9]+%\ busy ]]
	[[ ${lines[4]} =~ ^bottleneck\ a:\ [0-9]+\ bytes,\ [0-9]+\ packets,\ [0-9]+\ dropped$ ]]
	[[ ${lines[5]} =~ ^bottleneck\ b: ]]
	assert_equal "${lines[6]}" "# direction packets bytes dropped dropped_bytes queue_peak"
}
