# sshd.bash: a real sshd on a loopback port, with throwaway host and user
# keys, for the tests and the benchmark of pgmesh-ship.
#
#	sshd_start [DIR]        start it (keys and config under DIR, default
#	                        a new directory under /tmp; on port SSHD_PORT
#	                        when that is set, else a free one); sets SSHD_DIR,
#	                        SSHD_PORT, SSH_KEY and SHIP_SSH (the options
#	                        pgmesh-ship needs to reach it)
#	sshd_authorize [OPTS]   (re)write authorized_keys: the user key, with
#	                        OPTS in front (e.g. command="...")
#	sshd_stop               stop it and remove its directory
#
# SSHD_CONFIG_EXTRA, when set, holds more sshd_config lines for sshd_start.
# SSHD_NETNS, when set, names network namespaces (ip netns; the
# benchmark's simulated hosts, scripts/netsim): sshd_start then runs one
# server in each instead of one here, all on SSHD_PORT with the same keys
# and config, each listening on every address of its namespace, so that
# a client on the far side of a link reaches it at netsim_addr.
# The server needs root (it switches to the logged-in user); the client
# trusts the throwaway host key without a known_hosts file.

# shellcheck source=tests/helpers/wait.bash
source "$(dirname "${BASH_SOURCE[0]}")/wait.bash"

sshd_start() {
	local listen=127.0.0.1
	[ -z "${SSHD_NETNS:-}" ] || listen=0.0.0.0
	SSHD_DIR=${1:-$(mktemp -d /tmp/pgmesh-sshd.XXXXXX)}
	mkdir -p "$SSHD_DIR" /run/sshd
	SSHD_PORT=${SSHD_PORT:-$(pg_free_port)}
	SSH_KEY=$SSHD_DIR/user_key
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key" </dev/null
	ssh-keygen -q -t ed25519 -N '' -f "$SSH_KEY" </dev/null
	sshd_authorize
	cat >"$SSHD_DIR/sshd_config" <<-CONF
		Port $SSHD_PORT
		ListenAddress $listen
		HostKey $SSHD_DIR/host_key
		AuthorizedKeysFile $SSHD_DIR/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		StrictModes no
		UsePAM no
		MaxStartups 50
		${SSHD_CONFIG_EXTRA:-}
	CONF
	SHIP_SSH=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o LogLevel=ERROR -i "$SSH_KEY")
	export SSHD_DIR SSHD_PORT SSH_KEY
	if [ -z "${SSHD_NETNS:-}" ]; then
		sshd_run
	else
		local ns
		for ns in $SSHD_NETNS; do
			sshd_run "$ns" || return
		done
	fi
}

# sshd_run [NETNS]: one server, in network namespace NETNS if given, its
# process id in SSHD_PID (the last one's, with SSHD_NETNS), once it
# listens.
sshd_run() {
	local run=() pidfile=$SSHD_DIR/sshd.pid
	if [ -n "${1:-}" ]; then
		run=(ip netns exec "$1")
		pidfile=$SSHD_DIR/sshd.$1.pid
	fi
	# 3>&- : bats waits for fd 3 to close; the server must not inherit it.
	"${run[@]}" /usr/sbin/sshd -D -e -f "$SSHD_DIR/sshd_config" \
		-o PidFile="$pidfile" >>"$SSHD_DIR/sshd.log" 2>&1 3>&- </dev/null &
	SSHD_PID=$!
	export SSHD_PID
	sshd_watchdog "$SSHD_DIR" "$SSHD_PID" "$$"
	# The table of the server's own namespace.
	wait_until 5 listening "$SSHD_PORT" "/proc/$SSHD_PID/net/tcp" ||
		{ cat "$SSHD_DIR/sshd.log" >&2; return 1; }
}

# Like pg_watchdog: once the shell that started the server is gone (a
# killed test run), stop it and remove its directory.
sshd_watchdog() {
	local dir=$1 pid=$2 owner=$3
	(
		trap '' INT TERM HUP
		while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do
			sleep 1
		done
		kill "$pid" 2>/dev/null
		rm -rf "$dir"
	) </dev/null >/dev/null 2>&1 3>&- &
	disown 2>/dev/null || true
}

sshd_authorize() {
	local opts=${1:-}
	echo "${opts:+$opts }$(cat "$SSH_KEY.pub")" >"$SSHD_DIR/authorized_keys"
}

sshd_stop() {
	local pidfile
	[ -n "${SSHD_DIR:-}" ] || return 0
	for pidfile in "$SSHD_DIR"/sshd*.pid; do
		[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
	done
	rm -rf "$SSHD_DIR"
}
