# pgmesh-apply --signers: only frames signed by a key listed for their
# origin are applied, from streams and from spools; every other frame is
# refused with nothing of it applied and the origin's progress unchanged;
# grants judge the proven origin; a hub's key signs for an origin only
# where the origin's lines list it.
load helpers/common
load helpers/apply
load helpers/sign
bats_require_minimum_version 1.5.0

setup_file() {
	export W=$BATS_FILE_TMPDIR
	sign_setup "$W"
	pg_start dst
}

teardown_file() {
	pg_stop_all
}

setup() {
	apply_setup
}

apply() {
	pgmesh-apply -d "$DB" --allow '*:public.payments' --signers "$W/signers" "$@"
}

position() {
	pgmesh-apply -d "$DB" --position --origin "$1"
}

@test "a signed stream is applied, frame after frame" {
	run -0 --separate-stderr apply "$W/good.pack" "$W/signed.pack"
	assert_equal "$stderr" ""
	run -0 sql "SELECT count(*), max(id) FROM payments"
	assert_equal "$output" "1020|1020"
	run -0 position a
	assert_equal "$output" "0/660000"
}

# refused PACK MESSAGE: apply refuses the one frame of PACK with MESSAGE,
# after good.pack was applied: no row of it, a's progress where it was.
refused() {
	run -65 --separate-stderr apply "$W/$1"
	assert_equal "$stderr" "pgmesh-apply: $W/$1: frame at byte 0: $2"
	run -0 sql "SELECT count(*), max(id) FROM payments"
	assert_equal "$output" "1000|1000"
	run -0 position a
	assert_equal "$output" "0/640000"
}

@test "from a stream, every frame not signed by its origin is refused, nothing applied" {
	local b a_old
	b=$(fingerprint b)
	a_old=$(fingerprint a-old)
	run -0 apply "$W/good.pack"
	refused forged.pack "origin a, LSN 0/650000 to 0/660000: signed by key $b, which the signers file does not list for a"
	refused unsigned.pack "origin a, LSN 0/650000 to 0/660000: not signed, and the signers file wants every frame signed by its origin"
	refused manifest.pack "origin a, LSN 0/650000 to 0/660000: bad signature (key $(fingerprint a))"
	refused data.pack "origin a, LSN 0/650000 to 0/660000: bad signature (key $(fingerprint a))"
	refused revoked.pack "origin a, LSN 0/650000 to 0/660000: signed by key $a_old, which the signers file does not list for a"
	run -65 --separate-stderr apply "$W/noline.pack"
	assert_equal "$stderr" "pgmesh-apply: $W/noline.pack: frame at byte 0: origin c, LSN 0/10000 to 0/20000: signed by key $(fingerprint c), which the signers file does not list for c"
	run -0 sql "SELECT count(*) FROM payments WHERE id > 5000"
	assert_equal "$output" "0"
	run -0 position c
	assert_equal "$output" "0/0"
}

@test "the forgery: b writes in a's name to silence a; refused, a's progress kept" {
	run -0 apply "$W/good.pack"
	# One row claimed to be a's, at the highest LSN there is, signed by b.
	{
		printf '#pgmesh\t1\n'
		printf 'B\ta\tFFFFFFFF/FFFFFF00\t2026-11-21 13:16:41.123456+00\t1\n'
		gen_payments 1 1 a 9001 | grep -E '^(T|I)'
		printf 'C\ta\tFFFFFFFF/FFFFFF00\n'
	} >forged.txt
	pgmesh-pack --sign "$KEYS/b" forged.txt >forged.pack
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow a:public.payments --signers "$W/signers" forged.pack
	assert_equal "$stderr" "pgmesh-apply: forged.pack: frame at byte 0: origin a, LSN FFFFFFFF/FFFFFF00 to FFFFFFFF/FFFFFF00: signed by key $(fingerprint b), which the signers file does not list for a"
	# Change text proves nothing: refused whole.
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow a:public.payments --signers "$W/signers" forged.txt
	assert_equal "$stderr" "pgmesh-apply: forged.txt: change text cannot be signed, and --signers takes only frames signed by their origin"
	run -0 sql "SELECT count(*), max(id) FROM payments"
	assert_equal "$output" "1000|1000"
	run -0 position a
	assert_equal "$output" "0/640000"
	# a's next real transactions still go in.
	run -0 apply "$W/signed.pack"
	run -0 position a
	assert_equal "$output" "0/660000"
}

