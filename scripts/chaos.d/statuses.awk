# statuses.awk: the rounds whose exit status no fault explains.
#
#	awk -v start=MS -v grace=MS -f statuses.awk INPUT
#
# INPUT has one record a line:
#
#	F id start end kind target nodes	a fault, nodes comma-separated
#	R node start end status kind		a round of node
#
# Exit statuses 0 and 75 (try again later) are what cron expects.  Any
# other needs a fault that touched the round's node while the round ran,
# or up to grace milliseconds before it started (a server just restarted,
# a file just restored), and that is of a kind the programs' man pages
# (EXIT STATUS) say may end that way.  A round's status is its script's:
# under set -e and pipefail, that of the first command that failed, and
# for the capture | pack | ship pipeline, that of its rightmost failing
# program.  The rest are printed, one line each, "NODE +12.3s STATUS KIND",
# times since start, and ", during FAULT-KIND ..." when faults touched
# the round that do not explain its status (a program that should have
# said 75, or crashed).

BEGIN {
	# kill -9 of a program: 137 (128 + SIGKILL), and the reader of the
	# stream it cut: pack's 65 for change text cut mid-line, ship's 65 for
	# a frame cut short on its standard input.
	may["kill-capture"] = "137 65"
	may["kill-pack"] = "137 65"
	may["kill-ship"] = "137"
	may["kill-apply"] = "137"
	# A damaged frame, or one gone: ship and apply say 65 (bad input), and
	# capture 65 when an outbox's head fell behind what its slot confirmed.
	may["truncate"] = "65"
	may["corrupt"] = "65"
	may["delete"] = "65"
	# A full spool: ship's 74 (a spool or an acknowledgement record could
	# not be written); a destination's full disk is its 75.
	may["disk-full"] = "74"
	# A server down, a link cut, a receiver killed, a frame twice, a second
	# round at once: 75 in every man page (went away, cut off, another
	# session holds the slot or the origin), or nothing at all.
}

$1 == "F" {
	nf++
	fstart[nf] = $3
	fend[nf] = $4
	fkind[nf] = $5
	fnodes[nf] = "," $7 ","
	next
}
$1 == "R" && $5 != 0 && $5 != 75 {
	nr++
	rnode[nr] = $2
	rstart[nr] = $3
	rend[nr] = $4
	rstatus[nr] = $5
	rkind[nr] = $6
}

# touched(f, i): fault f touched the node of round i while it ran.
function touched(f, i) {
	return index(fnodes[f], "," rnode[i] ",") &&
	    rstart[i] <= fend[f] + grace && rend[i] >= fstart[f]
}

# judge(i): "explained" when a fault explains round i's status, else the
# kinds of the faults that touched it (" kill-ship disk-full"; "" for none).
function judge(i,    f, during) {
	during = ""
	for (f = 1; f <= nf; f++) {
		if (!touched(f, i))
			continue
		if (index(" " may[fkind[f]] " ", " " rstatus[i] " "))
			return "explained"
		if (!index(" " during " ", " " fkind[f] " "))
			during = during " " fkind[f]
	}
	return during
}

END {
	for (i = 1; i <= nr; i++) {
		why = judge(i)
		if (why == "explained")
			continue
		printf "%s +%.1fs %d %s%s\n", rnode[i], (rstart[i] - start) / 1000,
		    rstatus[i], rkind[i], why == "" ? "" : ", during" why
	}
}
