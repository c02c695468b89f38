# pg.bash: throwaway PostgreSQL clusters for tests, the demo and the
# benchmark.
#
#	pg_start NAME [SETTING=VALUE...]   initdb and start a cluster
#	pg_conninfo NAME [DBNAME]          its libpq connection string
#	pg_sql NAME [DBNAME] SQL           run SQL, print unaligned tuples
#	pg_stop NAME                       stop it and remove its files
#	pg_stop_all                        stop every cluster this shell started
#
# Each cluster lives under one private directory (PG_TMP), listens only on a
# unix socket there (a short path: sockets are limited to 107 bytes), with
# wal_level=logical.  initdb and postgres refuse to run as root, so as root
# the servers run as the unprivileged "postgres" user.  A watchdog per
# cluster stops it and removes its files once the process that started it
# is gone, so a killed test run leaves nothing behind.
#
# PG_NETNS, when set for a pg_start, names the network namespace (ip
# netns) the server runs in: the benchmark's simulated hosts
# (scripts/netsim).  Given a listen_addresses setting with an address of
# that namespace, it is reached over the simulated link by TCP; its unix
# socket, shared by every namespace, serves the rest as before.

PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

# Run a PostgreSQL server program as the user that may run it, in
# PG_NETNS when set.
pg_as_owner() {
	local run=()
	[ -z "${PG_NETNS:-}" ] || run=(ip netns exec "$PG_NETNS")
	[ "$(id -u)" -ne 0 ] || run+=(runuser -u postgres --)
	"${run[@]}" "$@"
}

# The private directory; pg_start makes it (not in a subshell, so that the
# variable sticks and is exported to the tests).
pg_tmp_init() {
	if [ -z "${PG_TMP:-}" ] || [ ! -d "$PG_TMP" ]; then
		PG_TMP=$(mktemp -d /tmp/pgmesh.XXXXXX)
		chmod 755 "$PG_TMP"
		export PG_TMP
	fi
}

# A TCP port nobody listens on (the socket file is named after it).  The
# candidates follow from the PID of the shell that asks, not from RANDOM:
# a test may seed RANDOM, and two runs with the same seed side by side
# must not try the same ports.  Each call runs in a subshell of its own
# ($(pg_free_port)), so each starts from another PID.
pg_free_port() {
	local port i
	for ((i = 0; ; i++)); do
		port=$((20000 + (BASHPID + i) % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	echo "$port"
}

pg_start() {
	local name=$1 dir port
	shift
	pg_tmp_init
	dir=$PG_TMP/$name
	port=$(pg_free_port)
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	pg_as_owner "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "port = $port"
		echo "wal_level = logical"
		echo "max_replication_slots = 20"
		echo "max_wal_senders = 20"
		echo "fsync = off"
		echo "log_min_messages = warning"
		for setting; do echo "$setting"; done
	} | pg_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
	echo "$port" >"$dir/port"
	# 3>&- : bats waits for fd 3 to close; the server must not inherit it.
	pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
		-w -s start 3>&- >/dev/null ||
		{ cat "$dir/server.log" >&2; return 1; }
	pg_watchdog "$dir" "$$"
}

pg_watchdog() {
	local dir=$1 owner=$2
	(
		trap '' INT TERM HUP
		unset PG_NETNS	# stopping works from anywhere, the namespace may be gone
		while kill -0 "$owner" 2>/dev/null && [ -d "$dir/data" ]; do
			sleep 1
		done
		pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate \
			-s stop >/dev/null 2>&1
		rm -rf "$dir"
		rmdir "$(dirname "$dir")" 2>/dev/null
	) </dev/null >/dev/null 2>&1 3>&- &
	disown 2>/dev/null || true
}

pg_conninfo() {
	local dir
	dir=$PG_TMP/$1
	echo "host=$dir port=$(cat "$dir/port") user=postgres dbname=${2:-postgres}"
}

pg_sql() {
	local name=$1 db=postgres
	[ $# -eq 3 ] && { db=$2; shift; }
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$(pg_conninfo "$name" "$db")" -c "$2"
}

pg_stop() {
	local dir
	dir=$PG_TMP/$1
	[ -d "$dir/data" ] || return 0
	pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -s stop \
		>/dev/null 2>&1 3>&-
	rm -rf "$dir"
}

pg_stop_all() {
	local dir
	[ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP" ] || return 0
	for dir in "$PG_TMP"/*/; do
		[ -d "$dir" ] && pg_stop "$(basename "$dir")"
	done
	rm -rf "$PG_TMP"
}
