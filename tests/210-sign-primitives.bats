# The signing modules of src/common (sshkey, sshprivkey, sshsig, signers)
# held against OpenSSH's own ssh-keygen through their test driver,
# tests/unit/sigtool: the same fingerprints, signatures each side accepts
# from the other, every changed bit refused, and damaged keys, signatures
# and signers lines refused with a message that says what is wrong.
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	# The driver built like the programs under test: under make
	# check-asan, with the sanitizers.
	case $PGMESH_BIN in
	*/asan) SIGTOOL=$TESTS_DIR/unit/asan/sigtool ;;
	*) SIGTOOL=$TESTS_DIR/unit/sigtool ;;
	esac
	make -s -C "$REPO_DIR" "${SIGTOOL#"$REPO_DIR"/}" >&2
	export SIGTOOL K=$BATS_FILE_TMPDIR
	ssh-keygen -q -t ed25519 -N '' -C node-a -f "$K/node-a"
	ssh-keygen -q -t ed25519 -N '' -C node-b -f "$K/node-b"
	printf 'the manifest of a frame\n' >"$K/msg"
	{
		echo "# who signs for whom"
		echo "node-a $(cat "$K/node-a.pub")"
		echo "node-b $(cat "$K/node-b.pub")"
	} >"$K/signers"
}

sigtool() {
	"$SIGTOOL" "$@"
}

# fingerprint KEY: what ssh-keygen -l prints of it.
fingerprint() {
	ssh-keygen -l -f "$1" | cut -d' ' -f2
}

# armor LABEL: the armored form of stdin, as ssh-keygen writes it.
armor() {
	echo "-----BEGIN $1-----"
	base64 -w 70
	echo "-----END $1-----"
}

# blob FILE: the blob of the armored FILE.
blob() {
	sed '1d;$d' "$1" | base64 -d
}

# flip_digit C: the base64 digit whose value is C's with its lowest bit
# inverted.
flip_digit() {
	local digits=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
	local before=${digits%%"$1"*}
	echo "${digits:$((${#before} ^ 1)):1}"
}

@test "fingerprints of public and private keys are those of ssh-keygen -l" {
	local key
	for key in node-a node-b; do
		run -0 --separate-stderr sigtool fingerprint "$K/$key.pub"
		assert_equal "$output" "$(fingerprint "$K/$key.pub")"
		run -0 --separate-stderr sigtool fingerprint-private "$K/$key"
		assert_equal "$output" "$(fingerprint "$K/$key.pub")"
	done
}

@test "a signature is ssh-keygen -Y sign's, byte for byte, and it verifies it" {
	local msg
	# Ed25519 is deterministic: the same key, namespace and message
	# make the same signature.  An empty message and a binary one too.
	: >"$BATS_TEST_TMPDIR/empty"
	for msg in "$K/msg" "$BATS_TEST_TMPDIR/empty" "$SIGTOOL"; do
		sigtool sign "$K/node-a" "$msg" >"$BATS_TEST_TMPDIR/ours.sig"
		ssh-keygen -Y sign -f "$K/node-a" -n pgmesh <"$msg" \
		    >"$BATS_TEST_TMPDIR/theirs.sig" 2>/dev/null
		run -0 cmp "$BATS_TEST_TMPDIR/ours.sig" "$BATS_TEST_TMPDIR/theirs.sig"
		run -0 ssh-keygen -Y verify -f "$K/signers" -I node-a -n pgmesh \
		    -s "$BATS_TEST_TMPDIR/ours.sig" <"$msg"
	done
	run -0 awk 'length($0) > 70' "$BATS_TEST_TMPDIR/ours.sig"
	assert_equal "$output" ""
}

@test "a signature by ssh-keygen -Y sign verifies and names its key" {
	ssh-keygen -Y sign -f "$K/node-b" -n pgmesh "$K/msg" 2>/dev/null
	run -0 --separate-stderr sigtool verify "$K/msg" "$K/msg.sig"
	assert_equal "$output" "$(fingerprint "$K/node-b.pub")"
	assert_equal "$stderr" ""
	rm "$K/msg.sig"
}

