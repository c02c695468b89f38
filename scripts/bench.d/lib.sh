# lib.sh: what every benchmark part shares: throwaway clusters, the
# payments schema and load, timing with peak RSS, and the result table.
#
# Parts are sourced in one shell, so clusters and files made by one part
# (the payments WAL, the change text, the pack) are reused by the next:
# bench_source_ready and friends make each thing once.

REPO_DIR=$(cd "$BENCH_DIR/../.." && pwd)
PATH=${PGMESH_BIN:-$REPO_DIR/bin}:$PATH
# shellcheck source=tests/helpers/pg.bash
source "$REPO_DIR/tests/helpers/pg.bash"
BENCH_TMP=$(mktemp -d /tmp/pgmesh-bench.XXXXXX)
chmod 755 "$BENCH_TMP"
trap 'pg_stop_all; rm -rf "$BENCH_TMP"' EXIT
trap 'exit 130' INT TERM

BENCH_SETTINGS=(
	"shared_buffers = 512MB"
	"max_wal_size = 4GB"
	"synchronous_commit = off"
	"wal_sender_timeout = 0"
)

bench_header() {
	printf '%-44s %9s %9s  %s\n' "measurement" "seconds" "peak MB" "note"
	printf '%-44s %9s %9s  %s\n' "-----------" "-------" "-------" "----"
}

# bench_row LABEL SECONDS PEAK_KB [NOTE]
bench_row() {
	local mb=-
	[ "$3" != - ] && mb=$(awk -v kb="$3" 'BEGIN { printf "%.1f", kb / 1024 }')
	printf '%-44s %9s %9s  %s\n' "$1" "$2" "$mb" "${4:-}"
}

# bench_target LABEL VALUE REFERENCE MAX_RATIO: print VALUE/REFERENCE and
# whether it is within MAX_RATIO.
bench_target() {
	awk -v l="$1" -v v="$2" -v r="$3" -v t="$4" 'BEGIN {
		ratio = r > 0 ? v / r : 0
		printf "%-44s %9.2f %9s  target <= %.2fx: %s\n", l " (ratio)", ratio,
		    "", t, ratio <= t ? "met" : "MISSED"
	}'
}

# bench_measure VAR_SECONDS VAR_KB COMMAND...: run COMMAND (a shell string,
# for pipelines) and keep its wall time and the peak RSS of its largest
# process.
bench_measure() {
	local out=$BENCH_TMP/time.$$ secs kb
	/usr/bin/time -f '%e %M' -o "$out" bash -c "$3"
	read -r secs kb <"$out"
	printf -v "$1" '%s' "$secs"
	printf -v "$2" '%s' "$kb"
}

# The payments table of the issues: 1,000-row transactions.
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

# bench_load NAME ROWS TXN_ROWS [FIRST_ID]: insert ROWS payments in
# transactions of TXN_ROWS rows each.
bench_load() {
	local first=${4:-1}
	pg_sql "$1" "
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
}
