# shellcheck shell=bash
# lib.sh: what scripts/chaos and its helpers share: where a run keeps
# things, and time in milliseconds.  Sourced with RUN set to the run's
# folder.
#
# A run's folder holds everything, so that one rm removes it all, and on
# failure it is what is left to read:
#
#	RUN/settings		the run's start (RUN_START_MS) and the repository
#	RUN/pg/NODE/		each node's cluster (pg.bash's PG_TMP is RUN/pg)
#	RUN/sshd/		the sshd, its keys, authorized_keys and log
#	RUN/bin/ssh		the ssh the rounds find first in PATH
#	RUN/nodes/NODE/env	the environment of NODE's rounds (PGMESH_*)
#	RUN/nodes/NODE/rounds	one line per round: start end status kind
#	RUN/nodes/NODE/stderr.log  every round's stderr, after a header line
#	RUN/nodes/NODE/server.log  its PostgreSQL log (in a kept folder)
#	RUN/nodes/NODE/spool/	the node's spools
#	RUN/load/NODE.*		what NODE's load generator attempted and committed
#	RUN/faults		one line per fault: id start end kind target nodes
#	RUN/saved/		pristine copies of the frames a fault damaged
#	RUN/pgids		the process groups of the run, one a line
#	RUN/mounts		the tmpfs mounted for the run, one a line
#	RUN/check/		row counts, digests and verify reports of the check
#
# Times are milliseconds since the epoch (from EPOCHREALTIME, no fork) and
# are printed as seconds since the run's start.

# chaos_now: NOW_MS is the time now.
chaos_now() {
	local t=${EPOCHREALTIME//[!0-9]/}
	NOW_MS=$((10#$t / 1000))
}

# chaos_at MS: AT is MS as "+12.3s" since the run's start.
chaos_at() {
	local d=$(($1 - RUN_START_MS))
	printf -v AT '+%d.%ds' $((d / 1000)) $((d % 1000 / 100))
}

# chaos_sleep_ms MS: sleep that long.
chaos_sleep_ms() {
	local s
	printf -v s '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
	sleep "$s"
}
