# pgmesh-apply and a transaction larger than its txn-memory limit: the rows
# past the limit wait in an unlinked private file in $TMPDIR, so memory
# stays far below the transaction's size; the rows applied, the failing
# row named and the retry are as for any transaction, and a kill leaves
# neither a file nor part of the transaction behind.
load helpers/common
load helpers/apply
bats_require_minimum_version 1.5.0

# Rows of the large transaction: about 23 MB of COPY text, against a
# limit of 1 MiB.
BIG_ROWS=400000

setup_file() {
	pg_start dst
	# Two transactions of 10 rows (ids 1-20), then one of BIG_ROWS.
	stream "$BIG_ROWS" >"$BATS_FILE_TMPDIR/big.txt"
}

teardown_file() {
	pg_stop_all
}

setup() {
	apply_setup
	mkdir tmp
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
}

# stream ROWS: change text of origin a: transactions of ids 1-10 (LSN
# 0/10000) and 11-20 (0/20000), then one of ROWS rows from id 21 (LSN
# 0/30000), in the rows of gen_payments.
stream() {
	gen_payments 20 10 a
	awk -v rows="$1" 'BEGIN {
		print "B\ta\t0/30000\t2026-11-21 13:16:41.123456+00\t703"
		for (j = 21; j < 21 + rows; j++)
			printf "I\tpublic.payments\t%d\t%d\t%.2f\tEUR\t" \
			    "2026-01-01 00:00:00+00\tinvoice %d\n",
			    j, j % 10007, (j % 100000) / 100, j
		print "C\ta\t0/30000"
	}'
}

# rss_apply ARGS...: pgmesh-apply ARGS with its peak RSS (KB) in rss.kb.
rss_apply() {
	/usr/bin/time -f %M -o rss.kb pgmesh-apply "$@"
}

# rss_below MB: the last rss_apply's peak RSS was below MB.  Not under
# sanitizers, whose shadow memory grows with everything.
rss_below() {
	case $PGMESH_BIN in
	*/asan) return 0 ;;
	esac
	local kb
	kb=$(tail -n 1 rss.kb)
	echo "peak RSS ${kb} KB, bound $1 MB"
	[ "$kb" -lt $(($1 * 1024)) ]
}

# held_file PID: PID holds a file of $TMPDIR no name points to; its
# descriptor's path in fd.
held_file() {
	local f
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f") in
		"$TMPDIR"/*" (deleted)") fd=$f; return 0 ;;
		esac
	done
	return 1
}

@test "a transaction 20 times the txn-memory limit applies whole at flat memory" {
	run -0 --separate-stderr rss_apply -d "$DB" --allow '*:*' \
		--limit txn-memory=1M "$BATS_FILE_TMPDIR/big.txt"
	assert_equal "$stderr" ""
	rss_below 16
	run -0 sql "SELECT count(*), count(DISTINCT id), sum(id), sum(account_id) FROM payments"
	assert_equal "$output" "$(awk -v n=$((BIG_ROWS + 20)) 'BEGIN {
		for (i = 1; i <= n; i++) s += i % 10007
		printf "%d|%d|%.0f|%.0f", n, n, n * (n + 1) / 2, s }')"
	run -0 pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "0/30000"
	run -0 ls -A tmp
	assert_equal "$output" ""
}

@test "a bad row late in a spilled transaction is named; the ones before it go in" {
	local bad=$((BIG_ROWS - 10))
	sed "/^I\tpublic.payments\t$bad\t/s/\t[0-9.]*\tEUR/\tabc\tEUR/" \
		"$BATS_FILE_TMPDIR/big.txt" >in.txt
	run -65 --separate-stderr rss_apply -d "$DB" --allow '*:*' \
		--limit txn-memory=1M in.txt
	assert_equal "$stderr" "pgmesh-apply: origin a, LSN 0/30000, table public.payments: invalid input syntax for type numeric: \"abc\" (id=$bad)"
	rss_below 16
	run -0 sql "SELECT count(*), max(id) FROM payments"
	assert_equal "$output" "20|20"
	run -0 pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "0/20000"
	# With --rejects, the transaction goes there whole, read back from
	# the file in pieces that cut rows.
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' \
		--limit txn-memory=1M --rejects rej.txt in.txt
	assert_equal "$stderr" "pgmesh-apply: warning: origin a, LSN 0/30000, table public.payments: invalid input syntax for type numeric: \"abc\" (id=$bad); rejected"
	run -0 diff <(sed -n '/^B\ta\t0\/30000\t/,$p' in.txt) <(grep -v '^[#T]' rej.txt)
	run -0 pgmesh-apply -d "$DB" --position --origin a
	assert_equal "$output" "0/30000"
	run -0 ls -A tmp
	assert_equal "$output" ""
}

@test "kill -9 while a spilled transaction is read: no file left, none of it applied" {
	local pid fd st=0
	mkfifo in.fifo
	pgmesh-apply -d "$DB" --allow '*:*' --limit txn-memory=1M in.fifo \
		2>err.txt 3>&- &
	pid=$!
	# The first two transactions and 5 MB of the third, kept open.
	exec 4>in.fifo
	head -n 100000 "$BATS_FILE_TMPDIR/big.txt" >&4
	wait_until 60 held_file "$pid"
	run -0 stat -L -c %a "$fd"
	assert_equal "$output" "600"
	kill -9 "$pid"
	wait "$pid" || st=$?
	exec 4>&-
	assert_equal "$st" 137
	run -0 ls -A tmp
	assert_equal "$output" ""
	run -0 sql "SELECT count(*) FROM payments WHERE id > 20"
	assert_equal "$output" "0"
	# A rerun applies it all, each row once.
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' \
		--limit txn-memory=1M "$BATS_FILE_TMPDIR/big.txt"
	run -0 sql "SELECT count(*), count(DISTINCT id) FROM payments"
	assert_equal "$output" "$((BIG_ROWS + 20))|$((BIG_ROWS + 20))"
}
