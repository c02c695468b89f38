# shellcheck shell=bash
# faults.sh: the faults of a chaos run, at random moments drawn from the
# seed.  Sourced by scripts/chaos; everything runs in its one shell, so
# that bash's RANDOM, seeded once with CHAOS_SEED, gives the same faults
# at the same moments on every run of a seed (which process or frame a
# fault finds there depends on timing, as far as the machine goes).
#
# Each fault draws the same six numbers whatever it finds: its kind, four
# picks of 0-999 (target, item, amount, duration) and the gap to the next
# one (3 to 9 s).  A fault names the nodes it touches (its node and the
# hub; every node for the hub's), for the rounds whose exit status it
# explains; one with a window (a server down, a disk full, a damaged
# frame) ends by an action (restart, empty, restore), retried until it
# works, and is logged in RUN/faults when it is over.

FAULT_KINDS=(kill-capture kill-pack kill-ship kill-apply kill-receive cut-ssh
	kill-postmaster kill-backend stop-immediate
	truncate corrupt delete duplicate disk-full double-round)
# The kinds a run draws from (CHAOS_FAULTS), all unless told otherwise.
RUN_KINDS=("${FAULT_KINDS[@]}")

declare -A F_KIND F_TARGET F_NODES F_START F_DUE F_END F_DONE BUSY
OPEN_FAULTS=()
FAULT_SEQ=0
FAULTS_HIT=0

# Set by each fault_KIND: what it did, the node it touched, when it
# struck (a kill waits for its program at work first), and for one with a
# window, when its end is due and the command that ends it (words split
# on spaces: RUN's path has none).
FAULT_STRUCK=
FAULT_WHAT=
FAULT_NODE=
FAULT_DUE=
FAULT_END=
FAULT_DONE=

# chaos_draw: RAND, the next number of the seed's sequence, 0-999.
chaos_draw() {
	RAND=$((RANDOM % 1000))
}

