# pgmesh-verify --signers: every frame not signed by a key listed for its
# origin is a problem, named with its origin, LSNs and key; the check a
# key's retirement waits for.
load helpers/common
load helpers/apply
load helpers/sign
bats_require_minimum_version 1.5.0

setup_file() {
	export W=$BATS_FILE_TMPDIR
	sign_setup "$W"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "a signed stream and spool verify" {
	mkdir spool
	pgmesh-ship spool/ <"$W/good.pack" 2>/dev/null
	run -0 --separate-stderr pgmesh-verify --signers "$W/signers" "$W/good.pack" "$W/signed.pack"
	assert_equal "$stderr" ""
	assert_equal "${lines[-1]}" "problems 0"
	run -0 --separate-stderr pgmesh-verify --signers "$W/signers" spool
	assert_equal "$stderr" ""
}

@test "every frame not signed by its origin is a problem, named with its key" {
	local pack what
	declare -A why=(
		[forged.pack]="origin a, LSN 0/650000 to 0/660000: signed by key $(fingerprint b), which the signers file does not list for a"
		[unsigned.pack]="origin a, LSN 0/650000 to 0/660000: not signed, and the signers file wants every frame signed by its origin"
		[manifest.pack]="origin a, LSN 0/650000 to 0/660000: bad signature (key $(fingerprint a))"
		[data.pack]="origin a, LSN 0/650000 to 0/660000: bad signature (key $(fingerprint a))"
		[revoked.pack]="origin a, LSN 0/650000 to 0/660000: signed by key $(fingerprint a-old), which the signers file does not list for a"
		[noline.pack]="origin c, LSN 0/10000 to 0/20000: signed by key $(fingerprint c), which the signers file does not list for c"
	)
	for pack in "${!why[@]}"; do
		# After a good stream: the bad frame is named at its offset.
		cat "$W/good.pack" "$W/$pack" >mixed.pack
		run -1 --separate-stderr pgmesh-verify --signers "$W/signers" mixed.pack
		what=${why[$pack]}
		assert_equal "$stderr" "pgmesh-verify: mixed.pack: frame at byte $(stat -c %s "$W/good.pack"): $what"
		assert_equal "${lines[-1]}" "problems 1"
	done
	# Change text cannot be signed.
	gen_payments 3 1 a >text
	run -1 --separate-stderr pgmesh-verify --signers "$W/signers" text
	assert_equal "$stderr" "pgmesh-verify: text: byte 0: change text cannot be signed, and --signers wants every transaction signed by its origin"
}

@test "rotation: verify says when no spool holds a frame the old key signed" {
	mkdir spool
	cp "$W/signers" both
	echo "a $(cat "$KEYS/a-old.pub")" >>both
	# Before the switch: a signed with its old key.
	gen_payments 1000 10 a | pgmesh-pack --sign "$KEYS/a-old" | pgmesh-ship spool/ 2>/dev/null
	# After: with the new one.
	pgmesh-ship spool/ <"$W/signed.pack" 2>/dev/null
	run -0 pgmesh-verify --signers both spool
	# Without the old line, the frames it signed are listed.
	run -1 --separate-stderr pgmesh-verify --signers "$W/signers" spool
	assert_equal "${lines[-1]}" "problems 1"
	assert_contains "$stderr" "signed by key $(fingerprint a-old), which the signers file does not list for a"
	# Once they are gone (consumed and pruned), nothing depends on the old key.
	find spool/a -name '*.pack' ! -name '*0000000000650000*' -delete
	run -0 --separate-stderr pgmesh-verify --signers "$W/signers" spool
	assert_equal "$stderr" ""
}

@test "--signers: only with streams; a bad file is 78" {
	run -64 --separate-stderr pgmesh-verify -d dbname=x --digest --signers "$W/signers"
	assert_equal "$stderr" "pgmesh-verify: --signers goes with stream mode or --lag"
	run -78 --separate-stderr pgmesh-verify --signers none "$W/good.pack"
	assert_equal "$stderr" "pgmesh-verify: none: No such file or directory"
}