@test "in a spool, a frame not signed by its origin is quarantined; its origin waits, others go on (65)" {
	local f
	mkdir spool
	pgmesh-ship spool/ <"$W/good.pack" 2>/dev/null
	pgmesh-ship spool/ <"$W/forged.pack" 2>/dev/null
	gen_payments 20 10 b 2001 | from_genesis | pgmesh-pack --sign "$KEYS/b" |
		pgmesh-ship spool/ 2>/dev/null
	# a's frame after the forged one, signed well: it waits behind it.
	gen_payments 20 10 a 1021 | pgmesh-pack --sign "$KEYS/a" |
		pgmesh-ship spool/ 2>/dev/null
	f=$(find spool/a -name '*.pack' | sort | sed -n '\|0000000000650000|p')
	[ -n "$f" ]
	run -65 --separate-stderr apply spool
	assert_contains "$stderr" "pgmesh-apply: $f: frame at byte 0: origin a, LSN 0/650000 to 0/660000: signed by key $(fingerprint b), which the signers file does not list for a"
	assert_contains "$stderr" "pgmesh-apply: warning: $f: a damaged frame, or one not signed by its origin; moved into spool/.quarantine/a"
	assert_contains "$stderr" "pgmesh-apply: origin a: its transactions after 0/640000 up to 0/660000 are missing here; transactions held back: 2 (LSN 0/670000 to 0/680000)"
	[ -f "spool/.quarantine/a/${f##*/}" ]
	run -0 sql "SELECT count(*) FILTER (WHERE id <= 1020), count(*) FILTER (WHERE id > 1020 AND id < 2000), count(*) FILTER (WHERE id > 2000) FROM payments"
	assert_equal "$output" "1000|0|20"
	run -0 position a
	assert_equal "$output" "0/640000"
	# The real frame comes: the rest of a goes in.
	pgmesh-ship spool/ <"$W/signed.pack" 2>/dev/null
	run -0 --separate-stderr apply spool
	run -0 sql "SELECT count(*) FILTER (WHERE id < 2000) FROM payments"
	assert_equal "$output" "1040"
}

@test "relayed rows re-signed by a hub: taken only where a's lines list the hub's key" {
	cp "$W/signers" own
	cp "$W/signers" with-hub
	echo "a $(cat "$KEYS/c.pub") hub c relays a" >>with-hub
	run -0 apply "$W/good.pack"
	gen_payments 20 10 a 1001 | pgmesh-pack --sign "$KEYS/c" >relayed.pack
	run -65 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --signers own relayed.pack
	assert_equal "$stderr" "pgmesh-apply: relayed.pack: frame at byte 0: origin a, LSN 0/650000 to 0/660000: signed by key $(fingerprint c), which the signers file does not list for a"
	run -0 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --signers with-hub relayed.pack
	assert_equal "$stderr" ""
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "1020"
}

@test "--signers: a bad file stops apply before anything is read (78)" {
	echo "a ssh-ed25519" >bad
	run -78 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --signers bad "$W/good.pack"
	assert_contains "$stderr" "pgmesh-apply: bad:1: "
	run -78 --separate-stderr pgmesh-apply -d "$DB" --allow '*:*' --signers none "$W/good.pack"
	assert_equal "$stderr" "pgmesh-apply: none: No such file or directory"
	run -0 sql "SELECT count(*) FROM payments"
	assert_equal "$output" "0"
}
