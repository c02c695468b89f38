# wan-hosts.sh: the hosts of the wan part, on both ends of a simulated
# slow, far link (scripts/netsim: network namespaces joined at the IP
# level, TCP end to end, the kernel's tbf for the rate, a delay line of
# ours for the round trip).  Not a part: sourced by wan.sh.
#
#	wan_link_up LINK RATE RTT     the link, hosts a and b; the bench stops
#	                              (69) where namespaces cannot be made
#	wan_cluster NAME LINK SIDE    a cluster on host SIDE, listening on the
#	                              host's address, trusting the link's
#	wan_conninfo NAME LINK SIDE [DB]   its address across the link
#	wan_sshd LINK SIDE...         one sshd on each host SIDE (port SSHD_PORT)
#	wan_ssh_to LINK SIDE          ssh's words to reach host SIDE as root,
#	                              quoted for a command string
#	wan_quote WORD                WORD quoted for a remote POSIX shell
#	wan_bytes LINK                IP bytes that crossed, both ways, so far
#	wan_link_down LINK            its clusters, sshd and hosts, gone
#
# Each side's PostgreSQL servers run in that host's namespace: a
# subscription's apply worker, a backend of the destination, connects
# from host b to the source's address on host a, across the link.
# Programs reach servers of their own host by the unix socket as before
# (the file system is shared; only TCP crosses).

# shellcheck source=scripts/netsim/netsim.sh
source "$REPO_DIR/scripts/netsim/netsim.sh"

# The clusters on each link, stopped before the link goes (netsim_down
# would otherwise kill them under their feet).
declare -A WAN_CLUSTERS=()

wan_link_up() {
	local status=0
	# Before the link exists: an interrupt while it is made must find
	# the cleanup in place.
	case " ${BENCH_CLEANUP[*]} " in
	*" wan_cleanup "*) ;;
	*) BENCH_CLEANUP+=(wan_cleanup) ;;
	esac
	WAN_CLUSTERS[$1]=""
	netsim_up "$@" || status=$?
	[ "$status" -eq 0 ] || { echo "bench: wan needs a simulated link" >&2; exit "$status"; }
}

wan_cluster() {
	local name=$1 link=$2 side=$3
	PG_NETNS=$(netsim_ns "$link" "$side") pg_start "$name" \
		"${BENCH_SETTINGS[@]}" "listen_addresses = '$(netsim_addr "$link" "$side")'"
	# The link's two addresses may connect, replication included, as
	# the unix socket may.
	printf 'host all all %s/32 trust\nhost replication all %s/32 trust\n' \
		"$(netsim_addr "$link" a)" "$(netsim_addr "$link" a)" \
		"$(netsim_addr "$link" b)" "$(netsim_addr "$link" b)" \
		>>"$PG_TMP/$name/data/pg_hba.conf"
	pg_sql "$name" "SELECT pg_reload_conf()" >/dev/null
	WAN_CLUSTERS[$link]+=" $name"
}

wan_conninfo() {
	echo "host=$(netsim_addr "$2" "$3") port=$(cat "$PG_TMP/$1/port")" \
		"user=postgres dbname=${4:-postgres}"
}

wan_sshd() {
	local link=$1 side ns=() home=$BENCH_TMP/sshd-home
	shift
	for side; do
		ns+=("$(netsim_ns "$link" "$side")")
	done
	# Remote commands run through root's shell, which reads ~/.bashrc
	# for ssh sessions: not this machine's (seconds, here), an empty
	# home, as a pgmesh user's would be.
	mkdir -p "$home"
	SSHD_NETNS="${ns[*]}" SSHD_CONFIG_EXTRA="SetEnv HOME=$home" \
		sshd_start "$BENCH_TMP/sshd-$link"
}

# ssh as pgmesh-ship runs it (-T, BatchMode), with the throwaway keys.
wan_ssh_to() {
	printf '%q ' ssh -T -o BatchMode=yes "${SHIP_SSH[@]}" -p "$SSHD_PORT" \
		"root@$(netsim_addr "$1" "$2")"
}

wan_quote() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

wan_bytes() {
	local ab ba
	read -r ab ba <<<"$(netsim_bytes "$1")"
	echo $((ab + ba))
}

wan_link_down() {
	local name
	for name in ${WAN_CLUSTERS[$1]}; do
		pg_stop "$name"
	done
	unset 'WAN_CLUSTERS[$1]'
	sshd_stop
	netsim_down "$1"
}

wan_cleanup() {
	local link
	for link in "${!WAN_CLUSTERS[@]}"; do
		wan_link_down "$link"
	done
	netsim_down_all
}
