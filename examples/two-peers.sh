#!/bin/bash
# two-peers.sh: two peers, a and b, wired by hand, one command at a time.
#
#	examples/two-peers.sh		run every step
#	STEP=1 examples/two-peers.sh	wait for Enter before each step
#
# Each step says what it does, prints its command as you would type it,
# and runs it.  The two databases are throwaway PostgreSQL clusters on
# this machine (started and removed by the script; run it as root or as a
# user that may run initdb); $A and $B are their libpq connection strings,
# which on real machines would be "host=a.example dbname=shop", a service
# name, or an ssh hop away.  Needs the programs built (make).
# The commands are single-quoted on purpose: $A stays $A until run.
# shellcheck disable=SC2016
set -euo pipefail

REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
PATH=${PGMESH_BIN:-$REPO_DIR/bin}:$PATH
# shellcheck source=tests/helpers/pg.bash
source "$REPO_DIR/tests/helpers/pg.bash"
cd "$REPO_DIR"
trap 'trap "" INT TERM; pg_stop_all' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step TITLE: a heading, and with STEP=1 a pause.
step() {
	printf '\n== %s\n' "$1"
	if [ -n "${STEP:-}" ]; then
		read -r -p "(Enter to go on) " _ </dev/tty
	fi
}

# say TEXT: a line of explanation.
say() {
	printf '   %s\n' "$@"
}

# show COMMAND: print the command as typed, then run it.  The commands
# are the constant strings of this script, run as written.
show() {
	printf '$ %s\n' "$1"
	eval "$1"
}

step "Two databases (throwaway clusters here)"
pg_start a
pg_start b
A=$(pg_conninfo a)
B=$(pg_conninfo b)
say "A='$A'" "B='$B'"

step "The same table on both: pgmesh replicates rows, never schemas"
show 'psql -X -q -d "$A" -f examples/schema.sql'
show 'psql -X -q -d "$B" -f examples/schema.sql'

step "Once per peer: publication, slot, insert-only guard, node name"
say "The slot keeps the WAL its consumer has not confirmed yet; the node" \
    "name is stored in the database, so later commands need not repeat it."
show 'pgmesh-capture -d "$A" --node a -S to_b --init payments'
show 'pgmesh-capture -d "$B" --node b -S to_a --init payments'

step "Payments on both sides"
show 'psql -X -q -d "$A" -c "INSERT INTO payments (node, account_id, amount, currency, memo)
    SELECT '\''a'\'', g, g * 1.5, '\''EUR'\'', '\''taken on a'\'' FROM generate_series(1, 5) g"'
show 'psql -X -q -d "$B" -c "INSERT INTO payments (node, account_id, amount, currency, memo)
    SELECT '\''b'\'', g, g * 2.5, '\''USD'\'', '\''taken on b'\'' FROM generate_series(1, 3) g"'

step "The guard: rows are never updated or deleted"
show 'psql -X -q -d "$A" -c "UPDATE payments SET amount = 0" || true'

step "What capture sees: change text, one line per record"
say "--drain stops at the end of the WAL; without --after it confirms" \
    "nothing to the slot, so looking costs nothing."
show 'pgmesh-capture -d "$A" -S to_b --drain'

step "a to b, the first time"
say "capture | pack | apply: the rows of a, compressed, applied on b" \
    "exactly once.  --exclude-origin b: never send b its own rows back." \
    "No --after the first time: the slot starts where --init made it."
show 'pgmesh-capture -d "$A" -S to_b --exclude-origin b --drain |
    pgmesh-pack | pgmesh-apply -d "$B" --allow "a:public.payments"'
show 'pgmesh-capture -d "$B" -S to_a --exclude-origin a --drain |
    pgmesh-pack | pgmesh-apply -d "$A" --allow "b:public.payments"'

step "Where b stands, per origin: kept by PostgreSQL with the rows"
show 'pgmesh-apply -d "$B" --position'

step "Every minute from cron: resume after what b holds"
say "--after confirms b's durable position to a's slot (so PostgreSQL" \
    "may recycle the WAL before it) and sends only what is newer."
show 'psql -X -q -d "$A" -c "INSERT INTO payments (node, account_id, amount, currency)
    VALUES ('\''a'\'', 42, 99.90, '\''GBP'\'')"'
show 'pgmesh-capture -d "$A" -S to_b --exclude-origin b --drain \
    --after "$(pgmesh-apply -d "$B" --position --origin a)" |
    pgmesh-pack | pgmesh-apply -d "$B" --allow "a:public.payments" -v'
say "Again: nothing new, nothing applied twice."
show 'pgmesh-capture -d "$A" -S to_b --exclude-origin b --drain \
    --after "$(pgmesh-apply -d "$B" --position --origin a)" |
    pgmesh-pack | pgmesh-apply -d "$B" --allow "a:public.payments" -v'

step "Store and forward: the same through a spool directory"
say "pgmesh-ship stores each frame atomically (here a local directory;" \
    "ssh://host/dir or tcp://host:port for another machine); b applies" \
    "the spool whenever it is up, and verify checks it frame by frame."
show 'psql -X -q -d "$A" -c "INSERT INTO payments (node, account_id, amount, currency)
    VALUES ('\''a'\'', 7, 12.00, '\''EUR'\'')"'
SPOOL=$PG_TMP/spool
say "SPOOL='$SPOOL'"
show 'pgmesh-capture -d "$A" -S to_b --exclude-origin b --drain \
    --after "$(pgmesh-apply -d "$B" --position --origin a)" |
    pgmesh-pack | pgmesh-ship "$SPOOL"'
show 'pgmesh-verify "$SPOOL"'
show 'pgmesh-apply -d "$B" --allow "a:public.payments" "$SPOOL"'

step "Proof: both databases hold the same rows"
show 'pgmesh-verify -d "$A" --digest payments |
    pgmesh-verify -d "$B" --compare - payments && echo "a and b agree"'

step "Taking a peer out: slot, publication and guard go"
show 'pgmesh-capture -d "$A" -S to_b --drop'
show 'pgmesh-capture -d "$B" -S to_a --drop'
say "(the throwaway clusters are removed on exit)"
