# pgmesh-pack --sign and pgmesh-pack -d --signers: every frame signed by
# the node's key, in a form ssh-keygen -Y verify checks on its own; a
# frame forged, unsigned, changed after signing, signed by a revoked key
# or for an origin with no line refused, with nothing of it written; a
# key being rotated.
load helpers/common
load helpers/apply
load helpers/sign
bats_require_minimum_version 1.5.0

FRAMES=$TESTS_DIR/fixtures/pack-frames
SIGNED=$TESTS_DIR/fixtures/frame-signed

setup_file() {
	export W=$BATS_FILE_TMPDIR
	sign_setup "$W"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "every frame verifies with ssh-keygen -Y verify, for its origin only" {
	# (not i: bats' run sets an i of its own)
	local n nth
	n=$("$FRAMES" <"$W/good.pack" | wc -l)
	[ "$n" -gt 5 ]
	for ((nth = 1; nth <= n; nth++)); do
		"$SIGNED" "$nth" f <"$W/good.pack"
		run -0 ssh-keygen -Y verify -f "$W/signers" -I a -n pgmesh -s f.sig <f.msg
		assert_equal "$output" "Good \"pgmesh\" signature for a with ED25519 key $(fingerprint a)"
		run -255 ssh-keygen -Y verify -f "$W/signers" -I b -n pgmesh -s f.sig <f.msg
	done
	# One byte of what was signed changed: ssh-keygen refuses it too.
	perl -0777 -pi -e 's/payments/paymentz/' f.msg
	run -255 ssh-keygen -Y verify -f "$W/signers" -I a -n pgmesh -s f.sig <f.msg
}

@test "pack -d --signers: a signed stream comes back byte for byte" {
	gen_payments 1000 10 a >want.txt
	run -0 --separate-stderr pgmesh-pack -d --signers "$W/signers" "$W/good.pack"
	assert_equal "$output" "$(cat want.txt)"
	assert_equal "$stderr" ""
	# Signing changes nothing else of a frame.
	pgmesh-pack --frame-bytes 8k want.txt | pgmesh-pack -d | cmp - want.txt
}

# refused PACK MESSAGE: pack -d --signers refuses the one frame of PACK
# with MESSAGE, writing nothing of it (the stream's header line only).
refused() {
	run -65 --separate-stderr pgmesh-pack -d --signers "$W/signers" "$W/$1"
	assert_equal "$stderr" "pgmesh-pack: $W/$1: frame at byte 0: $2"
	assert_equal "$output" "#pgmesh	1"
}

@test "pack -d --signers refuses a frame of a signed by b's key" {
	refused forged.pack "origin a, LSN 0/650000 to 0/660000: signed by key $(fingerprint b), which the signers file does not list for a"
	# Without --signers it is a frame like any other.
	run -0 pgmesh-pack -d "$W/forged.pack"
}

@test "pack -d --signers refuses an unsigned frame" {
	refused unsigned.pack "origin a, LSN 0/650000 to 0/660000: not signed, and the signers file wants every frame signed by its origin"
}

@test "pack -d --signers refuses a frame whose manifest changed after signing" {
	refused manifest.pack "origin a, LSN 0/650000 to 0/660000: bad signature (key $(fingerprint a))"
}

@test "pack -d --signers refuses a frame whose data changed after signing" {
	refused data.pack "origin a, LSN 0/650000 to 0/660000: bad signature (key $(fingerprint a))"
	# Without a signature, only the SHA-256 could tell, and it was forged.
	run -65 --separate-stderr pgmesh-pack -d "$W/data.pack"
	assert_contains "$stderr" "pgmesh-pack: $W/data.pack: frame at byte 0: "
}

@test "pack -d --signers refuses a frame signed by a key whose line was removed" {
	refused revoked.pack "origin a, LSN 0/650000 to 0/660000: signed by key $(fingerprint a-old), which the signers file does not list for a"
}

@test "pack -d --signers refuses a frame of an origin with no line" {
	refused noline.pack "origin c, LSN 0/10000 to 0/20000: signed by key $(fingerprint c), which the signers file does not list for c"
}

@test "pack -d --signers refuses format 1 frames, which are unsigned" {
	run -65 --separate-stderr pgmesh-pack -d --signers "$W/signers" "$TESTS_DIR/fixtures/format1.pack"
	assert_equal "$stderr" "pgmesh-pack: $TESTS_DIR/fixtures/format1.pack: frame at byte 0: origin a, LSN 0/100 to 0/100: not signed, and the signers file wants every frame signed by its origin"
	assert_equal "$output" "#pgmesh	1"
}

@test "a bad frame after good ones: what came before is written, nothing of it" {
	cat "$W/good.pack" "$W/forged.pack" >mixed.pack
	run -65 --separate-stderr pgmesh-pack -d --signers "$W/signers" mixed.pack
	assert_equal "$output" "$(gen_payments 1000 10 a)"
	assert_contains "$stderr" "signed by key $(fingerprint b), which the signers file does not list for a"
}

@test "rotation: old and new key both taken while both are listed, then only the new" {
	gen_payments 20 10 a 1001 | pgmesh-pack --sign "$KEYS/a-old" >old.pack
	cp "$W/signers" both
	echo "a $(cat "$KEYS/a-old.pub")" >>both
	run -0 pgmesh-pack -d --signers both old.pack
	run -0 pgmesh-pack -d --signers both "$W/signed.pack"
	# The old line removed: frames the old key signed are refused.
	run -65 pgmesh-pack -d --signers "$W/signers" old.pack
	run -0 pgmesh-pack -d --signers "$W/signers" "$W/signed.pack"
}

@test "pack --sign refuses an encrypted key, or one others may read, writing nothing" {
	ssh-keygen -q -t ed25519 -N secret -f enc
	run -78 --separate-stderr pgmesh-pack --sign enc -o out.pack /dev/null
	assert_equal "$stderr" "pgmesh-pack: enc: the key is encrypted with a passphrase, which cron cannot type: remove the passphrase with ssh-keygen -p -N '' -f enc"
	[ ! -e out.pack ]
	cp "$KEYS/a" open
	chmod 644 open
	run -78 --separate-stderr pgmesh-pack --sign open -o out.pack /dev/null
	assert_equal "$stderr" "pgmesh-pack: open: group or others may access it (mode 0644): chmod 600 open"
	[ ! -e out.pack ]
}

@test "bad usage and a bad signers file" {
	run -64 --separate-stderr pgmesh-pack --signers "$W/signers" /dev/null
	assert_equal "$stderr" "pgmesh-pack: --signers checks what -d reads: change text cannot be signed"
	run -64 --separate-stderr pgmesh-pack -d --sign "$KEYS/a" /dev/null
	assert_equal "$stderr" "pgmesh-pack: -l, --frame-bytes, --frame-ms and --sign are for packing, not with -d"
	echo "a ssh-rsa AAAA" >bad-signers
	run -78 --separate-stderr pgmesh-pack -d --signers bad-signers "$W/good.pack"
	assert_equal "$stderr" "pgmesh-pack: bad-signers:1: not an ssh-ed25519 key"
	assert_equal "$output" ""
	run -78 --separate-stderr pgmesh-pack -d --signers none "$W/good.pack"
	assert_equal "$stderr" "pgmesh-pack: none: No such file or directory"
}
