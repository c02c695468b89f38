# The conventions every program keeps: -h/--help on stdout with status 0,
# -V/--version, a bad option refused in our words on stderr with the usage
# and status 64, and a usage that fits 80 columns and says what the man
# page's SYNOPSIS says.  And one rule for connections: a server that does
# not answer, or is starting up or shutting down, is 75 (try again later);
# one that answers and refuses is 78 (fix the settings).
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	# One slot at most: a held slot leaves capture --drain no room for
	# its copy, so that it peeks the slot itself.
	pg_start cli "max_replication_slots = 1"
	pg_sql cli "CREATE TABLE t (id int PRIMARY KEY)"
	CONN=$(pg_conninfo cli)
	export CONN
}

teardown_file() {
	pg_stop_all
}

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

# sysexits NAME...: the numbers sysexits.h gives the EX_ names.
sysexits() {
	awk -v names=" $* " '$1 == "#define" && index(names, " " $2 " ") { print $3 }' \
		/usr/include/sysexits.h
}

# exit_codes REPO PROG: every status PROG's main can return: the EX_ names
# in its src/cmd/NAME.c, those of the shared cli.c (option errors) and
# xalloc.c (out of memory), and cli_connect_status's when it calls that.
exit_codes() {
	local src=$1/src/cmd/${2#pgmesh-}.c cli=$1/src/common/cli.c names
	names="$(grep -ho 'EX_[A-Z]*' "$src" "$1/src/common/xalloc.c")"
	names+=" $(sed '/^cli_connect_status(/,/^}/d' "$cli" | grep -o 'EX_[A-Z]*')"
	if grep -q cli_connect_status "$src"; then
		names+=" $(sed -n '/^cli_connect_status(/,/^}/p' "$cli" | grep -o 'EX_[A-Z]*')"
	fi
	sysexits $names | sort -nu
}

# man_codes PAGE: the statuses listed in PAGE's EXIT STATUS section.
man_codes() {
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$1" | sed -n 's/^\.It \([0-9]\{1,\}\)$/\1/p'
}

# readme_codes README: the statuses in its "Exit status" table.
readme_codes() {
	sed -n '/^## Exit status/,/^## /p' "$1" | sed -n 's/^| \([0-9]\{1,\}\) .*/\1/p'
}

# check_documented REPO: each status a program can return is in its man
# page, in pgmesh(7) and in README; says what is missing, false if any.
# listed CODE LIST: CODE is a line of LIST (no process: this runs for
# every status of every program, several times).
listed() {
	[[ $'\n'$2$'\n' == *$'\n'$1$'\n'* ]]
}

check_documented() {
	local repo=$1 prog code ok=true page all readme
	all=$(man_codes "$repo/man/pgmesh.7")
	readme=$(readme_codes "$repo/README.md")
	for prog in $(programs); do
		page=$(man_codes "$repo/man/$prog.1")
		for code in $(exit_codes "$repo" "$prog"); do
			listed "$code" "$page" ||
				{ echo "$prog: $code not in man/$prog.1"; ok=false; }
			listed "$code" "$all" ||
				{ echo "$prog: $code not in man/pgmesh.7"; ok=false; }
			listed "$code" "$readme" ||
				{ echo "$prog: $code not in README.md"; ok=false; }
		done
	done
	$ok
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

@test "every status a program can return is in its man page, pgmesh(7) and README" {
	local prog
	for prog in $(programs); do
		echo "$prog: $(exit_codes "$REPO_DIR" "$prog" | tr '\n' ' ')"
	done
	run check_documented "$REPO_DIR"
	assert_equal "$output" ""
	assert_status 0
}

@test "the check of documented statuses finds one taken out" {
	local copy=$BATS_TEST_TMPDIR/copy
	mkdir -p "$copy/src"
	cp -R "$REPO_DIR/src/cmd" "$REPO_DIR/src/common" "$copy/src/"
	cp -R "$REPO_DIR/man" "$REPO_DIR/README.md" "$copy/"
	run check_documented "$copy"
	assert_status 0
	sed -i '/^\.Sh EXIT STATUS/,/^\.Sh /{/^\.It 75$/d}' "$copy/man/pgmesh-apply.1"
	run check_documented "$copy"
	assert_status 1
	assert_equal "$output" "pgmesh-apply: 75 not in man/pgmesh-apply.1"
	sed -i '/^| 71 /d' "$copy/README.md"
	run check_documented "$copy"
	assert_status 1
	assert_equal "$(grep -c "71 not in README.md" <<<"$output")" 5
}

# connecting PROG CONNINFO: run PROG in a mode that connects first.
connecting() {
	case $1 in
	pgmesh-capture) run --separate-stderr pgmesh-capture -d "$2" -S s --drain ;;
	pgmesh-apply) run --separate-stderr pgmesh-apply -d "$2" --allow '*:*' </dev/null ;;
	pgmesh-verify) run --separate-stderr pgmesh-verify -d "$2" --digest ;;
	esac
}

