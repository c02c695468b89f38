# lib.sh: what every benchmark part shares: throwaway clusters with
# PostgreSQL's stock settings, the payments source with its change text
# and its pack, runs that take turns with their reference, and the
# result table.  Sourced once by scripts/bench, before the parts.
#
# The shared source is made once per run, when the first part asks for it,
# and reused by every later part, so that all parts measure the same rows
# and the 1,000,000-row load is paid once:
#
#	bench_source_loaded	cluster BENCH_SOURCE, node "a": BENCH_ROWS
#				payments in 1,000-row transactions, and every
#				slot a part consumes, all made before the load
#	bench_text_ready	their change text in BENCH_TEXT
#	bench_pack_ready	its pack stream in BENCH_PACK
#
# A part that times the making of one of these (capture.sh writes
# BENCH_TEXT, pack.sh writes BENCH_PACK) leaves it for the next ones.

REPO_DIR=$(cd "$BENCH_DIR/../.." && pwd)
PATH=${PGMESH_BIN:-$REPO_DIR/bin}:$PATH
# shellcheck source=tests/helpers/pg.bash
source "$REPO_DIR/tests/helpers/pg.bash"
BENCH_TMP=$(mktemp -d /tmp/pgmesh-bench.XXXXXX)
chmod 755 "$BENCH_TMP"
# The clusters live in BENCH_TMP too, so that one rm removes everything.
PG_TMP=$BENCH_TMP
export PG_TMP
# What a part starts besides clusters (an sshd, a pipeline) it stops
# itself, and also names in BENCH_CLEANUP: commands run at exit, however
# the run ends, before the clusters are stopped.
BENCH_CLEANUP=()
bench_cleanup() {
	local cmd
	set +e
	trap '' INT TERM	# a second Ctrl-C must not cut this short
	for cmd in "${BENCH_CLEANUP[@]}"; do
		"$cmd"
	done
	pg_stop_all
	rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Every cluster of the benchmark, pgmesh's and the references' alike, runs
# with initdb's settings but wal_level = logical and what pg_start sets
# for a throwaway cluster that does not change a timing (a unix socket
# only, 20 slots and senders, warnings only in the log), with one
# exception undone: pg_start turns fsync off for the tests' sake, and no
# one replicates into a server that does not fsync.  Tuned settings are
# no one's defaults, and one the benchmark had, wal_sender_timeout = 0,
# slowed native replication's walsender alone (the README's
# "Measuring").
BENCH_SETTINGS=("fsync = on")

BENCH_SOURCE=source
BENCH_NODE=a
# Slots of the shared source.  pgmesh-capture --drain without --after
# never advances its slot, so every part that captures shares
# BENCH_SLOT; pg_recvlogical consumes its own, one per run.
BENCH_SLOT=bench_capture
BENCH_REF_SLOT=bench_recvlogical
BENCH_TEXT=$BENCH_TMP/payments.txt
BENCH_PACK=$BENCH_TMP/payments.pack

# A time's column holds the median of the runs, then their range.
BENCH_FORMAT='%-46s %8s %15s %8s  %s\n'

bench_header() {
	echo "pgmesh bench: $BENCH_ROWS rows; $BENCH_RUNS runs of each side;" \
	    "$(nproc) cores; load average $(cut -d ' ' -f 1-3 /proc/loadavg);" \
	    "$("$PG_BINDIR/postgres" --version)"
	# shellcheck disable=SC2059
	printf "$BENCH_FORMAT" "measurement" "median" "min-max" "peak MB" "note"
	# shellcheck disable=SC2059
	printf "$BENCH_FORMAT" "-----------" "------" "-------" "-------" "----"
}

# bench_row LABEL MEDIAN RANGE PEAK_KB [NOTE]
bench_row() {
	local mb=-
	[ "$4" != - ] && mb=$(awk -v kb="$4" 'BEGIN { printf "%.1f", kb / 1024 }')
	# shellcheck disable=SC2059
	printf "$BENCH_FORMAT" "$1" "$2" "$3" "$mb" "${5:-}"
}

# bench_spread VALUE...: "MEDIAN MIN-MAX" of the values, three decimals
# (the median of an even count is the mean of the middle two).
bench_spread() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f-%.3f\n", m, v[1], v[NR] }'
}

