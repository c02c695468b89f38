# pgmesh-ship --signers, at every hop: a receiver (ssh forced command,
# --listen, stdout) refuses every frame not signed by a key listed for
# its origin, never storing or passing it on, says so, and reads on; the
# sender reports that destination and frame and goes on with the others;
# a sender quarantines such frames of its source spool.  A signed stream
# goes through a hub over ssh and tcp to two peers, equal at the end.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/apply
load helpers/sign
load helpers/sshd

BAD_PACKS="forged unsigned manifest data revoked noline"

setup_file() {
	export W=$BATS_FILE_TMPDIR
	sign_setup "$W"
	sshd_start "$W/sshd"
	pg_start dst
}

teardown_file() {
	sshd_stop
	pg_stop_all
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	SHIP=(pgmesh-ship -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o LogLevel=ERROR -i "$SSH_KEY" --remote-ship "$PGMESH_BIN/pgmesh-ship")
	URL="ssh://root@127.0.0.1:$SSHD_PORT"
	PORT=$(pg_free_port)
}

teardown() {
	sshd_authorize
	[ -z "${LISTENER:-}" ] || { kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null; } || true
}

# hub_forced: the hub's forced command for peers: their frames into
# hub/, checked against the signers file.
hub_forced() {
	sshd_authorize "command=\"$PGMESH_BIN/pgmesh-ship --receive $BATS_TEST_TMPDIR/hub --signers $W/signers\",restrict"
}

# frames DIR: the frames DIR holds, one name a line, sorted.
frames() {
	find "$1" -path '*/.quarantine' -prune -o -name '*.pack' -print | sort
}

# bad_what PACK: how a receiver names what is wrong with the frame of
# PACK (sign.bash).
bad_what() {
	case $1 in
	forged) echo "signed by key $(fingerprint b), which the signers file does not list for a" ;;
	unsigned) echo "not signed, and the signers file wants every frame signed by its origin" ;;
	manifest | data) echo "bad signature (key $(fingerprint a))" ;;
	revoked) echo "signed by key $(fingerprint a-old), which the signers file does not list for a" ;;
	noline) echo "signed by key $(fingerprint c), which the signers file does not list for c" ;;
	esac
}

@test "a hub's forced receiver refuses each bad frame, says so, and stores the rest" {
	local pack lsns
	hub_forced
	for pack in $BAD_PACKS; do
		rm -rf hub local
		# good, then the bad frame, then b's first frame: the receiver
		# reads on past the bad one.
		{
			cat "$W/good.pack" "$W/$pack.pack"
			gen_payments 20 10 b 3001 | pgmesh-pack --sign "$KEYS/b"
		} >stream.pack
		run -65 --separate-stderr "${SHIP[@]}" - "$URL/anything" local <stream.pack
		lsns="origin a, LSN 0/650000 to 0/660000"
		[ "$pack" != noline ] || lsns="origin c, LSN 0/10000 to 0/20000"
		# The receiver's words, through the protocol, as its sender
		# reports them; the other frames were taken.
		assert_contains "$stderr" "pgmesh-ship: $URL/anything: refused the frame of $lsns, as bad (never stored): $(bad_what "$pack")"
		assert_contains "$stderr" "pgmesh-ship: notice: $URL/anything: ok, 10 frames ("
		assert_contains "$stderr" "0 already there, 1 refused"
		# Nothing of it stored; a's frames before it and b's after it are.
		assert_equal "$(find hub -name '0000000000650000-*' | wc -l)" 0
		assert_equal "$(find hub -path '*/c/*' | wc -l)" 0
		assert_equal "$(frames hub/a | wc -l)" 8
		assert_equal "$(frames hub/b | wc -l)" 1
		# The other destination (no signers here) got everything.
		assert_equal "$(frames local | wc -l)" 10
	done
}

@test "the hub's acknowledged head stops before a refused frame" {
	hub_forced
	cat "$W/good.pack" "$W/forged.pack" >stream.pack
	run -65 "${SHIP[@]}" - "$URL/x" <stream.pack
	run -0 pgmesh-ship --position --origin a hub
	assert_equal "$output" "0/640000"
	# The real frame comes next time; the hub takes it.
	run -0 --separate-stderr "${SHIP[@]}" - "$URL/x" <"$W/signed.pack"
	run -0 pgmesh-ship --position --origin a hub
	assert_equal "$output" "0/660000"
}