@test "one changed bit anywhere in the message or the signature is refused" {
	local sig=$BATS_TEST_TMPDIR/msg.sig bits
	sigtool sign "$K/node-a" "$K/msg" >"$sig"
	# 176 bytes of blob, 24 of message.
	bits=$(((176 + 24) * 8))
	run -0 --separate-stderr sigtool flips "$K/msg" "$sig"
	assert_equal "$output" "0 of $bits accepted"
	ssh-keygen -Y sign -f "$K/node-b" -n pgmesh <"$K/msg" >"$sig" 2>/dev/null
	run -0 --separate-stderr sigtool flips "$K/msg" "$sig"
	assert_equal "$output" "0 of $bits accepted"
}

@test "a signature made for another namespace is refused" {
	local sig=$BATS_TEST_TMPDIR/git.sig
	ssh-keygen -Y sign -f "$K/node-a" -n git <"$K/msg" >"$sig" 2>/dev/null
	run -1 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: signature made for another namespace"
	assert_equal "$output" ""
	run -0 --separate-stderr sigtool verify -n git "$K/msg" "$sig"
	assert_equal "$output" "$(fingerprint "$K/node-a.pub")"
	sigtool sign -n git "$K/node-a" "$K/msg" >"$sig"
	run -1 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: signature made for another namespace"
}

@test "a sha256 signature or another key type is refused" {
	local sig=$BATS_TEST_TMPDIR/msg.sig
	ssh-keygen -Y sign -f "$K/node-a" -n pgmesh -O hashalg=sha256 \
	    <"$K/msg" >"$sig" 2>/dev/null
	run -1 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: unsupported hash algorithm (only sha512)"
	ssh-keygen -q -t ecdsa -N '' -f "$BATS_TEST_TMPDIR/ecdsa"
	ssh-keygen -Y sign -f "$BATS_TEST_TMPDIR/ecdsa" -n pgmesh <"$K/msg" \
	    >"$sig" 2>/dev/null
	run -1 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: not an ssh-ed25519 key"
	run -65 --separate-stderr sigtool fingerprint-private "$BATS_TEST_TMPDIR/ecdsa"
	assert_equal "$stderr" "sigtool: $BATS_TEST_TMPDIR/ecdsa: not an ssh-ed25519 key"
	run -65 --separate-stderr sigtool fingerprint "$BATS_TEST_TMPDIR/ecdsa.pub"
	assert_equal "$stderr" "sigtool: $BATS_TEST_TMPDIR/ecdsa.pub: not an ssh-ed25519 key"
}

@test "a damaged armored signature is refused" {
	local sig=$BATS_TEST_TMPDIR/msg.sig last
	sigtool sign "$K/node-a" "$K/msg" >"$sig.good"
	sed '2s/^./*/' "$sig.good" >"$sig"
	run -65 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: bad base64"
	# The 176 bytes end in a group of two, padded with one '=': the last
	# digit's two unused bits set would write the same bytes another way.
	last=$(sed -n 5p "$sig.good")
	last=${last:0:-2}$(flip_digit "${last: -2:1}")=
	sed "5s|.*|$last|" "$sig.good" >"$sig"
	run -65 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: bad base64"
	sed '$d' "$sig.good" >"$sig"
	run -65 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: no END line"
	printf -- '-----BEGIN SSH SIGNATURE-----\nU\n-----END SSH SIGNATURE-----\n' >"$sig"
	run -65 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: bad base64"
	{ cat "$sig.good"; echo more; } >"$sig"
	run -65 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: text after the END line"
	# Padding before the last digit instead of after it.
	last=$(sed -n 5p "$sig.good")
	last=${last:0:-2}=${last: -2:1}
	sed "5s|.*|$last|" "$sig.good" >"$sig"
	run -65 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: bad base64"
	# The blob cut inside its signature field.
	blob "$sig.good" | head -c 100 | armor 'SSH SIGNATURE' >"$sig"
	run -1 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: truncated signature"
}

@test "a signature whose reserved field is not empty is refused" {
	local sig=$BATS_TEST_TMPDIR/msg.sig blob=$BATS_TEST_TMPDIR/blob
	sigtool sign "$K/node-a" "$K/msg" >"$sig.good"
	blob "$sig.good" >"$blob"
	# The reserved field's length is at bytes 75-78 of the blob: magic,
	# version, key (4 + 51) and namespace (4 + 6) come before it.
	{ head -c 75 "$blob"; printf '\0\0\0\1x'; tail -c +80 "$blob"; } |
	    armor 'SSH SIGNATURE' >"$sig"
	# OpenSSH ignores the field (it is not signed); pgmesh does not.
	run -0 ssh-keygen -Y verify -f "$K/signers" -I node-a -n pgmesh \
	    -s "$sig" <"$K/msg"
	run -1 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: reserved field of the signature not empty"
}

