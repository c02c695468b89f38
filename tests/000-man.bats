# Every manual page is lint-clean mdoc, and every program has one.
load helpers/common

@test "man pages pass mandoc -Tlint" {
	run mandoc -Tlint -Wwarning "$REPO_DIR"/man/*.[157]
	echo "$output"
	assert_status 0
}

@test "every program has a manual page" {
	local prog
	for prog in "$REPO_DIR"/src/cmd/*.c; do
		prog=$(basename "$prog" .c)
		[ -f "$REPO_DIR/man/pgmesh-$prog.1" ] ||
			{ echo "no man/pgmesh-$prog.1"; return 1; }
	done
}
