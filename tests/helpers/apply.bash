# apply.bash: what the pgmesh-apply tests share: the payments table and a
# generator of change text for it.

PAYMENTS_SQL="CREATE TABLE payments (
	id bigint PRIMARY KEY,
	account_id bigint NOT NULL,
	amount numeric(12,2) NOT NULL,
	currency char(3) NOT NULL,
	created_at timestamptz NOT NULL,
	memo text)"

# gen_payments ROWS PER_TXN [ORIGIN] [FIRST_ID]: change text of ROWS
# payments rows in transactions of PER_TXN rows, ids from FIRST_ID (1).
# The transaction holding id i has origin LSN (1 + (i - 1) / PER_TXN) *
# 0x10000, so streams cut from one sequence agree on LSNs; the stream
# claims to hold every transaction of ORIGIN after the one before its
# first (P record), so that streams cut from one sequence chain.
gen_payments() {
	awk -v rows="$1" -v per="$2" -v origin="${3:-a}" -v first="${4:-1}" '
	BEGIN {
		print "#pgmesh\t1"
		k = int((first - 1) / per)
		printf "P\t%s\t0/%X\n", origin, k * 65536
		for (i = first; i < first + rows; i += per) {
			k++
			lsn = sprintf("0/%X", k * 65536)
			print "B\t" origin "\t" lsn "\t2026-11-21 13:16:41.123456+00\t" 700 + k
			if (i == first)
				print "T\tpublic.payments\tid\tbigint\taccount_id\tbigint" \
				    "\tamount\tnumeric(12,2)\tcurrency\tcharacter(3)" \
				    "\tcreated_at\ttimestamp with time zone\tmemo\ttext"
			for (j = i; j < i + per && j < first + rows; j++)
				printf "I\tpublic.payments\t%d\t%d\t%.2f\tEUR\t" \
				    "2026-01-01 00:00:00+00\tinvoice %d\n",
				    j, j % 10007, (j % 100000) / 100, j
			print "C\t" origin "\t" lsn
		}
	}'
}

# payments_summary NAME: count, distinct ids and sum of ids in payments.
payments_summary() {
	pg_sql "$1" "SELECT count(*), count(DISTINCT id), coalesce(sum(id), 0) FROM payments"
}

# apply_role NAME DBNAME: the role pgmesh-apply(1) recommends, pgmesh_apply,
# with the privileges that page lists on database DBNAME of cluster NAME
# (tables of schema public made later too, by default privileges); prints
# the conninfo that logs in as it.  A test applying as this role shows the
# page's GRANTs are enough (and gets no superuser warning).
apply_role() {
	pg_sql "$1" "$2" "DO \$\$ BEGIN CREATE ROLE pgmesh_apply LOGIN;
		EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
	GRANT CONNECT, TEMPORARY ON DATABASE \"$2\" TO pgmesh_apply;
	GRANT USAGE ON SCHEMA public TO pgmesh_apply;
	GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO pgmesh_apply;
	ALTER DEFAULT PRIVILEGES IN SCHEMA public
		GRANT SELECT, INSERT ON TABLES TO pgmesh_apply;
	GRANT EXECUTE ON FUNCTION
		pg_replication_origin_create(text),
		pg_replication_origin_oid(text),
		pg_replication_origin_progress(text, boolean),
		pg_replication_origin_session_setup(text),
		pg_replication_origin_session_reset(),
		pg_replication_origin_xact_setup(pg_lsn, timestamptz)
		TO pgmesh_apply" >/dev/null || return 1
	pg_conninfo "$1" "$2" | sed 's/user=postgres/user=pgmesh_apply/'
}

# apply_setup: run each test in a fresh database of cluster dst (DB is its
# conninfo, for the role apply_role makes; sql runs SQL in it as the
# superuser) holding the payments table.  Progress is kept per database,
# so tests never see each other's.
apply_setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	pg_sql dst "CREATE DATABASE t$BATS_TEST_NUMBER"
	pg_sql dst "t$BATS_TEST_NUMBER" "$PAYMENTS_SQL"
	DB=$(apply_role dst "t$BATS_TEST_NUMBER")
}

sql() {
	pg_sql dst "t$BATS_TEST_NUMBER" "$1"
}

# from_genesis: the change text on stdin, claiming its origins' whole
# history (P ORIGIN 0/0), as an origin's first capture does.
from_genesis() {
	sed 's|^P\t\([^\t]*\)\t.*|P\t\1\t0/0|'
}