# bad_sig MESSAGE: the blob on stdin, armored, is refused with MESSAGE.
bad_sig() {
	local sig=$BATS_TEST_TMPDIR/bad.sig
	armor 'SSH SIGNATURE' >"$sig"
	run -1 --separate-stderr sigtool verify "$K/msg" "$sig"
	assert_equal "$stderr" "sigtool: $sig: $1"
}

@test "a signature with a byte added in a field or after it is refused" {
	local b=$BATS_TEST_TMPDIR/blob
	sigtool sign "$K/node-a" "$K/msg" >"$BATS_TEST_TMPDIR/good.sig"
	blob "$BATS_TEST_TMPDIR/good.sig" >"$b"
	# The blob: magic 0-5, version 6-9, key 10-64 (its wire form from
	# 14), namespace 65-74, reserved 75-78, hash 79-88, signature field
	# 89-175 (its content from 93).
	{ cat "$b"; printf x; } | bad_sig "data after the signature"
	{ head -c 89 "$b"; printf '\0\0\0\x54'; tail -c +94 "$b"; printf x; } |
	    bad_sig "malformed signature field"
	{ head -c 13 "$b"; printf '\x34'; tail -c +15 "$b" | head -c 51
	  printf x; tail -c +66 "$b"; } | bad_sig "malformed ssh-ed25519 public key"
}

@test "an encrypted private key is refused with how to remove the passphrase" {
	local key=$BATS_TEST_TMPDIR/enc
	ssh-keygen -q -t ed25519 -N secret -f "$key"
	run -65 --separate-stderr sigtool sign "$key" "$K/msg"
	assert_equal "$stderr" "sigtool: $key: the key is encrypted with a passphrase, which cron cannot type: remove the passphrase with ssh-keygen -p -N '' -f $key"
	assert_equal "$output" ""
	# The advice works (-P gives the old passphrase without a terminal).
	ssh-keygen -q -p -P secret -N '' -f "$key"
	run -0 --separate-stderr sigtool fingerprint-private "$key"
	assert_equal "$output" "$(fingerprint "$key.pub")"
}

@test "a private key that group or others may access is refused" {
	local key=$BATS_TEST_TMPDIR/node-a
	cp "$K/node-a" "$key"
	chmod 640 "$key"
	run -65 --separate-stderr sigtool sign "$key" "$K/msg"
	assert_equal "$stderr" "sigtool: $key: group or others may access it (mode 0640): chmod 600 $key"
	chmod 602 "$key"
	run -65 --separate-stderr sigtool sign "$key" "$K/msg"
	assert_equal "$stderr" "sigtool: $key: group or others may access it (mode 0602): chmod 600 $key"
}

@test "a private key file cut anywhere is refused" {
	local len
	len=$(wc -c <"$K/node-a")
	# Every prefix, parsed in one process: only the one without the
	# final line break is a key.
	run -0 --separate-stderr sigtool cuts "$K/node-a"
	assert_equal "$output" "$((len - 1))"
	run -0 grep -c "^sigtool: $K/node-a: " <<<"$stderr"
	assert_equal "$output" "$((len - 1))"
	head -c 200 "$K/node-a" >"$BATS_TEST_TMPDIR/cut"
	chmod 600 "$BATS_TEST_TMPDIR/cut"
	run -65 --separate-stderr sigtool sign "$BATS_TEST_TMPDIR/cut" "$K/msg"
	assert_equal "$stderr" "sigtool: $BATS_TEST_TMPDIR/cut: not an OpenSSH private key file (no END line)"
}

# bad_key: $BATS_TEST_TMPDIR/bad, a private key file of the blob on stdin.
bad_key() {
	armor 'OPENSSH PRIVATE KEY' >"$BATS_TEST_TMPDIR/bad"
	chmod 600 "$BATS_TEST_TMPDIR/bad"
}