@test "--receive - --signers passes on only signed frames" {
	cat "$W/good.pack" "$W/unsigned.pack" "$W/signed.pack" >stream.pack
	run -65 --separate-stderr bash -c 'pgmesh-ship --receive - --signers "$1" >out.pack' - "$W/signers" <stream.pack
	assert_equal "$stderr" "pgmesh-ship: stdin: frame at byte $(stat -c %s "$W/good.pack"): origin a, LSN 0/650000 to 0/660000: $(bad_what unsigned)"
	cat "$W/good.pack" "$W/signed.pack" | cmp - out.pack
}

@test "--listen --signers refuses bad frames of a connection and takes the rest" {
	pgmesh-ship --listen "127.0.0.1:$PORT" --receive spool --signers "$W/signers" 2>listener.err 3>&- &
	LISTENER=$!
	wait_until 10 listening "$PORT"
	cat "$W/good.pack" "$W/revoked.pack" "$W/signed.pack" >stream.pack
	run -0 pgmesh-ship "tcp://127.0.0.1:$PORT" <stream.pack
	wait_until 30 grep -q 'bad frames refused' listener.err
	assert_contains "$(cat listener.err)" "origin a, LSN 0/650000 to 0/660000: $(bad_what revoked)"
	assert_contains "$(cat listener.err)" "pgmesh-ship: tcp peer 127.0.0.1: 1 bad frames refused, the others taken"
	# The frame of the same LSNs that a signed came after it, and went in.
	assert_equal "$(frames spool/a | wc -l)" 9
	cmp spool/a/0000000000650000-* "$W/signed.pack"
}

@test "a sender --signers sets its spool's bad frames aside and sends the rest" {
	mkdir outbox
	pgmesh-ship outbox <"$W/good.pack" 2>/dev/null
	pgmesh-ship outbox <"$W/forged.pack" 2>/dev/null
	run -65 --separate-stderr pgmesh-ship --signers "$W/signers" outbox peer1 peer2
	assert_contains "$stderr" "origin a, LSN 0/650000 to 0/660000: $(bad_what forged)"
	assert_contains "$stderr" "a damaged frame, or one not signed by its origin; moved into outbox/.quarantine/a"
	assert_equal "$(frames peer1 | wc -l)" 8
	assert_equal "$(frames peer2 | wc -l)" 8
	# From a stream, a bad frame ends the source, as a damaged one does.
	run -65 --separate-stderr pgmesh-ship --signers "$W/signers" - peer3 <"$W/forged.pack"
	[ ! -d peer3/a ]
}

@test "a signed stream through a hub, over ssh and tcp, to two peers: equal" {
	local p
	for p in p1 p2; do
		pg_sql dst "CREATE DATABASE $p"
		pg_sql dst "$p" "$PAYMENTS_SQL"
	done
	# Peer a's signed outbox to the hub, whose forced command checks it.
	mkdir outbox
	pgmesh-ship outbox <"$W/good.pack" 2>/dev/null
	pgmesh-ship outbox <"$W/signed.pack" 2>/dev/null
	hub_forced
	run -0 "${SHIP[@]}" outbox "$URL/x"
	# The hub forwards, checking again: to p1 over tcp, to p2's inbox.
	pgmesh-ship --listen "127.0.0.1:$PORT" --receive inbox1 --signers "$W/signers" \
		--apply "$(pg_conninfo dst p1)" --allow 'a:public.payments' 2>listener.err 3>&- &
	LISTENER=$!
	wait_until 10 listening "$PORT"
	run -0 pgmesh-ship --signers "$W/signers" hub "tcp://127.0.0.1:$PORT" inbox2
	run -0 pgmesh-apply -d "$(pg_conninfo dst p2)" --allow 'a:public.payments' --signers "$W/signers" inbox2
	wait_until 30 p1_has 1020
	run -0 pgmesh-verify -d "$(pg_conninfo dst p1)" --digest
	pgmesh-verify -d "$(pg_conninfo dst p2)" --digest | pgmesh-verify -d "$(pg_conninfo dst p1)" --compare -
	assert_equal "$(pg_sql dst p2 "SELECT count(*) FROM payments")" 1020
}

p1_has() {
	[ "$(pg_sql dst p1 "SELECT count(*) FROM payments")" = "$1" ]
}

@test "--signers: a bad file is 78, and --position takes none" {
	run -78 --separate-stderr pgmesh-ship --receive spool --signers none </dev/null
	assert_equal "$stderr" "pgmesh-ship: none: No such file or directory"
	run -64 --separate-stderr pgmesh-ship --position --signers "$W/signers" spool
	assert_contains "$stderr" "pgmesh-ship: --position takes one spool directory"
}
