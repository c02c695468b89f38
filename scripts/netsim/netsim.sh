# netsim.sh: a simulated slow, far link between two hosts on one machine,
# for pgmesh's tests and benchmark (bash; source it, run as root).
#
#	netsim_up NAME RATE RTT     start link NAME between hosts a and b
#	netsim_exec NAME SIDE CMD...   run CMD on host SIDE (a or b)
#	netsim_addr NAME SIDE       the host's IPv4 address (a server there
#	                            listens on it, a client on the other side
#	                            connects to it)
#	netsim_ns NAME SIDE         the host's network namespace (for
#	                            ip netns exec, ip -n, tc -n)
#	netsim_stats NAME           the delay line's counters, one line per
#	                            direction: "a-b PACKETS BYTES DROPPED
#	                            DROPPED_BYTES QUEUE_PEAK" (after a # header)
#	netsim_bytes NAME           "A_TO_B B_TO_A": IP bytes that crossed
#	netsim_down NAME            stop it: processes on its hosts, the delay
#	                            line, the namespaces and devices
#	netsim_down_all             every link this shell started
#
# RATE is a number with kbit, mbit or gbit (bits per second, as tc reads
# them), or "unlimited"; RTT is a number of ms (or with "ms" or "us").  For
# example "netsim_up far 10mbit 100ms" makes the path of a distant office.
# A script should also say "trap netsim_down_all EXIT"; if it is killed
# before it can, a watchdog per link tears the link down once the shell
# that started it is gone, so nothing outlives a killed test run.
#
# How the link is made, and why:
#
# * Each host is a network namespace (its own addresses, routes, sockets,
#   loopback; TCP settings at the kernel's defaults but for the congestion
#   control, which comes from the host); programs run inside with
#   "ip netns exec" and listen on the host's address.  Unix-domain sockets
#   on the file system are shared by every namespace, so traffic that must
#   cross the link has to use TCP to netsim_addr.
# * The hosts are joined by two TUN devices, one in each namespace, and
#   scripts/netsim/delayline in between: it holds each IP packet for RTT/2
#   and passes it on, in order.  TCP stays end to end: a relay that
#   terminated TCP in the middle (a proxy, socat) would hide slow start and
#   the window limits of a long path, the very things to measure.
# * netem, the kernel's own delay qdisc, does not exist on the kernel this
#   was built on ("tc qdisc add dev lo root netem delay 10ms" answers
#   "Specified qdisc kind is unknown"; checked again when this was written),
#   hence the delay line.
# * The rate is limited by the kernel: a tbf qdisc on each host's TUN
#   device (egress, so each direction has its own bottleneck), with a queue
#   of one bandwidth-delay product (at least 64 KiB; NETSIM_QUEUE=BYTES to
#   choose), like a router's buffer, and a burst of 1 ms at the rate (at
#   least 4 KiB and two packets).  Packets beyond the queue are dropped,
#   as on a real path.
# * The delay line's own queue (what is in flight one way) holds at least
#   8 MiB, and twice what the rate can put in flight, so that it never
#   drops below the rate limit (NETSIM_DELAYLINE_QUEUE=BYTES to choose).
# * MTU 1500, as on the Internet (NETSIM_MTU=BYTES to choose: 9000 makes
#   six times fewer packets and cuts the delay line's CPU by about three
#   at 1 Gbit/s, but TCP's segments change too).
# * IPv6 is off on both hosts so that nothing crosses the link but the
#   traffic a test or benchmark makes (no router or multicast chatter):
#   byte counts are exact.
#
# Names: each shell's links live under one private directory NETSIM_TMP
# (made by the first netsim_up, and exported so that the shell's children
# can reach its links too), and the namespaces are named after it
# (netsim-XXXXXX-NAME-a), so two runs never collide.  The TUN devices get
# kernel-chosen names in the root namespace for the moment before they
# move, and are named "netsim" inside.
#
# Every function is safe under "set -eu" (the benchmark's and bats').
#
# Where namespaces cannot be made (not root, no TUN device, a container
# without the rights), netsim_up says why and returns 69; bad arguments
# return 64.
#
# shellcheck shell=bash