# damage OFFSET HEX: bad_key of node-a's private key with the byte at
# OFFSET of its blob set to HEX, or with its bits inverted if HEX is
# "flip" (for bytes that are random).
damage() {
	local b=$BATS_TEST_TMPDIR/blob byte=$2
	blob "$K/node-a" >"$b"
	if [ "$byte" = flip ]; then
		byte=$(od -An -tu1 -j "$1" -N1 "$b")
		printf -v byte %02x $((byte ^ 255))
	fi
	printf "\\x$byte" | dd of="$b" bs=1 seek="$1" conv=notrunc status=none
	bad_key <"$b"
}

# refused MESSAGE: the bad key is refused with MESSAGE.
refused() {
	run -65 --separate-stderr sigtool sign "$BATS_TEST_TMPDIR/bad" "$K/msg"
	assert_equal "$stderr" "sigtool: $BATS_TEST_TMPDIR/bad: $1"
	assert_equal "$output" ""
}

@test "a private key damaged in any of its fields is refused" {
	local d="damaged OpenSSH private key" m="its public key is not its private key's"
	# Undamaged (the first byte set to what it is), it is the file itself.
	damage 0 6f
	run -0 cmp "$K/node-a" "$BATS_TEST_TMPDIR/bad"
	# The blob of a key with the comment node-a: magic 0-14, cipher
	# 15-22, kdf 23-30, kdf options 31-34, number of keys 35-38, public
	# key 39-93 (the key from 62), private section length 94-97, then
	# the section: check numbers 98-105, type 106-120, public key
	# 121-156 (from 125), private key 157-224 (seed from 161, public key
	# from 193), comment 225-234, padding 1 to 7 at 235-241.
	damage 0 4f
	refused "$d: no openssh-key-v1 magic"
	damage 22 66
	refused "the key is encrypted with a passphrase, which cron cannot type: remove the passphrase with ssh-keygen -p -N '' -f $BATS_TEST_TMPDIR/bad"
	damage 30 66
	refused "$d: a key derivation for a key not encrypted"
	damage 33 10
	refused "$d: truncated"
	damage 38 02
	refused "holds 2 keys, not one"
	damage 50 78
	refused "not an ssh-ed25519 key"
	damage 62 flip
	refused "$m"
	damage 97 98
	refused "$d: truncated"
	damage 97 88
	refused "$d: data after the private section"
	damage 101 flip
	refused "$d: check numbers differ"
	damage 112 78
	refused "$d: private key of another type than its public key"
	damage 125 flip
	refused "$m"
	damage 160 41
	refused "$d: malformed ssh-ed25519 private key"
	damage 161 flip
	refused "$m"
	damage 193 flip
	refused "$m"
	damage 228 20
	refused "$d: malformed ssh-ed25519 private key"
	damage 228 07
	refused "$d: bad padding"
	damage 241 08
	refused "$d: bad padding"
	# A whole block of padding, 1 to 15, and a section of 143 bytes.
	{ blob "$K/node-a" | head -c 97; printf '\x98'; blob "$K/node-a" |
	    tail -c +99; printf '\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f'; } | bad_key
	refused "$d: bad padding"
	{ blob "$K/node-a" | head -c 97; printf '\x8f'; blob "$K/node-a" |
	    tail -c +99 | head -c 143; } | bad_key
	refused "$d: private section not padded to its block"
}

@test "what is not a private key file is refused" {
	local bad=$BATS_TEST_TMPDIR/bad
	cp "$K/node-a.pub" "$bad"
	chmod 600 "$bad"
	run -65 --separate-stderr sigtool sign "$bad" "$K/msg"
	assert_equal "$stderr" "sigtool: $bad: not an OpenSSH private key file (does not start with its BEGIN line)"
	sed '3s/./*/' "$K/node-a" >"$bad"
	run -65 --separate-stderr sigtool sign "$bad" "$K/msg"
	assert_equal "$stderr" "sigtool: $bad: not an OpenSSH private key file (bad base64)"
	{ cat "$K/node-a"; cat "$K/node-b"; } >"$bad"
	run -65 --separate-stderr sigtool sign "$bad" "$K/msg"
	assert_equal "$stderr" "sigtool: $bad: not an OpenSSH private key file (text after the END line)"
	run -65 --separate-stderr sigtool sign "$BATS_TEST_TMPDIR/none" "$K/msg"
	assert_equal "$stderr" "sigtool: $BATS_TEST_TMPDIR/none: No such file or directory"
}

