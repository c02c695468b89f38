# shellcheck shell=bash
# net.sh: the network of a chaos run: the peers and their hub, each with
# a throwaway cluster, its spools and its rounds.  Sourced by scripts/chaos.
#
# The links mix both kinds the examples support, by peer (its index in
# PEERS, modulo 3):
#
#	0: outbox -> hub over ssh,   hub -> inbox over ssh
#	1: outbox -> hub over ssh,   hub -> inbox through the folder
#	2: outbox -> hub through the folder,   hub -> inbox over ssh
#
# ssh:// links go through a real sshd on loopback, into the forced
# command of examples/README.md (pgmesh-ship --receive DIR --digest-only),
# one key per receiving spool.  The rounds run examples/ as shipped, which
# cannot pass ssh options; the ssh they find first in PATH is the real
# client started with a config file naming the port and the keys, since
# ssh reads ~/.ssh/config from the password database, not from $HOME.
#
# Spools on small tmpfs mounts, which a fault fills: the hub's spool, and
# the inbox of even peers, the outbox of odd ones.

PEERS=()
NODES=()
SPOOLS=()	# every spool folder of the run
MOUNTS=()	# the spools on a tmpfs of their own
SSH_SENDERS=()	# nodes whose rounds start ssh
SSH_RECEIVERS=()	# nodes whose spool a forced command writes
declare -A CONN PGID SPOOL_LABEL SPOOL_OWNER SPOOL_ROLE RECEIVE_DIR

# Each tmpfs spool has 32 MiB of room above the free-space floor that
# receivers keep (spool-free, 64 MiB by default: pgmesh(7), Limits), so
# that frames are stored until a disk-full fault takes the room away.
CHAOS_TMPFS_SIZE=96m

