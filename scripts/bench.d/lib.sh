# lib.sh: what every benchmark part shares: throwaway clusters, the
# payments source with its change text and its pack, timing with peak RSS,
# and the result table.  Sourced once by scripts/bench, before the parts.
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

# Every cluster of the benchmark, pgmesh's and the references' alike.  No
# autovacuum: each measurement loads a million rows or so, and the workers
# that came for them later took CPU from whichever measurement ran then,
# at random (100,000 one-row transactions: capture | pack | apply took
# 0.96-0.99 s with it, 0.76-0.91 s without, native 2.37-2.44 s with and
# 2.30-2.37 s without).
BENCH_SETTINGS=(
	"shared_buffers = 512MB"
	"max_wal_size = 4GB"
	"synchronous_commit = off"
	"wal_sender_timeout = 0"
	"autovacuum = off"
)

BENCH_SOURCE=source
BENCH_NODE=a
# Slots of the shared source.  pgmesh-capture --drain without --after
# never advances its slot, so every part that captures shares
# BENCH_SLOT; pg_recvlogical and a subscription consume theirs.
BENCH_SLOT=bench_capture
BENCH_REF_SLOT=bench_recvlogical
BENCH_NATIVE_SLOT=bench_native
BENCH_TEXT=$BENCH_TMP/payments.txt
BENCH_PACK=$BENCH_TMP/payments.pack

BENCH_FORMAT='%-46s %9s %9s  %s\n'

bench_header() {
	echo "pgmesh bench: $BENCH_ROWS rows; $(nproc) cores;" \
	    "$("$PG_BINDIR/postgres" --version)"
	# shellcheck disable=SC2059
	printf "$BENCH_FORMAT" "measurement" "seconds" "peak MB" "note"
	# shellcheck disable=SC2059
	printf "$BENCH_FORMAT" "-----------" "-------" "-------" "----"
}

# bench_row LABEL SECONDS PEAK_KB [NOTE]
bench_row() {
	local mb=-
	[ "$3" != - ] && mb=$(awk -v kb="$3" 'BEGIN { printf "%.1f", kb / 1024 }')
	# shellcheck disable=SC2059
	printf "$BENCH_FORMAT" "$1" "$2" "$mb" "${4:-}"
}

# bench_target LABEL VALUE REFERENCE MAX_RATIO: print VALUE/REFERENCE and
# whether it is within MAX_RATIO.
bench_target() {
	awk -v l="$1" -v v="$2" -v r="$3" -v t="$4" 'BEGIN {
		ratio = r > 0 ? v / r : 0
		printf "%-46s %9.2f %9s  target <= %.2fx: %s\n", l " (ratio)", ratio,
		    "", t, (r > 0 && ratio <= t) ? "met" : "MISSED"
	}'
}

# bench_bound LABEL VALUE BOUND UNIT: VALUE against an absolute bound.
bench_bound() {
	awk -v l="$1" -v v="$2" -v b="$3" -v u="$4" 'BEGIN {
		printf "%-46s %9s %9s  target <= %s %s: %s\n", l, v, "", b, u,
		    (v != "" && v <= b) ? "met" : "MISSED"
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

# bench_keep_faster VAR_SECONDS VAR_KB SECONDS KB: SECONDS and KB into the
# two variables when VAR_SECONDS is empty or slower.
bench_keep_faster() {
	if [ -z "${!1}" ] || awk -v a="$3" -v b="${!1}" 'BEGIN { exit !(a < b) }'; then
		printf -v "$1" '%s' "$3"
		printf -v "$2" '%s' "$4"
	fi
}

# bench_race N A_SECONDS A_KB A_COMMAND B_SECONDS B_KB B_COMMAND: the
# fastest of N runs of each command, the two taking turns, for runs so
# short that one run's jitter would decide the ratio; taking turns, a
# spell of load on the shared machine falls on both alike.
bench_race() {
	local n=$1 run_s run_kb
	printf -v "$2" '%s' ""
	printf -v "$5" '%s' ""
	for _ in $(seq "$n"); do
		bench_measure run_s run_kb "$4"
		bench_keep_faster "$2" "$3" "$run_s" "$run_kb"
		bench_measure run_s run_kb "$7"
		bench_keep_faster "$5" "$6" "$run_s" "$run_kb"
	done
}

# The payments table of the issues.
BENCH_SCHEMA="
CREATE TABLE payments (
	id bigint PRIMARY KEY,
	account_id bigint NOT NULL,
	amount numeric(12,2) NOT NULL,
	currency char(3) NOT NULL,
	created_at timestamptz NOT NULL,
	memo text
);
CREATE INDEX payments_account_id ON payments (account_id);"

# bench_cluster NAME: a cluster with the benchmark settings, schema loaded.
bench_cluster() {
	pg_start "$1" "${BENCH_SETTINGS[@]}"
	pg_sql "$1" "$BENCH_SCHEMA" >/dev/null
}

# bench_load NAME ROWS TXN_ROWS [FIRST_ID [DBNAME]]: insert ROWS payments
# in transactions of TXN_ROWS rows each, ids from FIRST_ID (1), into
# database DBNAME (postgres) of cluster NAME.
bench_load() {
	local first=${4:-1}
	pg_sql "$1" "${5:-postgres}" "
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
	[ -z "${BENCH_SOURCE_LOADED:-}" ] || return 0
	bench_cluster "$BENCH_SOURCE"
	pgmesh-capture -d "$(pg_conninfo "$BENCH_SOURCE")" -S "$BENCH_SLOT" \
		--node "$BENCH_NODE" --init payments
	pg_sql "$BENCH_SOURCE" "
		SELECT pg_create_logical_replication_slot('$BENCH_REF_SLOT', 'pgoutput');
		SELECT pg_create_logical_replication_slot('$BENCH_NATIVE_SLOT', 'pgoutput');" \
		>/dev/null
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