@test "signers: a listed key signs for its node only, a removed line for none" {
	run -0 sigtool signers "$K/signers" node-a "$K/node-a.pub"
	run -0 sigtool signers "$K/signers" node-b "$K/node-b.pub"
	run -1 sigtool signers "$K/signers" node-b "$K/node-a.pub"
	run -1 sigtool signers "$K/signers" node-c "$K/node-a.pub"
	grep -v '^node-b ' "$K/signers" >"$BATS_TEST_TMPDIR/signers"
	run -0 sigtool signers "$BATS_TEST_TMPDIR/signers" node-a "$K/node-a.pub"
	run -1 sigtool signers "$BATS_TEST_TMPDIR/signers" node-b "$K/node-b.pub"
}

@test "signers: a node has every key of its lines, among comments and blank lines" {
	local f=$BATS_TEST_TMPDIR/signers
	ssh-keygen -q -t ed25519 -N '' -f "$BATS_TEST_TMPDIR/new"
	{
		echo "# node-a's new key, then its old one"
		echo "  node-a	$(cat "$BATS_TEST_TMPDIR/new.pub")"
		echo
		echo "	"
		printf '\r\n'
		printf 'node-a %s\r\n' "$(cut -d' ' -f1,2 "$K/node-a.pub")"
		printf 'node-b %s' "$(cat "$K/node-b.pub")"
	} >"$f"
	run -0 sigtool signers "$f" node-a "$BATS_TEST_TMPDIR/new.pub"
	run -0 sigtool signers "$f" node-a "$K/node-a.pub"
	run -0 sigtool signers "$f" node-b "$K/node-b.pub"
	run -1 sigtool signers "$f" node-b "$BATS_TEST_TMPDIR/new.pub"
}

# bad_signers LINE MESSAGE: a signers file whose third line is LINE is
# refused with FILE:3: MESSAGE.
bad_signers() {
	local f=$BATS_TEST_TMPDIR/signers
	{ echo "# signers"; echo; echo "$1"; cat "$K/signers"; } >"$f"
	run -65 --separate-stderr sigtool signers "$f" node-a "$K/node-a.pub"
	assert_equal "$stderr" "sigtool: $f:3: $2"
}

@test "signers: a malformed line is reported with its file and line" {
	local key nodes="not NODE ssh-ed25519 KEY [comment], NODE 1 to 32 of a-z, 0-9, _ and -"
	key=$(cut -d' ' -f2 "$K/node-a.pub")
	bad_signers "Node-A ssh-ed25519 $key" "$nodes"
	bad_signers "node-a,node-b ssh-ed25519 $key" "$nodes"
	bad_signers "$(cat "$K/node-a.pub")" "$nodes"
	bad_signers "node-a" "not an ssh-ed25519 key"
	bad_signers "node-a ssh-ed25519" "no key after ssh-ed25519"
	bad_signers "node-a ssh-rsa $key" "not an ssh-ed25519 key"
	bad_signers "node-a ssh-ed25519 ${key:0:41}" "bad base64 in the key"
	bad_signers "node-a ssh-ed25519 ${key:0:64}" "malformed ssh-ed25519 public key"
	bad_signers "node-a ssh-ed25519 ${key}AAAA" "malformed ssh-ed25519 public key"
	bad_signers "node-a ssh-ed25519 $key $(printf '%01000d' 0)" "line longer than 1024 bytes"
}

@test "signers: bounded in keys and in size" {
	local f=$BATS_TEST_TMPDIR/signers line
	line="node-a $(cut -d' ' -f1,2 "$K/node-a.pub")"
	yes "$line" | head -n 10000 >"$f"
	run -0 sigtool signers "$f" node-a "$K/node-a.pub"
	echo "$line" >>"$f"
	run -65 --separate-stderr sigtool signers "$f" node-a "$K/node-a.pub"
	assert_equal "$stderr" "sigtool: $f:10001: more than 10000 keys"
	yes "#$line" | head -n 20000 >"$f"
	run -65 --separate-stderr sigtool signers "$f" node-a "$K/node-a.pub"
	assert_equal "$stderr" "sigtool: $f: larger than 1048576 bytes"
}