# faults_run END_MS: faults until END_MS, a progress line every 15 s.
faults_run() {
	local end=$1 next report kind p1 p2 p3 p4
	chaos_now
	chaos_draw
	next=$((NOW_MS + 3000 + RAND * 6))
	report=$((NOW_MS + 15000))
	while chaos_now && [ "$NOW_MS" -lt "$end" ]; do
		faults_tick
		if [ "$NOW_MS" -ge "$next" ] && ((${#RUN_KINDS[@]} > 0)); then
			chaos_draw; kind=${RUN_KINDS[RAND % ${#RUN_KINDS[@]}]}
			chaos_draw; p1=$RAND
			chaos_draw; p2=$RAND
			chaos_draw; p3=$RAND
			chaos_draw; p4=$RAND
			fault_begin "$kind" "$p1" "$p2" "$p3" "$p4"
			chaos_draw
			next=$((next + 3000 + RAND * 6))
		fi
		if [ "$NOW_MS" -ge "$report" ]; then
			chaos_progress
			report=$((report + 15000))
		fi
		sleep 0.1
	done
}

# faults_choose WORDS: the kinds to draw from, "all" or "none" or some of
# FAULT_KINDS; false for a word that is none of them.
faults_choose() {
	local word kind
	case $1 in
	all) return 0 ;;
	none) RUN_KINDS=(); return 0 ;;
	esac
	RUN_KINDS=()
	for word in $1; do
		for kind in "${FAULT_KINDS[@]}"; do
			[ "$word" = "$kind" ] && RUN_KINDS+=("$kind") && continue 2
		done
		return 1
	done
}

# fault_begin KIND P1 P2 P3 P4
fault_begin() {
	local kind=$1 id=$((FAULT_SEQ += 1))
	FAULT_WHAT='' FAULT_NODE='' FAULT_DUE='' FAULT_END='' FAULT_DONE=''
	chaos_now
	FAULT_STRUCK=$NOW_MS
	if ! "fault_$kind" "$id" "$2" "$3" "$4" "$5"; then
		fault_release "$id"
		chaos_now
		chaos_at "$NOW_MS"
		printf '%9s  (fault %d missed: %s)\n' "$AT" "$id" "$FAULT_WHAT"
		return 0
	fi
	F_START[$id]=$FAULT_STRUCK
	FAULTS_HIT=$((FAULTS_HIT + 1))
	F_KIND[$id]=$kind
	F_TARGET[$id]=$FAULT_NODE
	F_NODES[$id]=$(fault_nodes "$FAULT_NODE")
	chaos_at "${F_START[$id]}"
	printf '%9s  fault %d, %s: %s\n' "$AT" "$id" "$kind" "$FAULT_WHAT"
	if [ -z "$FAULT_DUE" ]; then
		fault_close "$id"
	else
		F_DUE[$id]=$FAULT_DUE
		F_END[$id]=$FAULT_END
		F_DONE[$id]=$FAULT_DONE
		OPEN_FAULTS+=("$id")
	fi
}

# fault_nodes NODE: the nodes a fault of NODE touches, comma-separated:
# a peer's and the hub, or every node for the hub's.
fault_nodes() {
	local IFS=,
	if [ "$1" = hub ]; then
		echo "${NODES[*]}"
	else
		echo "$1,hub"
	fi
}

fault_close() {
	local id=$1
	chaos_now
	echo "$id ${F_START[$id]} $NOW_MS ${F_KIND[$id]} ${F_TARGET[$id]} ${F_NODES[$id]}" \
		>>"$RUN/faults"
}

# faults_tick: end the open faults that are due; one whose end does not
# work yet is tried again a second later.
faults_tick() {
	local id open=()
	for id in "${OPEN_FAULTS[@]}"; do
		chaos_now
		if [ "$NOW_MS" -lt "${F_DUE[$id]}" ]; then
			open+=("$id")
		elif fault_end "$id"; then
			:
		else
			F_DUE[$id]=$((NOW_MS + 1000))
			open+=("$id")
		fi
	done
	OPEN_FAULTS=("${open[@]}")
}

# fault_end ID: run its end action; say so and close it when it worked.
fault_end() {
	local id=$1
	END_SAID=
	# shellcheck disable=SC2086 # the command's words, split on purpose
	${F_END[$id]} || return
	chaos_now
	chaos_at "$NOW_MS"
	printf '%9s  fault %d over: %s\n' "$AT" "$id" "${F_DONE[$id]:-$END_SAID}"
	fault_release "$id"
	fault_close "$id"
}

# faults_end_all: end every open fault now, for the quiet rounds; false
# when one would not end within a minute.
faults_end_all() {
	local id tries
	for id in "${OPEN_FAULTS[@]}"; do
		for ((tries = 0; tries < 60; tries++)); do
			fault_end "$id" && continue 2
			sleep 1
		done
		echo "chaos: fault $id (${F_KIND[$id]} of ${F_TARGET[$id]}) would not end" >&2
		return 1
	done
	OPEN_FAULTS=()
}

# fault_busy KEY ID: true when another open fault holds KEY (a server, a
# mount, a frame); else fault ID claims it until it ends.
fault_busy() {
	[ -n "${BUSY[$1]:-}" ] && return 0
	BUSY[$1]=$2
	return 1
}

# fault_release ID: what fault ID claimed is free again.
fault_release() {
	local key
	for key in "${!BUSY[@]}"; do
		if [ "${BUSY[$key]}" = "$1" ]; then
			unset "BUSY[$key]"
		fi
	done
}

# pick LIST_NAME P: PICKED, element P modulo the list's length.
pick() {
	local -n list=$1
	PICKED=
	((${#list[@]} > 0)) || return 1
	PICKED=${list[$2 % ${#list[@]}]}
}

## Killing programs at work

# kill_at_work NODE PROGRAM DELAY_MS: kill -9 a PROGRAM of NODE's rounds
# (of its process group), DELAY_MS after one is first seen, waiting for
# one up to AT_WORK_MS.
AT_WORK_MS=5000
kill_at_work() {
	local node=$1 prog=$2
	at_work "pgrep -g ${PGID[$node]} -x $prog" "$3" ||
		{ FAULT_WHAT="no $prog of $node at work within $((AT_WORK_MS / 1000)) s"; return 1; }
	FAULT_WHAT="kill -9 $prog of $node (pid $AT_WORK_PID)"
}

# at_work FINDER DELAY_MS: run FINDER (words: a command printing pids)
# until it finds a process, then kill -9 the first DELAY_MS later (or,
# when that one ended meanwhile, look again); AT_WORK_PID is the one
# killed.  False when none was found within AT_WORK_MS.
at_work() {
	local deadline
	chaos_now
	deadline=$((NOW_MS + AT_WORK_MS))
	while chaos_now && [ "$NOW_MS" -lt "$deadline" ]; do
		# shellcheck disable=SC2086 # the finder's words
		AT_WORK_PID=$($1 | head -n 1)
		if [ -n "$AT_WORK_PID" ]; then
			chaos_sleep_ms "$2"
			chaos_now
			FAULT_STRUCK=$NOW_MS
			kill -KILL "$AT_WORK_PID" 2>/dev/null && return 0
		fi
		sleep 0.05
	done
	return 1
}

fault_kill-capture() {
	pick PEERS "$2" && FAULT_NODE=$PICKED
	kill_at_work "$FAULT_NODE" pgmesh-capture $(($3 % 100))
}

fault_kill-pack() {
	pick PEERS "$2" && FAULT_NODE=$PICKED
	kill_at_work "$FAULT_NODE" pgmesh-pack $(($3 % 100))
}

fault_kill-ship() {
	pick NODES "$2" && FAULT_NODE=$PICKED
	kill_at_work "$FAULT_NODE" pgmesh-ship $(($3 % 100))
}

fault_kill-apply() {
	pick NODES "$2" && FAULT_NODE=$PICKED
	kill_at_work "$FAULT_NODE" pgmesh-apply $(($3 % 100))
}

# An ssh link cut mid-transfer from the sending side: its ssh client.
fault_cut-ssh() {
	pick SSH_SENDERS "$2" || { FAULT_WHAT="no ssh link"; return 1; }
	FAULT_NODE=$PICKED
	kill_at_work "$FAULT_NODE" ssh $(($3 % 200))
}

# The receiving side of an ssh link: the forced command writing NODE's
# spool, a child of the run's sshd.
fault_kill-receive() {
	pick SSH_RECEIVERS "$2" || { FAULT_WHAT="no ssh link"; return 1; }
	FAULT_NODE=$PICKED
	at_work "receivers_of ${RECEIVE_DIR[$FAULT_NODE]}" $(($3 % 100)) ||
		{ FAULT_WHAT="no pgmesh-ship --receive into $FAULT_NODE within $((AT_WORK_MS / 1000)) s"; return 1; }
	FAULT_WHAT="kill -9 pgmesh-ship --receive into $FAULT_NODE (pid $AT_WORK_PID)"
}

# receivers_of DIR: the pids of pgmesh-ship --receive DIR under the sshd.
receivers_of() {
	ps -e -o pid= -o ppid= -o args= | awk -v root="$SSHD_PID" \
	    -v want="pgmesh-ship --receive $1 " '
		{ parent[$1] = $2; line[$1] = $0 }
		END {
			mark[root] = 1
			do {
				more = 0
				for (p in parent)
					if (!(p in mark) && (parent[p] in mark))
						mark[p] = more = 1
			} while (more)
			for (p in mark)
				if (index(line[p] " ", want))
					print p
		}'
}

## Servers

pg_data() {
	echo "$PG_TMP/$1/data"
}

# pg_up NODE: its postmaster runs (by its pid file).  Not a zombie: a
# killed postmaster was reparented to init when pg_ctl left, and init may
# take its time to reap it, while kill -0 still finds it.
pg_up() {
	local pid state
	pid=$(head -n 1 "$(pg_data "$1")/postmaster.pid" 2>/dev/null) || return
	state=$(ps -o stat= -o comm= -p "$pid") || return
	[[ $state != Z* && $state == *postgres ]]
}

# pg_restart NODE: start NODE's server again (END_SAID says so); false
# while it will not start yet (a killed postmaster's backends still hold
# its shared memory for a moment).
pg_restart() {
	END_SAID="$1's server started again"
	pg_up "$1" && return 0
	pg_as_owner "$PG_BINDIR/pg_ctl" -D "$(pg_data "$1")" \
		-l "$PG_TMP/$1/server.log" -w -t 30 -s start >/dev/null 2>&1 3>&-
}

# pg_ready NODE: NODE's server takes connections.
pg_ready() {
	psql -X -q -At -d "${CONN[$1]}" -c 'SELECT 1' >/dev/null 2>&1 || return
	END_SAID="$1's server takes connections again"
}

fault_kill-postmaster() {
	local pid
	pick NODES "$2" && FAULT_NODE=$PICKED
	if fault_busy "server:$FAULT_NODE" "$1" || ! pg_up "$FAULT_NODE"; then
		FAULT_WHAT="$FAULT_NODE's server is down already"
		return 1
	fi
	pid=$(head -n 1 "$(pg_data "$FAULT_NODE")/postmaster.pid")
	kill -KILL "$pid"
	FAULT_WHAT="kill -9 $FAULT_NODE's postmaster (pid $pid), restart in $((1 + $5 * 3 / 1000)) s"
	FAULT_DUE=$((NOW_MS + 1000 + $5 * 3))
	FAULT_END="pg_restart $FAULT_NODE"
}

fault_stop-immediate() {
	pick NODES "$2" && FAULT_NODE=$PICKED
	if fault_busy "server:$FAULT_NODE" "$1" || ! pg_up "$FAULT_NODE"; then
		FAULT_WHAT="$FAULT_NODE's server is down already"
		return 1
	fi
	pg_as_owner "$PG_BINDIR/pg_ctl" -D "$(pg_data "$FAULT_NODE")" \
		-m immediate -s stop >/dev/null 2>&1 3>&-
	FAULT_WHAT="pg_ctl -m immediate stop on $FAULT_NODE, start in $((1 + $5 * 3 / 1000)) s"
	FAULT_DUE=$((NOW_MS + 1000 + $5 * 3))
	FAULT_END="pg_restart $FAULT_NODE"
}

# A backend killed: the postmaster ends every session and recovers, by
# itself.  A client backend when there is one (a round's, the load's).
fault_kill-backend() {
	local pm what pids=()
	pick NODES "$2" && FAULT_NODE=$PICKED
	if fault_busy "server:$FAULT_NODE" "$1" || ! pg_up "$FAULT_NODE"; then
		FAULT_WHAT="$FAULT_NODE's server is down"
		return 1
	fi
	pm=$(head -n 1 "$(pg_data "$FAULT_NODE")/postmaster.pid")
	mapfile -t pids < <(ps -o pid= -o args= --ppid "$pm" | awk '/\[local\]/ { print $1 }')
	((${#pids[@]} > 0)) || mapfile -t pids < <(pgrep -P "$pm")
	pick pids "$3" || { FAULT_WHAT="no backend on $FAULT_NODE"; return 1; }
	what=$(ps -o args= -p "$PICKED")
	kill -KILL "$PICKED" 2>/dev/null ||
		{ FAULT_WHAT="backend $PICKED of $FAULT_NODE was gone"; return 1; }
	FAULT_WHAT="kill -9 backend $PICKED of $FAULT_NODE ($what)"
	FAULT_DUE=$((NOW_MS + 2000))
	FAULT_END="pg_ready $FAULT_NODE"
}

## Spools

# spool_frames DIR: FRAMES, the frame files of the spool, in name order.
spool_frames() {
	mapfile -t FRAMES < <(find "$1" -mindepth 2 -maxdepth 2 \
		-path "$1/.*" -prune -o -type f -name '[!.]*.pack' -print 2>/dev/null | sort)
}

# damage_pick ID P1 P2: a spool and a frame of it no other fault holds:
# SPOOL, FRAME, FAULT_NODE (the spool's node), and a pristine copy of the
# frame in RUN/saved/ID.pack, to restore it from.  An outbox's newest
# frame too: its position then falls behind, and the next capture either
# takes the frame's transactions again from the slot (into a frame that
# overlaps it, and the copy is not restored) or refuses the gap (65)
# until the copy is back.
damage_pick() {
	pick SPOOLS "$2"
	SPOOL=$PICKED
	FAULT_NODE=${SPOOL_OWNER[$SPOOL]}
	spool_frames "$SPOOL"
	if ! pick FRAMES "$3"; then
		FAULT_WHAT="no frame to damage in ${SPOOL_LABEL[$SPOOL]}"
		return 1
	fi
	FRAME=$PICKED
	if fault_busy "frame:$FRAME" "$1"; then
		FAULT_WHAT="${FRAME#"$RUN"/nodes/} is damaged already"
		return 1
	fi
	if ! cp "$FRAME" "$RUN/saved/$1.pack" 2>/dev/null; then
		FAULT_WHAT="${FRAME#"$RUN"/nodes/} left ${SPOOL_LABEL[$SPOOL]} first"
		return 1
	fi
	FAULT_DUE=$((NOW_MS + 3000 + $5 * 7))
	FAULT_END="frame_restore $1 $FRAME"
}

# frame_restore ID FRAME: put the pristine frame back, renamed into place
# as a spool writer would, unless the spool holds it whole again (sent
# anew, or never changed) or holds its transactions in another frame.  A
# frame the spool pruned meanwhile comes back as a second delivery, which
# the next prune removes again.  Then, as an operator would, remove the
# damaged copy a reader moved into quarantine.
frame_restore() {
	frame_put_back "$@" || return
	quarantine_clear "$@"
}

frame_put_back() {
	local tmp other
	if cmp -s "$RUN/saved/$1.pack" "$2"; then
		END_SAID="${2#"$RUN"/nodes/} is whole"
		return 0
	fi
	if other=$(frame_overlap "$2"); then
		END_SAID="not restored: ${other#"$RUN"/nodes/} holds its transactions"
		return 0
	fi
	tmp=$(dirname "$2")/.chaos-restore-$1
	if ! { mkdir -p "$(dirname "$2")" &&
	    cp "$RUN/saved/$1.pack" "$tmp" 2>/dev/null && mv -f "$tmp" "$2"; }; then
		rm -f "$tmp"
		return 1
	fi
	END_SAID="restored ${2#"$RUN"/nodes/} from the copy"
}

# quarantine_clear ID FRAME: remove FRAME's copy from its spool's
# quarantine (SPOOL/.quarantine/ORIGIN/NAME for SPOOL/ORIGIN/NAME), when it
# is the damaged one.  A pristine copy there is no damage of this run's:
# it stays, and verify reports it.
quarantine_clear() {
	local origin_dir spool q
	origin_dir=$(dirname "$2")
	spool=$(dirname "$origin_dir")
	q=$spool/.quarantine/$(basename "$origin_dir")/$(basename "$2")
	[ -e "$q" ] || return 0
	cmp -s "$RUN/saved/$1.pack" "$q" && return 0
	rm -f "$q" || return
	END_SAID+=", its damaged copy removed from quarantine"
}

# frame_overlap FRAME: print another frame of its spool and origin whose
# LSN range meets FRAME's (names are FIRST-LAST in fixed-width hex, so
# they compare as strings; the load's transactions are small, so no two
# frames share an LSN unless they hold the same transaction).
frame_overlap() {
	local name first last other o
	name=$(basename "$1")
	first=${name:0:16} last=${name:17:16}
	for other in "$(dirname "$1")"/[!.]*.pack; do
		[ -e "$other" ] && [ "$other" != "$1" ] || continue
		o=$(basename "$other")
		if [[ ! ${o:0:16} > $last && ! ${o:17:16} < $first ]]; then
			echo "$other"
			return 0
		fi
	done
	return 1
}

fault_truncate() {
	local size keep
	damage_pick "$@" && frame_size || return
	size=$FRAME_SIZE
	keep=$((size * (5 + $4 % 90) / 100))
	truncate -c -s "$keep" "$FRAME"
	FAULT_WHAT="${FRAME#"$RUN"/nodes/} cut from $size to $keep bytes for $((3 + $5 * 7 / 1000)) s"
}

fault_corrupt() {
	local size off
	damage_pick "$@" && frame_size || return
	size=$FRAME_SIZE
	off=$(($4 * size / 1000))
	flip_bytes "$FRAME" "$off" 4
	FAULT_WHAT="${FRAME#"$RUN"/nodes/} with bytes $off-$((off + 3)) of $size flipped for $((3 + $5 * 7 / 1000)) s"
}

# frame_size: FRAME_SIZE, the size of FRAME; false when it left its spool
# since it was picked (pruned): the damage must not create it again.
frame_size() {
	FRAME_SIZE=$(stat -c %s "$FRAME" 2>/dev/null) && return 0
	FAULT_WHAT="${FRAME#"$RUN"/nodes/} left ${SPOOL_LABEL[$SPOOL]} first"
	return 1
}

fault_delete() {
	damage_pick "$@" || return
	rm -f "$FRAME"
	FAULT_WHAT="${FRAME#"$RUN"/nodes/} deleted for $((3 + $5 * 7 / 1000)) s"
}

# flip_bytes FILE OFFSET COUNT: invert COUNT bytes of FILE in place.
flip_bytes() {
	local b hex out=
	for b in $(od -An -tu1 -j "$2" -N "$3" "$1"); do
		printf -v hex '\\x%02x' $((b ^ 255))
		out+=$hex
	done
	# shellcheck disable=SC2059 # the escapes are the bytes to write
	printf "$out" | dd of="$1" bs=1 seek="$2" conv=notrunc,nocreat status=none
}

# A frame delivered a second time, or early by another way: a frame of
# another spool that this one may hold (an inbox: other origins; an
# outbox: its own; the hub: any) and does not hold now.  Not a frame
# another fault damaged: its copy would be damage with no copy to
# restore it from.
fault_duplicate() {
	local spool from f name tmp paths=() names=()
	pick SPOOLS "$2"
	spool=$PICKED
	FAULT_NODE=${SPOOL_OWNER[$spool]}
	for from in "${SPOOLS[@]}"; do
		[ "$from" = "$spool" ] && continue
		spool_frames "$from"
		for f in "${FRAMES[@]}"; do
			name=${f#"$from"/}
			case ${SPOOL_ROLE[$spool]} in
			inbox) [ "${name%%/*}" = "$FAULT_NODE" ] && continue ;;
			outbox) [ "${name%%/*}" = "$FAULT_NODE" ] || continue ;;
			esac
			[ -e "$spool/$name" ] && continue
			[ -n "${BUSY[frame:$f]:-}" ] && continue
			paths+=("$f")
			names+=("$name")
		done
	done
	if ((${#paths[@]} == 0)); then
		FAULT_WHAT="${SPOOL_LABEL[$spool]} holds every frame it could get"
		return 1
	fi
	f=${paths[$3 % ${#paths[@]}]}
	name=${names[$3 % ${#paths[@]}]}
	tmp=$spool/${name%%/*}/.chaos-dup-$1
	if ! { mkdir -p "$spool/${name%%/*}" && cp "$f" "$tmp" 2>/dev/null &&
	    mv -f "$tmp" "$spool/$name"; }; then
		rm -f "$tmp"
		FAULT_WHAT="could not copy ${f#"$RUN"/nodes/} into ${SPOOL_LABEL[$spool]}"
		return 1
	fi
	FAULT_WHAT="${f#"$RUN"/nodes/} copied into ${SPOOL_LABEL[$spool]}"
}

# A spool on a full filesystem: its tmpfs filled with junk for a while.
fault_disk-full() {
	local mnt
	pick MOUNTS "$2"
	mnt=$PICKED
	FAULT_NODE=${SPOOL_OWNER[$mnt]}
	if fault_busy "mount:$mnt" "$1"; then
		FAULT_WHAT="${SPOOL_LABEL[$mnt]} is full already"
		return 1
	fi
	dd if=/dev/zero of="$mnt/.chaos-junk" bs=1M status=none 2>/dev/null
	FAULT_WHAT="${SPOOL_LABEL[$mnt]} filled up for $((3 + $5 * 7 / 1000)) s ($(df --output=avail -h "$mnt" | tail -n 1 | tr -d ' ') left)"
	FAULT_DUE=$((NOW_MS + 3000 + $5 * 7))
	FAULT_END="disk_empty $mnt"
}

disk_empty() {
	rm -f "$1/.chaos-junk" || return
	END_SAID="${SPOOL_LABEL[$1]} has room again"
}

## Two rounds at once

# A second round of a node while its loop's round runs (no flock).
fault_double-round() {
	local pid deadline
	pick NODES "$2" && FAULT_NODE=$PICKED
	deadline=$((NOW_MS + AT_WORK_MS))
	while chaos_now && [ "$NOW_MS" -lt "$deadline" ]; do
		pgrep -g "${PGID[$FAULT_NODE]}" '^pgmesh-' >/dev/null && break
		sleep 0.05
	done
	chaos_now
	FAULT_STRUCK=$NOW_MS
	net_start_group pid "$CHAOS_D/round" "$RUN" "$FAULT_NODE" extra
	FAULT_WHAT="a second round of $FAULT_NODE at once (pid $pid)"
	FAULT_DUE=$((NOW_MS + 500))
	FAULT_END="round_over $pid"
	FAULT_DONE="the second round of $FAULT_NODE ended"
}

round_over() {
	! kill -0 "$1" 2>/dev/null
}