NETSIM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NETSIM_DELAYLINE=${NETSIM_DELAYLINE:-$NETSIM_LIB_DIR/delayline}
NETSIM_DEV=netsim
NETSIM_MTU=${NETSIM_MTU:-1500}
NETSIM_ADDR_a=10.77.0.1
NETSIM_ADDR_b=10.77.0.2

netsim_error() {
	echo "netsim: $*" >&2
}

# _netsim_bits RATE: bits per second, 0 for unlimited; fails on a bad RATE.
_netsim_bits() {
	local n
	case $1 in
	unlimited) echo 0; return 0 ;;
	*kbit) n=${1%kbit}; set -- "$n" 1000 ;;
	*mbit) n=${1%mbit}; set -- "$n" 1000000 ;;
	*gbit) n=${1%gbit}; set -- "$n" 1000000000 ;;
	*) return 1 ;;
	esac
	[[ $1 =~ ^[1-9][0-9]{0,5}$ ]] || return 1
	echo $(($1 * $2))
}

# _netsim_us RTT: microseconds; fails on a bad RTT.
_netsim_us() {
	local n=$1 unit=1000
	case $n in
	*us) n=${n%us}; unit=1 ;;
	*ms) n=${n%ms} ;;
	esac
	[[ $n =~ ^[0-9]{1,6}$ ]] || return 1
	echo $((10#$n * unit))
}

_netsim_dir() {
	local dir=${NETSIM_TMP:-}/$1
	if [ -z "${NETSIM_TMP:-}" ] || [ ! -f "$dir/ns" ]; then
		netsim_error "no link named $1 is up"
		return 1
	fi
	echo "$dir"
}

netsim_ns() {
	local dir nsa nsb
	dir=$(_netsim_dir "$1") || return 1
	read -r nsa nsb <"$dir/ns"
	case $2 in
	a) echo "$nsa" ;;
	b) echo "$nsb" ;;
	*) netsim_error "a side is a or b, not \"$2\""; return 64 ;;
	esac
}

netsim_addr() {
	case $2 in
	a) echo "$NETSIM_ADDR_a" ;;
	b) echo "$NETSIM_ADDR_b" ;;
	*) netsim_error "a side is a or b, not \"$2\""; return 64 ;;
	esac
}

netsim_exec() {
	local ns
	ns=$(netsim_ns "$1" "$2") || return
	shift 2
	ip netns exec "$ns" "$@"
}

# _netsim_can_run: what netsim_up needs, or a message saying what is not
# there.
_netsim_can_run() {
	if [ "$(id -u)" -ne 0 ]; then
		netsim_error "network namespaces need root; cannot simulate a link"
		return 69
	fi
	if [ ! -c /dev/net/tun ]; then
		netsim_error "no /dev/net/tun (modprobe tun); cannot simulate a link"
		return 69
	fi
	if [ ! -x "$NETSIM_DELAYLINE" ]; then
		netsim_error "$NETSIM_DELAYLINE is not built (make scripts/netsim/delayline)"
		return 69
	fi
	local tool
	for tool in ip tc; do
		command -v "$tool" >/dev/null ||
			{ netsim_error "no $tool (install iproute2)"; return 69; }
	done
}

# _netsim_alive PID: running, not a zombie left for its parent to reap.
_netsim_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

_netsim_any_alive() {
	local pid
	for pid; do
		_netsim_alive "$pid" && return 0
	done
	return 1
}

