# wait.bash: waiting for what a test can see happen.  Loaded by
# common.bash, and by sshd.bash for the benchmark, which loads no
# common.bash.

# wait_until SECONDS COMMAND...: run COMMAND every 0.05 s until it
# succeeds; fail, naming COMMAND, once SECONDS (whole) have passed without.
# Tests wait for something they can see happen, never for a time: SECONDS
# is a bound for a loaded machine, not a measurement.  COMMAND runs as an
# if's condition would (set -e does not stop it half-way), and its words
# are expanded once, by this call: a check that must look again each
# time goes in a function.
wait_until() {
	local seconds=$1 deadline
	shift
	# Microseconds: EPOCHREALTIME without its decimal point (a comma in
	# some locales).
	deadline=$((${EPOCHREALTIME//[!0-9]/} + seconds * 1000000))
	until "$@"; do
		if [ "${EPOCHREALTIME//[!0-9]/}" -ge "$deadline" ]; then
			echo "wait_until: still false after $seconds s: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# listening PORT [TABLE]: a TCP socket listens on PORT of 127.0.0.1 (or
# of every address), as /proc/net/tcp shows it: a check that, unlike a
# probe, is no connection of its own.  TABLE is another network
# namespace's table, /proc/PID/net/tcp of a process in it.
listening() {
	awk -v port="$(printf ':%04X' "$1")" '
		($2 == "0100007F" port || $2 == "00000000" port) && $4 == "0A" { found = 1 }
		END { exit !found }' "${2:-/proc/net/tcp}"
}
