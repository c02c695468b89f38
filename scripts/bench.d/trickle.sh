# trickle.sh: a steady trickle of one-row transactions into a source, and
# the commit-to-visible latency of each row at two destinations, pgmesh's
# pipeline and a native subscription.  Not a part: sourced by latency.sh
# (on this machine) and wan.sh (across a simulated far link), which start
# the clusters, here named lat_src, lat_mesh and lat_native, and the
# pipeline.
#
# BENCH_RUNS rounds of LATENCY_ROWS one-row transactions at 100 per
# second go into the source; both destinations stamp each row as it
# arrives, with an extra column whose default is clock_timestamp()
# (pgmesh and native replication both leave columns the source does not
# send to their defaults).  Same machine, same clock: a row's latency is
# its arrival stamp minus its commit time.  Each round gives each side a
# p50 and a p99.
#
# The source commits synchronously (the stock setting), as a payments
# database would: with synchronous_commit off, commits reach the WAL that
# decoding reads only at the WAL writer's next round (200 ms).

LATENCY_ROWS=1000
# Autovacuum stays away from the ticks tables, as from payments (lib.sh).
LATENCY_SCHEMA="CREATE TABLE ticks (id bigint PRIMARY KEY,
	sent_at timestamptz NOT NULL) WITH (autovacuum_enabled = off)"
LATENCY_DEST_SCHEMA="CREATE TABLE ticks (id bigint PRIMARY KEY,
	sent_at timestamptz NOT NULL,
	arrived_at timestamptz NOT NULL DEFAULT clock_timestamp())
	WITH (autovacuum_enabled = off)"

# latency_schemas SOURCE_CONNINFO: the tables of the three clusters,
# pgmesh's slot and publication on the source, and the native
# subscription to it, which connects to SOURCE_CONNINFO.
latency_schemas() {
	pg_sql lat_src "$LATENCY_SCHEMA" >/dev/null
	pg_sql lat_mesh "$LATENCY_DEST_SCHEMA" >/dev/null
	pg_sql lat_native "$LATENCY_DEST_SCHEMA" >/dev/null
	pgmesh-capture -d "$(pg_conninfo lat_src)" --node src -S lat_mesh \
		--init ticks
	PGOPTIONS="-c client_min_messages=warning" pg_sql lat_native \
		"CREATE SUBSCRIPTION lat_native CONNECTION '$1'
		PUBLICATION pgmesh WITH (copy_data = false)" >/dev/null
}

# latency_pipeline_start COMMAND: COMMAND, a shell string (the pipeline
# capture --follow | pack | apply, wired for near real time), in a
# process group of its own (LATENCY_PIPELINE) so that one kill stops it
# all.
latency_pipeline_start() {
	# In a subshell, so that $! is the group's leader (of a bare
	# pipeline, $! would be its last process, not the group).
	set -m
	(bash -c "$1") &
	LATENCY_PIPELINE=$!
	set +m
	BENCH_CLEANUP+=(latency_pipeline_stop)
}

latency_pipeline_stop() {
	[ -n "${LATENCY_PIPELINE:-}" ] || return 0
	kill -TERM -- "-$LATENCY_PIPELINE" 2>/dev/null || true
	wait "$LATENCY_PIPELINE" 2>/dev/null || true
	LATENCY_PIPELINE=
}

# latency_ready NAME: the destination is connected: a first row inserted
# on the source arrives there (then it is removed from both sides' counts
# by its id, 0).
latency_ready() {
	local n
	for _ in $(seq 300); do
		n=$(pg_sql "$1" "SELECT count(*) FROM ticks WHERE id = 0")
		[ "$n" = 1 ] && return 0
		sleep 0.1
	done
	echo "bench: latency: $1 got nothing in 30 s" >&2
	return 1
}

# latency_drive ROUND: LATENCY_ROWS one-row transactions, ids from
# ROUND * LATENCY_ROWS + 1, the i-th due i * 10 ms after the start (not
# 10 ms after the previous one, so that the rate stays 100/s however long
# each takes).  sent_at is read just before the commit, which is what it
# stands for.
latency_drive() {
	pg_sql lat_src "
	DO \$\$
	DECLARE t0 timestamptz := clock_timestamp();
	BEGIN
		FOR i IN 1..$LATENCY_ROWS LOOP
			PERFORM pg_sleep(greatest(0, extract(epoch FROM
				t0 + i * interval '10 ms' - clock_timestamp())));
			INSERT INTO ticks VALUES ($1 * $LATENCY_ROWS + i,
				clock_timestamp());
			COMMIT;
		END LOOP;
	END \$\$" >/dev/null
}

# latency_wait NAME ROUND: all rows of the round arrived (10 s at most
# after the last).
latency_wait() {
	local n
	for _ in $(seq 100); do
		n=$(pg_sql "$1" "SELECT count(*) FROM ticks $(latency_round "$2")")
		[ "$n" -ge "$LATENCY_ROWS" ] && return 0
		sleep 0.1
	done
	echo "bench: latency: $1 has $n of $LATENCY_ROWS rows 10 s after the last" >&2
	return 1
}

# latency_round ROUND: the WHERE clause of the round's rows.
latency_round() {
	echo "WHERE id > $1 * $LATENCY_ROWS AND id <= ($1 + 1) * $LATENCY_ROWS"
}

# latency_of NAME ROUND: "p50 p99 max" of the round, in milliseconds.
latency_of() {
	pg_sql "$1" "SELECT concat_ws(' ',
		round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
		round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
		round(max(ms)::numeric, 2))
		FROM (SELECT extract(epoch FROM arrived_at - sent_at) * 1000 AS ms
		      FROM ticks $(latency_round "$2")) t"
}

# latency_rounds: BENCH_RUNS rounds; each side's p50s in A_RUNS (pgmesh)
# and B_RUNS (native), as bench_compare leaves its times, its p99s in
# A_P99 and B_P99, the highest latencies in A_MAX and B_MAX.
latency_rounds() {
	local round p50 p99 max
	A_RUNS=() B_RUNS=() A_P99=() B_P99=() A_MAX=0 B_MAX=0
	for round in $(seq "$BENCH_RUNS"); do
		bench_checkpoint
		latency_drive "$round"
		latency_wait lat_mesh "$round"
		latency_wait lat_native "$round"
		read -r p50 p99 max <<<"$(latency_of lat_mesh "$round")"
		A_RUNS+=("$p50") A_P99+=("$p99")
		A_MAX=$(awk -v a="$A_MAX" -v b="$max" 'BEGIN { print (b > a ? b : a) }')
		read -r p50 p99 max <<<"$(latency_of lat_native "$round")"
		B_RUNS+=("$p50") B_P99+=("$p99")
		B_MAX=$(awk -v a="$B_MAX" -v b="$max" 'BEGIN { print (b > a ? b : a) }')
	done
}

# latency_measure: the first row through both sides, then the rounds,
# then the pipeline stopped.
latency_measure() {
	pg_sql lat_src "INSERT INTO ticks VALUES (0, now())" >/dev/null
	latency_ready lat_mesh
	latency_ready lat_native
	latency_rounds
	latency_pipeline_stop
}

# latency_stop: the subscription dropped (its slot with it), the three
# clusters stopped.
latency_stop() {
	PGOPTIONS="-c client_min_messages=warning" pg_sql lat_native \
		"DROP SUBSCRIPTION lat_native" >/dev/null
	pg_stop lat_native
	pg_stop lat_mesh
	pg_stop lat_src
}
