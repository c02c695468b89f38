# The conventions every program keeps: -h/--help on stdout with status 0,
# -V/--version, a bad option refused in our words on stderr with the usage
# and status 64, and a usage that fits 80 columns and says what the man
# page's SYNOPSIS says.
load helpers/common
bats_require_minimum_version 1.5.0

programs() {
	local src
	for src in "$REPO_DIR"/src/cmd/*.c; do
		echo "pgmesh-$(basename "$src" .c)"
	done
}

# needs_arg PROG: an option of PROG that takes an argument, short and long.
needs_arg() {
	case $1 in
	pgmesh-pack) echo "-o --output" ;;
	pgmesh-ship) echo "-i --identity" ;;
	*) echo "-d --dbname" ;;
	esac
}

VERSION=$(sed -n 's/^#define PGMESH_VERSION "\(.*\)"$/\1/p' \
	"$REPO_DIR/src/common/version.h")

# flat TEXT: words separated by single spaces.
flat() {
	tr -s ' \n' '  ' <<<"$1" | sed 's/^ //; s/ $//'
}

# synopsis PROG: the SYNOPSIS of PROG's man page as mandoc renders it.
synopsis() {
	mandoc -Tascii -O width=1000 "$REPO_DIR/man/$1.1" | sed 's/.\x08//g' |
		sed -n '/^SYNOPSIS$/,/^DESCRIPTION$/p' | sed '1d; $d'
}

@test "-h and --help print the usage on stdout and exit 0" {
	local prog help
	for prog in $(programs); do
		run -0 --separate-stderr "$prog" --help
		assert_equal "${output:0:$((${#prog} + 8))}" "usage: $prog "
		assert_equal "$stderr" ""
		help=$output
		run -0 --separate-stderr "$prog" -h
		assert_equal "$output" "$help"
		assert_equal "$stderr" ""
	done
}

@test "the usage fits 80 columns and mirrors the man page's SYNOPSIS" {
	local prog line
	for prog in $(programs); do
		run -0 --separate-stderr "$prog" --help
		while IFS= read -r line; do
			echo "$prog: ${#line} columns: $line"
			[ "${#line}" -le 80 ]
		done <<<"$output"
		assert_equal "$(flat "${output#usage: }")" "$(flat "$(synopsis "$prog")")"
	done
}

@test "-V and --version print the program's name and version" {
	local prog opt
	for prog in $(programs); do
		for opt in -V --version; do
			run -0 --separate-stderr "$prog" "$opt"
			assert_equal "$output" "$prog $VERSION"
			assert_equal "$stderr" ""
		done
	done
}

@test "an unknown option: named on stderr, then the usage, status 64" {
	local prog usage
	for prog in $(programs); do
		usage=$("$prog" --help)
		run -64 --separate-stderr "$prog" --no-such-option
		assert_equal "$output" ""
		assert_equal "$stderr" "$prog: unknown option --no-such-option"$'\n'"$usage"
		run -64 --separate-stderr "$prog" -vQ
		assert_equal "$output" ""
		assert_equal "$stderr" "$prog: unknown option -Q"$'\n'"$usage"
		run -64 --separate-stderr "$prog" --help=x
		assert_equal "$output" ""
		assert_equal "$stderr" "$prog: option --help takes no argument"$'\n'"$usage"
	done
}

@test "a missing argument: the option named on stderr, then the usage, status 64" {
	local prog usage short long
	for prog in $(programs); do
		usage=$("$prog" --help)
		read -r short long <<<"$(needs_arg "$prog")"
		run -64 --separate-stderr "$prog" "$short"
		assert_equal "$output" ""
		assert_equal "$stderr" "$prog: option $short needs an argument"$'\n'"$usage"
		run -64 --separate-stderr "$prog" "$long"
		assert_equal "$output" ""
		assert_equal "$stderr" "$prog: option $long needs an argument"$'\n'"$usage"
	done
}

@test "an ambiguous abbreviation is refused, a unique one taken" {
	local usage
	usage=$(pgmesh-pack --help)
	run -64 --separate-stderr pgmesh-pack --ver
	assert_equal "$output" ""
	assert_equal "$stderr" "pgmesh-pack: option --ver is ambiguous"$'\n'"$usage"
	run -0 --separate-stderr pgmesh-pack --vers
	assert_equal "$output" "pgmesh-pack $VERSION"
}