# bench_times LABEL PEAK_KB NOTE SECONDS...: a row of the median and the
# range of the runs' times.
bench_times() {
	local label=$1 kb=$2 note=$3 median range
	shift 3
	read -r median range <<<"$(bench_spread "$@")"
	bench_row "$label" "$median" "$range" "$kb" "$note"
}

# bench_verdict LABEL MEDIAN RANGE MAX_RATIO: a ratio's row and whether
# its median is within MAX_RATIO; "-" for a ratio without a target.
bench_verdict() {
	awk -v l="$1" -v m="$2" -v r="$3" -v t="$4" 'BEGIN {
		v = "no target"
		if (t != "-")
			v = sprintf("target <= %.2fx: %s", t,
			    (m != "" && m <= t + 0) ? "met" : "MISSED")
		printf "%-46s %8.2f %15s %8s  %s\n", l " (ratio)", m, r, "", v
	}'
}

# bench_ratio LABEL MAX_RATIO: the ratios of bench_compare's runs, A_RUNS
# to B_RUNS run by run (the two sides of a run ran next to each other,
# under the same load), their median against MAX_RATIO, and their range.
bench_ratio() {
	local i median range ratios=()
	for i in "${!A_RUNS[@]}"; do
		ratios+=("$(awk -v a="${A_RUNS[$i]}" -v b="${B_RUNS[$i]}" \
		    'BEGIN { printf "%.4f", (b > 0 ? a / b : 1e9) }')")
	done
	read -r median range <<<"$(bench_spread "${ratios[@]}")"
	range=$(awk -v r="$range" 'BEGIN { split(r, x, "-")
		printf "%.2f-%.2f", x[1], x[2] }')
	bench_verdict "$1" "$median" "$range" "$2"
}

# bench_target LABEL VALUE REFERENCE MAX_RATIO: one VALUE/REFERENCE (a
# size, or a figure measured once), without a range.
bench_target() {
	bench_verdict "$1" "$(awk -v v="$2" -v r="$3" \
	    'BEGIN { printf "%.4f", (r > 0 ? v / r : 1e9) }')" - "$4"
}

# bench_bound LABEL MEDIAN RANGE BOUND UNIT: a median against an
# absolute bound.
bench_bound() {
	awk -v l="$1" -v v="$2" -v r="$3" -v b="$4" -v u="$5" 'BEGIN {
		printf "%-46s %8s %15s %8s  target <= %s %s: %s\n", l, v, r, "",
		    b, u, (v != "" && v <= b) ? "met" : "MISSED"
	}'
}

# bench_bytes_per_row FILE [ROWS]: the size of FILE per row, "25.1 B/row".
bench_bytes_per_row() {
	awk -v b="$(stat -c %s "$1")" -v r="${2:-$BENCH_ROWS}" \
	    'BEGIN { printf "%.1f B/row", b / r }'
}

# bench_measure VAR_SECONDS VAR_KB COMMAND: run COMMAND (a shell string,
# for pipelines) and keep its wall time, to the millisecond (time(1) has
# only hundredths, too coarse for small runs), and the peak RSS of its
# largest process.
bench_measure() {
	local out=$BENCH_TMP/time.$$ start end kb
	start=$EPOCHREALTIME
	/usr/bin/time -f '%M' -o "$out" bash -c "$3"
	end=$EPOCHREALTIME
	read -r kb <"$out"
	printf -v "$1" '%s' "$(awk -v s="$start" -v e="$end" \
	    'BEGIN { printf "%.3f", e - s }')"
	printf -v "$2" '%s' "$kb"
}