# _netsim_stop SIGNAL PID...: send SIGNAL, then wait up to 5 s for them to
# be gone; true when they are.
_netsim_stop() {
	local sig=$1
	shift
	[ $# -gt 0 ] || return 0
	kill "-$sig" "$@" 2>/dev/null || true
	for _ in $(seq 250); do
		_netsim_any_alive "$@" || return 0
		sleep 0.02
	done
	return 1
}

# _netsim_teardown DIR: the processes on the link's hosts (they would keep
# a namespace alive after its name is deleted), then the delay line (its
# devices vanish with it), then the namespaces, then DIR.  Safe to run
# twice and on a half-made link; the watchdog runs it too.
_netsim_teardown() {
	local dir=$1 nsa="" nsb="" ns pid pids
	[ -d "$dir" ] || return 0
	read -r nsa nsb <"$dir/ns" 2>/dev/null || true
	for ns in $nsa $nsb; do
		pids=$(ip netns pids "$ns" 2>/dev/null) || true
		# shellcheck disable=SC2086
		_netsim_stop TERM $pids || _netsim_stop KILL $pids
	done
	pid=$(cat "$dir/pid" 2>/dev/null) || true
	if [ -n "$pid" ]; then
		_netsim_stop TERM "$pid" || _netsim_stop KILL "$pid"
	fi
	for ns in $nsa $nsb; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$dir"
	rmdir "$(dirname "$dir")" 2>/dev/null || true
}

# _netsim_watchdog DIR OWNER: tear the link down once OWNER (the shell
# that started it) is gone; leave when DIR is gone (netsim_down ran).
_netsim_watchdog() {
	local dir=$1 owner=$2
	(
		trap '' INT TERM HUP
		while _netsim_alive "$owner" && [ -d "$dir" ]; do
			sleep 0.5
		done
		_netsim_teardown "$dir"
	) </dev/null >/dev/null 2>&1 3>&- &
	echo $! >"$dir/watchdog"
	disown 2>/dev/null || true
}

# _netsim_host NS SELF PEER: the namespace, with IPv6 off (set before the
# device arrives, which takes the namespace's defaults) and loopback up.
_netsim_host() {
	local ns=$1
	ip netns add "$ns" || return
	if [ -d /proc/sys/net/ipv6 ]; then
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return
	fi
	ip -n "$ns" link set lo up
}

# _netsim_attach DEV NS SELF PEER RATE BURST QUEUE: move DEV into NS as
# $NETSIM_DEV, address it point to point, bring it up, limit its egress.
_netsim_attach() {
	local dev=$1 ns=$2 self=$3 peer=$4 rate=$5 burst=$6 queue=$7
	ip link set dev "$dev" netns "$ns" &&
		ip -n "$ns" link set dev "$dev" name "$NETSIM_DEV" &&
		ip -n "$ns" addr add "$self" peer "$peer" dev "$NETSIM_DEV" &&
		ip -n "$ns" link set dev "$NETSIM_DEV" mtu "$NETSIM_MTU" up ||
		return
	[ "$rate" -eq 0 ] && return 0
	tc -n "$ns" qdisc add dev "$NETSIM_DEV" root tbf rate "${rate}bit" \
		burst "$burst" limit "$queue"
}

# _netsim_delayline DIR ONEWAY_US QUEUE: start the delay line and wait
# (up to 5 s) for its line naming the two devices it made.
_netsim_delayline() {
	local dir=$1
	"$NETSIM_DELAYLINE" -d "$2" -q "$3" -s "$dir/stats" 'netsim%d' \
		'netsim%d' >"$dir/devices" 2>"$dir/delayline.log" </dev/null 3>&- &
	echo $! >"$dir/pid"
	# Not a job of the caller's: a plain "wait" there must not wait for it.
	disown $! 2>/dev/null || true
	for _ in $(seq 250); do
		grep -q ' ' "$dir/devices" 2>/dev/null && return 0
		_netsim_alive "$(cat "$dir/pid")" || break
		sleep 0.02
	done
	netsim_error "the delay line did not start: $(cat "$dir/delayline.log")"
	return 1
}

netsim_up() {
	if [ $# -ne 3 ] || [[ ! $1 =~ ^[a-z0-9_]{1,16}$ ]]; then
		netsim_error "usage: netsim_up NAME RATE RTT (NAME: 1 to 16 of a-z 0-9 _)"
		return 64
	fi
	local name=$1 bits us
	bits=$(_netsim_bits "$2") ||
		{ netsim_error "rate \"$2\": a number with kbit, mbit or gbit, or unlimited"; return 64; }
	us=$(_netsim_us "$3") ||
		{ netsim_error "RTT \"$3\": a number of ms (or with ms or us)"; return 64; }
	_netsim_can_run || return
	if [ -z "${NETSIM_TMP:-}" ] || [ ! -d "$NETSIM_TMP" ]; then
		NETSIM_TMP=$(mktemp -d /tmp/netsim.XXXXXX) || return 69
		export NETSIM_TMP
	fi
	local dir=$NETSIM_TMP/$name
	mkdir "$dir" 2>/dev/null ||
		{ netsim_error "a link named $name is already up"; return 64; }
	local tag=${NETSIM_TMP##*.}
	echo "netsim-$tag-$name-a netsim-$tag-$name-b" >"$dir/ns"
	echo "$$" >"$dir/owner"
	_netsim_watchdog "$dir" "$$"
	_netsim_link "$dir" "$bits" "$us" ||
		{ _netsim_teardown "$dir"; return 69; }
}

# _netsim_link DIR BITS RTT_US: the hosts, the delay line, the devices.
# The bottleneck queue is one bandwidth-delay product; the delay line's
# queue holds what is in flight for one way at the rate, twice over.
_netsim_link() {
	local dir=$1 bits=$2 us=$3 nsa nsb deva devb
	local rate_bytes=$((bits / 8))
	local least=$((2 * NETSIM_MTU > 4096 ? 2 * NETSIM_MTU : 4096))
	local burst=$((rate_bytes / 1000 > least ? rate_bytes / 1000 : least))
	local bdp=$((rate_bytes * us / 1000000))
	local queue=${NETSIM_QUEUE:-$((bdp > 65536 ? bdp : 65536))}
	local inflight=$((2 * (rate_bytes * us / 2000000 + burst)))
	local dlqueue=${NETSIM_DELAYLINE_QUEUE:-$((inflight > 8388608 ? inflight : 8388608))}
	read -r nsa nsb <"$dir/ns"
	if ! _netsim_host "$nsa" || ! _netsim_host "$nsb"; then
		netsim_error "cannot create network namespaces (see above); cannot simulate a link"
		return 1
	fi
	_netsim_delayline "$dir" $((us / 2)) "$dlqueue" || return
	read -r deva devb <"$dir/devices"
	if ! _netsim_attach "$deva" "$nsa" "$NETSIM_ADDR_a" "$NETSIM_ADDR_b" \
		"$bits" "$burst" "$queue" ||
		! _netsim_attach "$devb" "$nsb" "$NETSIM_ADDR_b" "$NETSIM_ADDR_a" \
			"$bits" "$burst" "$queue"; then
		netsim_error "cannot set up the link's devices (see above)"
		return 1
	fi
}

netsim_stats() {
	local dir
	dir=$(_netsim_dir "$1") || return 1
	# The delay line writes the file anew on SIGUSR1 (by rename, whole).
	rm -f "$dir/stats"
	kill -USR1 "$(cat "$dir/pid")" 2>/dev/null ||
		{ netsim_error "the delay line of $1 is gone"; return 1; }
	for _ in $(seq 500); do
		[ -f "$dir/stats" ] && { cat "$dir/stats"; return 0; }
		sleep 0.01
	done
	netsim_error "the delay line of $1 wrote no counters"
	return 1
}

netsim_bytes() {
	local stats
	stats=$(netsim_stats "$1") || return
	awk '$1 == "a-b" { ab = $3 } $1 == "b-a" { ba = $3 }
		END { print ab, ba }' <<<"$stats"
}

netsim_down() {
	local dir
	dir=$(_netsim_dir "$1") || return 1
	_netsim_teardown "$dir"
}

# netsim_down_all: the links this shell started, not those of a parent
# whose NETSIM_TMP it inherited (a child uses them, it does not own them).
netsim_down_all() {
	local dir
	[ -n "${NETSIM_TMP:-}" ] && [ -d "$NETSIM_TMP" ] || return 0
	for dir in "$NETSIM_TMP"/*/; do
		[ "$(cat "$dir/owner" 2>/dev/null)" = "$$" ] &&
			_netsim_teardown "${dir%/}"
	done
	rmdir "$NETSIM_TMP" 2>/dev/null || true
}
