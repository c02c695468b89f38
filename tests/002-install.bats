# make install and uninstall honour PREFIX and DESTDIR.
load helpers/common
bats_require_minimum_version 1.5.0

@test "make install puts programs and man pages under DESTDIR/PREFIX" {
	local root=$BATS_TEST_TMPDIR/root prog
	run -0 make -s -C "$REPO_DIR" install DESTDIR="$root" PREFIX=/opt/pgmesh
	for prog in capture pack apply ship verify; do
		[ -x "$root/opt/pgmesh/bin/pgmesh-$prog" ]
		[ -f "$root/opt/pgmesh/share/man/man1/pgmesh-$prog.1" ]
	done
	[ -f "$root/opt/pgmesh/share/man/man5/pgmesh-format.5" ]
	[ -f "$root/opt/pgmesh/share/man/man7/pgmesh.7" ]
	run -0 "$root/opt/pgmesh/bin/pgmesh-pack" --version
}

@test "make uninstall removes what install put there" {
	local root=$BATS_TEST_TMPDIR/root
	run -0 make -s -C "$REPO_DIR" install DESTDIR="$root" PREFIX=/usr
	run -0 make -s -C "$REPO_DIR" uninstall DESTDIR="$root" PREFIX=/usr
	run -0 find "$root" -type f
	assert_equal "$output" ""
}
