# Every manual page is lint-clean mdoc, and every program has one.
load helpers/common
bats_require_minimum_version 1.5.0

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

# documented FILE...: the shell commands of README, manual pages and
# examples/, one per line: continuation lines (a trailing \ or mdoc's \e)
# joined to the line before.
documented() {
	awk '{ sub(/\\e$/, "\\") }
		/\\$/ { sub(/\\$/, ""); line = line $0; next }
		{ print line $0; line = "" }' "$@"
}

@test "every documented apply passes a grant; only --position goes without" {
	local docs=("$REPO_DIR/README.md" "$REPO_DIR"/man/*.[157] "$REPO_DIR"/examples/*.sh
		"$REPO_DIR"/examples/*.md "$REPO_DIR"/examples/crontab.* "$REPO_DIR/scripts/demo")
	run -1 grep -E 'pgmesh-apply( -v)? -d' <(documented "${docs[@]}" |
		grep -v -e '-allow' -e '-position')
	echo "$output"
	run -1 grep -E -e '--apply [^ ]' <(documented "${docs[@]}" | grep -v -e '-allow')
	echo "$output"
}

@test "every authorized_keys line in the docs is restricted, and says why" {
	local docs=("$REPO_DIR/README.md" "$REPO_DIR"/man/*.[157] "$REPO_DIR"/examples/*.md)
	run -1 grep -n '^ *command="' <(grep -h '^ *command="' "${docs[@]}" | grep -v '",restrict ')
	echo "$output"
	run -0 grep -c 'port forwards' "$REPO_DIR/README.md" "$REPO_DIR/man/pgmesh-ship.1" \
		"$REPO_DIR/examples/README.md"
}

@test "pgmesh-capture(1) says a table's owner can disable the guard" {
	run -0 grep -c 'must not own the replicated tables' "$REPO_DIR/man/pgmesh-capture.1"
	run -0 grep -c 'DISABLE TRIGGER' "$REPO_DIR/man/pgmesh-capture.1"
	run -0 grep -c '^\.Sh SECURITY CONSIDERATIONS$' "$REPO_DIR/man/pgmesh.7"
}
