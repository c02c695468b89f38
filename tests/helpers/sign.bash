# sign.bash: node keys, a signers file and frames signed well and badly,
# for the tests of signed frames at every reader.
#
#	sign_setup DIR     make them under DIR (see below); sets KEYS
#	fingerprint NODE   the fingerprint of NODE's key, as ssh-keygen -l
#	                   prints it
#
# Keys (made by ssh-keygen, under DIR/keys): a, b, c, and a-old, a's key
# before it switched.  DIR/signers lists a and b only: a-old's line has
# been removed (revoked), c has no line.  The packs, under DIR, all of
# origin a (but noline.pack, of origin c) and of one frame each, but for
# good.pack:
#
#	good.pack       gen_payments 1000 10 a, signed by a, many frames
#	forged.pack     signed by b's key (b is listed, but for b)
#	unsigned.pack   not signed
#	manifest.pack   signed by a, then a byte of its manifest changed
#	data.pack       signed by a, then a byte of its data frame changed
#	                and the manifest's SHA-256 set to match it
#	revoked.pack    signed by a-old
#	noline.pack     origin c, signed by c
#
#	signed.pack     the frame the others are made from, signed by a
#
# (gen_payments is in helpers/apply.bash.)  good.pack holds ids 1 to 1000;
# the frames of a hold ids 1001 to 1020 and continue it (their prev_lsn
# is its last LSN), so that a destination that applied good.pack lacks
# nothing before them; noline.pack holds ids 5001 to 5020 and claims c's
# whole history.

sign_setup() {
	local dir=$1 k
	KEYS=$dir/keys
	mkdir -p "$KEYS"
	for k in a b c a-old; do
		ssh-keygen -q -t ed25519 -N '' -C "node-$k" -f "$KEYS/$k" </dev/null
	done
	{
		echo "# who signs for whom"
		echo "a $(cat "$KEYS/a.pub")"
		echo "b $(cat "$KEYS/b.pub")"
	} >"$dir/signers"
	gen_payments 1000 10 a | pgmesh-pack --frame-bytes 8k --sign "$KEYS/a" >"$dir/good.pack"
	one_frame a a >"$dir/signed.pack"
	one_frame a b >"$dir/forged.pack"
	one_frame a "" >"$dir/unsigned.pack"
	one_frame a a-old >"$dir/revoked.pack"
	one_frame c c >"$dir/noline.pack"
	change_manifest <"$dir/signed.pack" >"$dir/manifest.pack"
	change_data <"$dir/signed.pack" >"$dir/data.pack"
	export KEYS
}

# one_frame ORIGIN KEY: a frame of 20 rows of ORIGIN signed by KEY ("" for
# none): of a, continuing good.pack; of another origin, its first.
one_frame() {
	if [ "$1" = a ]; then
		gen_payments 20 10 a 1001
	else
		gen_payments 20 10 "$1" | awk -F'\t' -v OFS='\t' '$1 == "I" { $3 += 5000 } 1'
	fi | pgmesh-pack ${2:+--sign "$KEYS/$2"}
}

# change_manifest: the frame on stdin with "payments" in its manifest (the
# first in the frame: the manifest comes first) spelled "paymentz".
change_manifest() {
	perl -0777 -pe 's/payments/paymentz/'
}

# change_data: the frame on stdin with the middle byte of its data frame
# inverted and the manifest's SHA-256 set to that of the new data frame,
# as one who could not sign would forge it.
change_data() {
	perl -0777 -MDigest::SHA=sha256 -ne '
		my $mlen = unpack("V", substr($_, 4, 4));
		my $at = 8 + $mlen;
		my $mid = $at + int((length($_) - $at) / 2);
		substr($_, $mid, 1) = chr(ord(substr($_, $mid, 1)) ^ 0xFF);
		my $sha = sha256(substr($_, $at));
		substr($_, 0, $at) =~ s/(sha256\x58\x20).{32}/$1$sha/s or die;
		print'
}

fingerprint() {
	ssh-keygen -l -f "$KEYS/$1.pub" | cut -d' ' -f2
}