# net_plan COUNT: the nodes, spools and links of COUNT peers and a hub.
net_plan() {
	local i peer hub_spool=$RUN/nodes/hub/spool names=(a b c d e f g h i)

	PEERS=("${names[@]:0:$1}")
	NODES=("${PEERS[@]}" hub)
	net_spool "$hub_spool" hub hub "hub's spool"
	MOUNTS+=("$hub_spool")
	for ((i = 0; i < ${#PEERS[@]}; i++)); do
		peer=${PEERS[i]}
		net_spool "$RUN/nodes/$peer/spool/outbox" "$peer" outbox "$peer's outbox"
		net_spool "$RUN/nodes/$peer/spool/inbox" "$peer" inbox "$peer's inbox"
		if ((i % 2 == 0)); then
			MOUNTS+=("$RUN/nodes/$peer/spool/inbox")
		else
			MOUNTS+=("$RUN/nodes/$peer/spool/outbox")
		fi
		if ((i % 3 != 2)); then
			SSH_SENDERS+=("$peer")
			RECEIVE_DIR[hub]=$hub_spool
		fi
		if ((i % 3 != 1)); then
			RECEIVE_DIR[$peer]=$RUN/nodes/$peer/spool/inbox
			SSH_RECEIVERS+=("$peer")
		fi
	done
	[ -n "${RECEIVE_DIR[hub]:-}" ] && SSH_RECEIVERS+=(hub)
	# The hub sends over ssh when a peer's inbox is reached that way.
	net_any_peer_receives && SSH_SENDERS+=(hub)
	return 0
}

# net_any_peer_receives: some peer's inbox is reached over ssh.
net_any_peer_receives() {
	local node
	for node in "${SSH_RECEIVERS[@]}"; do
		[ "$node" != hub ] && return 0
	done
	return 1
}

# net_spool DIR OWNER ROLE LABEL
net_spool() {
	SPOOLS+=("$1")
	SPOOL_OWNER[$1]=$2
	SPOOL_ROLE[$1]=$3
	SPOOL_LABEL[$1]=$4
}

# net_link NODE: how NODE's hub link goes, for the run's header.
net_link() {
	local up=folder down=folder
	[ -n "${RECEIVE_DIR[$1]:-}" ] && down=ssh
	net_sends_ssh "$1" && up=ssh
	echo "$1: up $up, down $down"
}

net_sends_ssh() {
	local node
	for node in "${SSH_SENDERS[@]}"; do
		[ "$node" = "$1" ] && return 0
	done
	return 1
}

# net_clusters: a cluster per node, the table on each, capture's --init on
# each peer (its publication, slot outbox, guard and node name).
net_clusters() {
	local node pids=() pid
	# initdb and the first start take most of the setup: all at once.
	for node in "${NODES[@]}"; do
		pg_start "$node" track_commit_timestamp=on &
		pids+=("$!")
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || return
	done
	for node in "${NODES[@]}"; do
		CONN[$node]=$(pg_conninfo "$node")
		psql -X -q -v ON_ERROR_STOP=1 -d "${CONN[$node]}" \
			-f "$CHAOS_D/schema.sql" || return
	done
	for node in "${PEERS[@]}"; do
		pgmesh-capture -d "${CONN[$node]}" -S outbox --node "$node" \
			--init chaos_payments 2>>"$RUN/nodes/$node/stderr.log" ||
			{ echo "chaos: pgmesh-capture --init on $node failed" >&2; return 1; }
	done
}

# net_sshd: the sshd, a key per receiving spool with its forced command,
# and RUN/bin/ssh.
net_sshd() {
	local node key ssh
	# The forced commands run through root's shell, and bash reads
	# ~/.bashrc for ssh sessions: not the machine's, which may take
	# seconds (as a pgmesh user's empty home would not).
	mkdir -p "$RUN/sshd/home"
	SSHD_CONFIG_EXTRA="SetEnv HOME=$RUN/sshd/home" sshd_start "$RUN/sshd" >/dev/null ||
		return
	: >"$SSHD_DIR/authorized_keys"
	: >"$RUN/ssh_config"
	for node in "${SSH_RECEIVERS[@]}"; do
		key=$SSHD_DIR/key-$node
		ssh-keygen -q -t ed25519 -N '' -C "chaos-to-$node" -f "$key" </dev/null
		printf 'command="%s --receive %s --digest-only",restrict %s\n' \
			"$PGMESH_BIN/pgmesh-ship" "${RECEIVE_DIR[$node]}" \
			"$(cat "$key.pub")" >>"$SSHD_DIR/authorized_keys"
		printf 'Host %s\n\tIdentityFile %s\n' "$node" "$key" >>"$RUN/ssh_config"
	done
	cat >>"$RUN/ssh_config" <<-EOF
	Host *
		HostName 127.0.0.1
		Port $SSHD_PORT
		User root
		IdentitiesOnly yes
		StrictHostKeyChecking no
		UserKnownHostsFile /dev/null
		LogLevel ERROR
	EOF
	ssh=$(command -v ssh) || { echo "chaos: no ssh client" >&2; return 1; }
	mkdir -p "$RUN/bin"
	printf '#!/bin/sh\nexec %s -F %s "$@"\n' "$ssh" "$RUN/ssh_config" >"$RUN/bin/ssh"
	chmod 755 "$RUN/bin/ssh"
}

# net_mounts: the tmpfs spools (each recorded before it is mounted, so
# that the cleanup finds it whatever happens next).
net_mounts() {
	local mnt
	for mnt in "${MOUNTS[@]}"; do
		echo "$mnt" >>"$RUN/mounts"
		mount -t tmpfs -o "size=$CHAOS_TMPFS_SIZE,mode=0755" chaos "$mnt" || return
	done
}

# net_grants NODE: NODE's --allow rules, one a line: every other peer may
# insert into the run's table, and no one else into anything (a peer's
# own rows never come back to it; the hub's database takes every peer's).
net_grants() {
	local node=$1 peer
	for peer in "${PEERS[@]}"; do
		[ "$peer" = "$node" ] || printf '%s:public.chaos_payments\n' "$peer"
	done
}

# net_env NODE: the environment of NODE's rounds, the variables its
# example script reads.
net_env() {
	local node=$1 dest peer

	net_grants "$node" >"$RUN/nodes/$node/allow"
	{
		printf 'export PGMESH_ALLOW=%q\n' "$RUN/nodes/$node/allow"
		printf 'export PATH=%q\n' "$RUN/bin:$PGMESH_BIN:$PATH"
		printf 'export PGMESH_DB=%q\n' "${CONN[$node]}"
		if [ "$node" = hub ]; then
			printf 'CHAOS_ROUND_SCRIPT=%q\n' "$REPO_DIR/examples/pgmesh-hub.sh"
			printf 'export PGMESH_SPOOL=%q\n' "$RUN/nodes/hub/spool"
			dest=
			for peer in "${PEERS[@]}"; do
				if [ -n "${RECEIVE_DIR[$peer]:-}" ]; then
					dest+=" $peer=ssh://$peer${RECEIVE_DIR[$peer]}"
				else
					dest+=" $peer=$RUN/nodes/$peer/spool/inbox"
				fi
			done
			printf 'export PGMESH_DESTS=%q\n' "${dest# }"
		else
			printf 'CHAOS_ROUND_SCRIPT=%q\n' "$REPO_DIR/examples/pgmesh-peer.sh"
			printf 'export PGMESH_NODE=%q\n' "$node"
			printf 'export PGMESH_SPOOL=%q\n' "$RUN/nodes/$node/spool"
			if net_sends_ssh "$node"; then
				printf 'export PGMESH_HUB=%q\n' "hub=ssh://hub$RUN/nodes/hub/spool"
			else
				printf 'export PGMESH_HUB=%q\n' "hub=$RUN/nodes/hub/spool"
			fi
		fi
	} >"$RUN/nodes/$node/env"
}

# net_setup: everything before the first round.
net_setup() {
	local node spool
	for node in "${NODES[@]}"; do
		mkdir -p "$RUN/nodes/$node"
		: >"$RUN/nodes/$node/rounds"
	done
	for spool in "${SPOOLS[@]}"; do
		mkdir -p "$spool"
	done
	mkdir -p "$RUN/load" "$RUN/saved"
	: >"$RUN/faults"
	net_clusters || return
	net_sshd || return
	net_mounts || return
	for node in "${NODES[@]}"; do
		net_env "$node"
	done
}

# net_start_group VAR COMMAND...: COMMAND as the leader of a new session
# and process group, recorded in RUN/pgids; VAR gets its pid (= its pgid).
net_start_group() {
	local _var=$1
	shift
	setsid "$@" </dev/null >/dev/null 2>&1 3>&- &
	echo "$!" >>"$RUN/pgids"
	printf -v "$_var" '%s' "$!"
}

# net_start: every node's round loop and every peer's load generator.
net_start() {
	local node i pid
	for node in "${NODES[@]}"; do
		net_start_group pid "$CHAOS_D/round-loop" "$RUN" "$node"
		PGID[$node]=$pid
	done
	LOAD_PIDS=()
	for ((i = 0; i < ${#PEERS[@]}; i++)); do
		node=${PEERS[i]}
		net_start_group pid "$CHAOS_D/load" "$RUN" "$node" "${CONN[$node]}" \
			$(((CHAOS_SEED + i + 1) % 32768))
		LOAD_PIDS+=("$pid")
	done
}
