# catchup.sh: how the benchmark times a subscription catching up, without
# loading the destination it watches.  Not a part: sourced by apply.sh
# and wan.sh, and by tests/610-bench-smoke.bats; it needs only psql.
#
#	catchup_seconds CONNINFO START_SQL TABLE LAST_ID BOUND_S
#	catchup_launcher_wait CLUSTER
#
# One session, connected before the timed window opens, reads the
# server's clock, runs START_SQL (ALTER SUBSCRIPTION ... ENABLE, which
# commits at once: psql sends each statement on its own), then loops
# inside the server, reading max(id) of TABLE every 10 ms until it is at
# least LAST_ID, and reads the clock again.  It prints the seconds
# between the two readings, to the millisecond, and fails, naming TABLE,
# when BOUND_S seconds pass first.  Rows arrive in commit order, so the
# last id arrives with the last transaction.
#
# Each read is an index probe: 100 reads 10 ms apart in one session took
# 0.06-0.09 s of server CPU, where 100 reads by a new psql each, the
# benchmark's way until then (one every 50 ms), took 9.6-10.6 s of client
# CPU and 4.3-4.7 s of the server's, here (2 cores, load 6-7): 20 such
# reads a second would want more CPU than the two cores have, the cores
# the walsender and the apply worker being timed need.  In READ
# COMMITTED each statement of the loop takes a new snapshot, so the loop
# sees every commit as it happens; it holds only ACCESS SHARE on TABLE,
# which no insert waits for.

# The session's application_name, for pg_stat_activity and the log.
CATCHUP_APPNAME=pgmesh-bench-catchup

catchup_seconds() {
	local conninfo=$1 start_sql=$2 table=$3 last=$4 bound=$5
	psql -X -q -At -v ON_ERROR_STOP=1 \
		-d "$conninfo application_name=$CATCHUP_APPNAME" <<-EOF |
	SELECT 'start', extract(epoch FROM clock_timestamp());
	${start_sql:+$start_sql;}
	DO \$\$
	DECLARE deadline timestamptz := clock_timestamp() + interval '$bound s';
	BEGIN
		WHILE coalesce((SELECT max(id) FROM $table), 0) < $last LOOP
			IF clock_timestamp() > deadline THEN
				RAISE EXCEPTION 'catch-up: % has no id % after % s',
					'$table', $last, $bound;
			END IF;
			PERFORM pg_sleep(0.01);
		END LOOP;
	END \$\$;
	SELECT 'end', extract(epoch FROM clock_timestamp());
	EOF
	awk -F '|' '$1 == "start" { start = $2 } $1 == "end" { stop = $2 }
		END { if (start == "" || stop == "") exit 1
		      printf "%.3f\n", stop - start }'
}

# catchup_launcher_wait CLUSTER: PostgreSQL's launcher starts an apply
# worker at most once per wal_retrieve_retry_interval (5 s), counted from
# the last worker it started: wait until that long has passed since the
# last subscription this shell enabled (CATCHUP_ENABLED_AT) on CLUSTER,
# so that a run times the catch-up, not the launcher, as on any server
# not starting one subscription after another; then note the time of the
# enabling to come.
catchup_launcher_wait() {
	local retry rest
	if [ "${CATCHUP_ENABLED_ON:-}" = "$1" ]; then
		retry=$(pg_sql "$1" "SELECT extract(epoch FROM
			current_setting('wal_retrieve_retry_interval')::interval)")
		rest=$(awk -v t="$CATCHUP_ENABLED_AT" -v now="$EPOCHREALTIME" \
		    -v i="$retry" 'BEGIN { w = t + i + 0.1 - now
			printf "%.3f", (w > 0 ? w : 0) }')
		sleep "$rest"
	fi
	CATCHUP_ENABLED_ON=$1
	CATCHUP_ENABLED_AT=$EPOCHREALTIME
}