# bench_checkpoint: a CHECKPOINT on every running cluster, so that no
# run pays for the dirty buffers or the WAL of the one before.
bench_checkpoint() {
	local port
	for port in "$PG_TMP"/*/port; do
		[ -f "$port" ] || continue
		pg_sql "$(basename "$(dirname "$port")")" "CHECKPOINT" >/dev/null
	done
}

# bench_compare A B: BENCH_RUNS runs of each of the functions A and B,
# taking turns, A first in odd runs and B first in even ones (neither
# always comes first after a checkpoint, or always finds the cache the
# other warmed), with a checkpoint on every cluster before each run.  A
# function gets the run's number and times one run into RUN_S and RUN_KB
# (bench_measure; "-" for a peak it cannot see).  The times are left in
# A_RUNS and B_RUNS, in the order of the runs, the highest peaks in A_KB
# and B_KB.
bench_compare() {
	local i
	A_RUNS=() B_RUNS=() A_KB=- B_KB=-
	for i in $(seq "$BENCH_RUNS"); do
		if [ $((i % 2)) -eq 1 ]; then
			bench_compare_run "$1" A "$i"
			bench_compare_run "$2" B "$i"
		else
			bench_compare_run "$2" B "$i"
			bench_compare_run "$1" A "$i"
		fi
	done
}

# bench_compare_run FUNCTION SIDE N: one run of bench_compare.
bench_compare_run() {
	local -n runs=$2_RUNS peak=$2_KB
	bench_checkpoint
	"$1" "$3"
	runs+=("$RUN_S")
	if [ "$RUN_KB" != - ] && { [ "$peak" = - ] || [ "$RUN_KB" -gt "$peak" ]; }; then
		peak=$RUN_KB
	fi
}

# The payments table of the issues.  Autovacuum would come, when it
# chose, for a table a million rows were just inserted into (it vacuums
# insert-only tables too) and take a core from whichever run was under
# way; it is off for this table, on every cluster alike.
BENCH_SCHEMA="
CREATE TABLE payments (
	id bigint PRIMARY KEY,
	account_id bigint NOT NULL,
	amount numeric(12,2) NOT NULL,
	currency char(3) NOT NULL,
	created_at timestamptz NOT NULL,
	memo text
) WITH (autovacuum_enabled = off);
CREATE INDEX payments_account_id ON payments (account_id);"

# bench_cluster NAME: a cluster with the benchmark settings, schema loaded.
bench_cluster() {
	pg_start "$1" "${BENCH_SETTINGS[@]}"
	pg_sql "$1" "$BENCH_SCHEMA" >/dev/null
}

# bench_load NAME ROWS TXN_ROWS [FIRST_ID [DBNAME]]: insert ROWS payments
# in transactions of TXN_ROWS rows each, ids from FIRST_ID (1), into
# database DBNAME (postgres) of cluster NAME.  The load commits without
# waiting for the WAL flush (100,000 one-row transactions would otherwise
# wait for 100,000 flushes, 3-4 ms each on this VM's disk): its WAL is
# the same, and the checkpoint after it flushes all of it.
bench_load() {
	local first=${4:-1}
	PGOPTIONS="-c synchronous_commit=off" pg_sql "$1" "${5:-postgres}" "
	DO \$\$
	DECLARE lo bigint := $first;
	BEGIN
		WHILE lo < $first + $2 LOOP
			INSERT INTO payments
			SELECT i, i % 10007, (i % 100000) / 100.0,
			       (ARRAY['EUR','USD','GBP'])[1 + i % 3],
			       timestamptz '2026-01-01' + i * interval '1 second',
			       'invoice ' || i || ' for services rendered'
			FROM generate_series(lo, least(lo + $3, $first + $2) - 1) i;
			COMMIT;
			lo := lo + $3;
		END LOOP;
	END \$\$;" >/dev/null
	pg_sql "$1" "CHECKPOINT" >/dev/null
}

# bench_source_loaded: the shared source, once.
bench_source_loaded() {
	local i
	[ -z "${BENCH_SOURCE_LOADED:-}" ] || return 0
	bench_cluster "$BENCH_SOURCE"
	pgmesh-capture -d "$(pg_conninfo "$BENCH_SOURCE")" -S "$BENCH_SLOT" \
		--node "$BENCH_NODE" --init payments
	for i in $(seq "$BENCH_RUNS"); do
		pg_sql "$BENCH_SOURCE" "SELECT pg_create_logical_replication_slot(
			'${BENCH_REF_SLOT}_$i', 'pgoutput')" >/dev/null
	done
	bench_load "$BENCH_SOURCE" "$BENCH_ROWS" 1000
	BENCH_SOURCE_LOADED=1
}

# bench_text_ready: the source's change text in BENCH_TEXT, once.
bench_text_ready() {
	bench_source_loaded
	[ -s "$BENCH_TEXT" ] ||
		pgmesh-capture -d "$(pg_conninfo "$BENCH_SOURCE")" \
			-S "$BENCH_SLOT" --drain >"$BENCH_TEXT"
}

# bench_pack_ready: its pack stream in BENCH_PACK, once.
bench_pack_ready() {
	bench_text_ready
	[ -s "$BENCH_PACK" ] || pgmesh-pack <"$BENCH_TEXT" >"$BENCH_PACK"
}
