# A regional hub: two peers ship their outboxes to the hub's spool over
# ssh, the hub forwards to every peer (never a peer's own rows back), each
# peer applies its inbox, and the hub prunes what everyone holds.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/sshd

TABLE='CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric(12,2), memo text)'

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	sshd_start "$BATS_FILE_TMPDIR/sshd"
	for peer in a b c; do
		pg_start "$peer"
		pg_sql "$peer" "$TABLE"
		pgmesh-capture -d "$(pg_conninfo "$peer")" -S outbox --node "$peer" --init
	done
}

teardown_file() {
	sshd_stop
	pg_stop_all
}

setup() {
	cd "$BATS_FILE_TMPDIR"
	SHIP=(pgmesh-ship -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o LogLevel=ERROR -i "$SSH_KEY" --remote-ship "$PGMESH_BIN/pgmesh-ship")
	HUB="ssh://root@127.0.0.1:$SSHD_PORT$BATS_FILE_TMPDIR"
}

# peer_round PEER: what cron does on a peer: own changes into the outbox,
# the outbox to the hub.
peer_round() {
	pgmesh-capture -d "$(pg_conninfo "$1")" -S outbox --node "$1" --drain |
		pgmesh-pack --frame-bytes 16000 | pgmesh-ship "outbox-$1"
	"${SHIP[@]}" "outbox-$1" "$HUB/hub"
}

# hub_round: the hub forwards its spool to every peer's inbox and prunes.
hub_round() {
	"${SHIP[@]}" --prune hub a="$HUB/inbox-a" b="$HUB/inbox-b" c="$HUB/inbox-c"
}

apply_inbox() {
	pgmesh-apply -d "$(pg_conninfo "$1")" --allow '*:*' "inbox-$1"
}

ids() {
	pg_sql "$1" "SELECT count(*), count(DISTINCT id), sum(id) FROM payments"
}

@test "two peers through a hub: everyone gets everything once, nobody its own rows" {
	pg_sql a "INSERT INTO payments SELECT i, 1, 'a' FROM generate_series(1, 1500) i"
	pg_sql b "INSERT INTO payments SELECT i, 2, 'b' FROM generate_series(100001, 101200) i"
	peer_round a 2>/dev/null
	peer_round b 2>/dev/null
	run -0 --separate-stderr hub_round
	assert_equal "${#stderr_lines[@]}" 3
	for peer in a b c; do apply_inbox "$peer" 2>/dev/null; done

	# Neither peer was sent its own rows back.
	[ ! -e inbox-a/a ]
	[ -d inbox-a/b ]
	[ ! -e inbox-b/b ]
	[ -d inbox-b/a ]
	# The third peer holds both peers' frames exactly as they left them.
	cat inbox-c/a/*.pack | cmp - <(cat outbox-a/a/*.pack)
	cat inbox-c/b/*.pack | cmp - <(cat outbox-b/b/*.pack)
	local want
	want=$(pg_sql a "SELECT 2700, 2700, sum(i) FROM (SELECT generate_series(1, 1500) i
		UNION ALL SELECT generate_series(100001, 101200)) s" | tr -d ' ')
	assert_equal "$(ids a)" "$want"
	assert_equal "$(ids b)" "$want"
	assert_equal "$(ids c)" "$want"
	# Everyone acknowledged everything: the hub keeps no frame, and its
	# base says where each origin stands.
	assert_equal "$(find hub -name '*.pack' | wc -l)" 0
	assert_equal "$(cut -d' ' -f1 hub/.base | tr '\n' ' ')" "a b "
	[ -f hub/.acked/a ]
	[ -f hub/.acked/b ]
	[ -f hub/.acked/c ]
}

@test "the next rounds carry new rows, and relayed rows do not come back" {
	pg_sql a "INSERT INTO payments SELECT i, 1, 'a again' FROM generate_series(2001, 2300) i"
	# a's capture now also re-emits b's rows it applied (with origin b):
	# the hub already holds them and takes nothing twice.
	peer_round a 2>/dev/null
	peer_round b 2>/dev/null
	run -0 --separate-stderr hub_round
	for peer in a b c; do apply_inbox "$peer" 2>/dev/null; done
	# And a second time round changes nothing.
	peer_round a 2>/dev/null
	run -0 --separate-stderr hub_round
	for line in "${stderr_lines[@]}"; do
		assert_contains "$line" ": ok, 0 frames (0 bytes)"
	done
	for peer in a b c; do apply_inbox "$peer" 2>/dev/null; done
	[ ! -e inbox-a/a ]
	[ ! -e inbox-b/b ]
	assert_equal "$(ids a)" "$(ids c)"
	assert_equal "$(ids b)" "$(ids c)"
	assert_equal "$(pg_sql c "SELECT count(*) FROM payments WHERE memo = 'a again'")" 300
	assert_equal "$(pg_sql c "SELECT count(*) FROM payments")" 3000
	assert_equal "$(find hub -name '*.pack' | wc -l)" 0
}
