# tally.awk: what the load generators committed against what every node
# holds, per (origin, transaction).
#
#	awk -v origins="a b c" -v nodes="a b c hub" -f tally.awk INPUT
#
# INPUT has one record a line, whitespace-separated:
#
#	A origin txn rows		the generator of origin attempted txn
#	C origin txn rows		... and its COMMIT returned
#	R node origin txn count distinct   node holds count rows of the
#					   transaction, distinct of them by key
#
# A transaction must be whole on every node, exactly once, when it was
# committed, or when it was in doubt (attempted, its COMMIT never
# returned) and exists anywhere: then it was committed after all.  An in
# doubt transaction that exists nowhere was not committed, which is no
# loss.  Rows of a transaction never attempted are unknown.
#
# Output, for a person: one line per problem
#
#	lost on NODE: origin O, N txns: 12-15 40
#	partial on NODE: origin O, txn T: K of R rows
#	duplicated on NODE: origin O, txn T: C rows for R
#	unknown on NODE: origin O, txn T: C rows no generator attempted
#	in doubt: origin O, N txns whose COMMIT did not return, K of them committed
#
# and last "tally N L D P U": transactions expected, and how many of them
# were lost, duplicated or partial on at least one node; U unknown ones.

$1 == "A" {
	rows[$2, $3] = $4
	if ($3 > top[$2])
		top[$2] = $3
	next
}
$1 == "C" {
	committed[$2, $3] = 1
	next
}
$1 == "R" {
	count[$2, $3, $4] = $5
	distinct[$2, $3, $4] = $6
	held[$3, $4] = 1
	if ($4 > top[$3])
		top[$3] = $4
	next
}
{
	printf "tally.awk: line %d: not a record: %s\n", NR, $0 > "/dev/stderr"
	bad = 1
	exit 1
}

# note(list, txn): list with txn added, consecutive ones as a range.
function note(list, t,    n, last) {
	if (list == "")
		return t
	n = split(list, parts, " ")
	last = parts[n]
	if (last ~ /-/) {
		split(last, ends, "-")
		if (ends[2] + 1 == t)
			return substr(list, 1, length(list) - length(last)) ends[1] "-" t
	} else if (last + 1 == t)
		return substr(list, 1, length(list) - length(last)) last "-" t
	return list " " t
}

function check(o, t,    i, n, c, d, r, was_lost, was_dup, was_partial) {
	r = rows[o, t]
	for (i = 1; i <= nnodes; i++) {
		n = node[i]
		c = count[n, o, t] + 0
		d = distinct[n, o, t] + 0
		if (d == 0) {
			lost[n, o] = note(lost[n, o], t)
			nlost[n, o]++
			was_lost = 1
		} else if (d < r) {
			printf "partial on %s: origin %s, txn %d: %d of %d rows\n", n, o, t, d, r
			was_partial = 1
		}
		if (c > d || d > r) {
			printf "duplicated on %s: origin %s, txn %d: %d rows for %d\n", n, o, t, c, r
			was_dup = 1
		}
	}
	nlost_txns += was_lost
	ndup += was_dup
	npartial += was_partial
}

function unknown(o, t,    i, n) {
	for (i = 1; i <= nnodes; i++) {
		n = node[i]
		if (count[n, o, t] > 0)
			printf "unknown on %s: origin %s, txn %d: %d rows no generator attempted\n",
			    n, o, t, count[n, o, t]
	}
	nunknown++
}

END {
	if (bad)
		exit 1
	nnodes = split(nodes, node, " ")
	norigins = split(origins, origin, " ")
	for (k = 1; k <= norigins; k++)
		known[origin[k]] = 1
	for (key in held) {
		split(key, ot, SUBSEP)
		if (!(ot[1] in known))
			unknown(ot[1], ot[2])
	}
	for (k = 1; k <= norigins; k++) {
		o = origin[k]
		doubt = doubt_held = 0
		for (t = 1; t <= top[o]; t++) {
			if (!((o, t) in rows)) {
				if ((o, t) in held)
					unknown(o, t)
				continue
			}
			if (!((o, t) in committed)) {
				doubt++
				if (!((o, t) in held))
					continue
				doubt_held++
			}
			expected++
			check(o, t)
		}
		if (doubt > 0)
			printf "in doubt: origin %s, %d txns whose COMMIT did not return, %d of them committed\n",
			    o, doubt, doubt_held
	}
	for (i = 1; i <= nnodes; i++)
		for (k = 1; k <= norigins; k++)
			if (nlost[node[i], origin[k]] > 0)
				printf "lost on %s: origin %s, %d txns: %s\n", node[i], origin[k],
				    nlost[node[i], origin[k]], lost[node[i], origin[k]]
	printf "tally %d %d %d %d %d\n", expected, nlost_txns, ndup, npartial, nunknown
}
