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
# other is explained by a fault that touched the round's node while the
# round ran, or up to grace milliseconds before it started (a server
# just restarted, a file just restored).  The rest are printed, one line
# each, "NODE +12.3s STATUS KIND", times since start.

$1 == "F" {
	nf++
	fstart[nf] = $3
	fend[nf] = $4
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

function explained(i,    f) {
	for (f = 1; f <= nf; f++)
		if (index(fnodes[f], "," rnode[i] ",") &&
		    rstart[i] <= fend[f] + grace && rend[i] >= fstart[f])
			return 1
	return 0
}

END {
	for (i = 1; i <= nr; i++)
		if (!explained(i))
			printf "%s +%.1fs %d %s\n", rnode[i], (rstart[i] - start) / 1000,
			    rstatus[i], rkind[i]
}