# assert_cannot_connect PROG STATUS: the last run of PROG said so on one
# line, wrote nothing, and exited STATUS.
assert_cannot_connect() {
	assert_status "$2"
	assert_equal "$output" ""
	assert_equal "${stderr:0:$((${#1} + 18))}" "$1: cannot connect: "
	assert_equal "$(wc -l <<<"$stderr")" 1
}

@test "no server listening: capture, apply and verify exit 75" {
	local prog
	for prog in pgmesh-capture pgmesh-apply pgmesh-verify; do
		connecting "$prog" "host=$BATS_TEST_TMPDIR port=1 user=postgres"
		assert_cannot_connect "$prog" 75
	done
}

@test "a database that does not exist: capture, apply and verify exit 78" {
	local prog
	for prog in pgmesh-capture pgmesh-apply pgmesh-verify; do
		connecting "$prog" "$(pg_conninfo cli nosuch)"
		assert_cannot_connect "$prog" 78
		assert_contains "$stderr" '"nosuch"'
	done
}

@test "a role that does not exist: capture, apply and verify exit 78" {
	local prog
	for prog in pgmesh-capture pgmesh-apply pgmesh-verify; do
		connecting "$prog" "$CONN user=nosuch"
		assert_cannot_connect "$prog" 78
		assert_contains "$stderr" '"nosuch"'
	done
}

@test "a connection string that does not parse, or that libpq cannot use: 64" {
	local prog
	for prog in pgmesh-capture pgmesh-apply pgmesh-verify; do
		connecting "$prog" "nosuch=1"
		assert_status 64
		assert_equal "$stderr" "$prog: bad connection string: invalid connection option \"nosuch\""
		connecting "$prog" "$CONN sslmode=bogus"
		assert_cannot_connect "$prog" 64
	done
}

@test "a server shutting down: capture, apply and verify exit 75" {
	local prog dir psql i
	pg_start closing
	dir=$PG_TMP/closing
	# A session that stays until its input closes keeps a smart shutdown
	# waiting, refusing new connections as "shutting down".
	mkfifo "$BATS_TEST_TMPDIR/hold"
	psql -X -q -d "$(pg_conninfo closing)" <"$BATS_TEST_TMPDIR/hold" >/dev/null 3>&- &
	psql=$!
	exec 4>"$BATS_TEST_TMPDIR/hold"
	for i in $(seq 100); do
		[ "$(pg_sql closing "SELECT count(*) FROM pg_stat_activity
		    WHERE backend_type = 'client backend'")" -ge 2 ] && break
		sleep 0.1
	done
	pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -m smart -W -s stop
	# pg_isready: 1 is "rejecting connections".
	for i in $(seq 100); do
		run pg_isready -q -d "$(pg_conninfo closing)"
		[ "$status" -eq 1 ] && break
		sleep 0.1
	done
	assert_status 1
	for prog in pgmesh-capture pgmesh-apply pgmesh-verify; do
		connecting "$prog" "$(pg_conninfo closing)"
		assert_cannot_connect "$prog" 75
	done
	# The session ends, and with it the server.
	exec 4>&-
	wait "$psql"
	for i in $(seq 100); do
		[ -e "$dir/data/postmaster.pid" ] || break
		sleep 0.1
	done
	rm -rf "$dir"
}

@test "a slot held by another session: capture exits 75 in every mode" {
	local pid i lsn
	pgmesh-capture -d "$CONN" -S held --node a --init
	pgmesh-capture -d "$CONN" -S held --follow >/dev/null \
		2>"$BATS_TEST_TMPDIR/follow.err" 3>&- &
	pid=$!
	for i in $(seq 100); do
		[ "$(pg_sql cli "SELECT active FROM pg_replication_slots WHERE slot_name = 'held'")" = t ] && break
		sleep 0.1
	done
	run --separate-stderr pgmesh-capture -d "$CONN" -S held --follow
	assert_status 75
	assert_contains "$stderr" "pgmesh-capture: cannot stream from slot held: "
	# No room for a copy: the slot itself is peeked.
	run --separate-stderr pgmesh-capture -d "$CONN" -S held --drain
	assert_status 75
	assert_contains "$stderr" "pgmesh-capture: decoding slot held: "
	pg_sql cli "INSERT INTO t VALUES (1)"
	lsn=$(pg_sql cli "SELECT pg_current_wal_lsn()")
	run --separate-stderr pgmesh-capture -d "$CONN" -S held --drain --after "$lsn"
	assert_status 75
	assert_contains "$stderr" "pgmesh-capture: cannot confirm --after to the slot: "
	assert_equal "$output" ""
	run --separate-stderr pgmesh-capture -d "$CONN" -S held --drop
	assert_status 75
	assert_contains "$stderr" "pgmesh-capture: cannot drop the replication slot: "
	kill -TERM "$pid"
	wait "$pid"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/follow.err")" ""
	run -0 pgmesh-capture -d "$CONN" -S held --drop
}
