#!/bin/sh
# threshold.sh - fails a CI job whose grade is below a percentage.
#   usage: threshold.sh RESULTS.json THRESHOLD [LABS]
# THRESHOLD is a percentage (60), or a comma list of a default percentage
# and LAB:PERCENT items (60,02:40). LABS names labs as LAB= takes them
# (01,02 or 01-stdout-race).
# - A percentage alone, without LABS: the file's score over all its points.
# - With LABS, and for each LAB:PERCENT: each lab on its own points, so a
#   lab a student has not begun, left out of LABS, cannot fail the job.
# Reads the grader's results file (Gradescope's schema, each row's lab in
# extra_data.lab). Exits 0 when every score judged reaches its threshold,
# 1 when one is below, 2 when the file cannot be read or a lab named has no
# row in it (a grade that was not written is never a pass), or on a usage
# error.
set -u
usage() { echo "usage: threshold.sh RESULTS.json PERCENT[,LAB:PERCENT...] [LABS]" >&2; exit 2; }
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
results=$1 threshold=$2 labs=${3:-}

# A line per lab, "LAB SCORE MAX", then the file's own total, "* SCORE MAX".
rows=$(jq -r '(.tests | group_by(.extra_data.lab)[] |
		"\(.[0].extra_data.lab // "?") \(map(.score) | add) \(map(.max_score) | add)"),
	"* \(.score) \([.tests[].max_score] | add // 0)"' "$results" 2>/dev/null) || {
	echo "threshold: cannot read $results: was the grade written?" >&2; exit 2; }

printf '%s\n' "$rows" | awk -v threshold="$threshold" -v labs="$labs" '
function usage(why) { print "threshold: " why > "/dev/stderr"; code = 2; exit 2 }
function percent(s) { if (s !~ /^[0-9]+(\.[0-9]+)?$/ || s + 0 > 100) usage("not a percentage: " s); return s + 0 }
# "01", "1" or "01-stdout-race" names the lab folder, as the grader matches LAB=.
function names(want, lab) {
	if (want ~ /^[0-9]+$/) return lab ~ /^[0-9]+-/ && lab + 0 == want + 0
	return want == lab
}
# One key per lab named: "1" and "01" are one lab.
function key(want) { return want ~ /^[0-9]+$/ ? want + 0 "" : want }
function judge(want, pct,   i, s, m, p, below) {
	for (i = 1; i <= nlab; i++)
		if (names(want, lab[i])) { s = score[lab[i]]; m = max[lab[i]]; break }
	if (i > nlab) { print "threshold: lab " want " has no row in the results: was it graded (LAB=)?" > "/dev/stderr"; code = 2; return }
	p = m > 0 ? 100 * s / m : 0
	below = p + 1e-9 < pct
	printf "%s: %g / %g (%.1f %%); the threshold is %g %%%s\n", lab[i], s, m, p, pct,
		(below ? ": below it" : "")
	if (below && code == 0) code = 1
}
$1 == "*" { total = $2; totalmax = $3; next }
{ lab[++nlab] = $1; score[$1] = $2; max[$1] = $3 }
END {
	if (code) exit code
	n = split(threshold, item, ",")
	for (i = 1; i <= n; i++) {
		if (item[i] ~ /:/) { split(item[i], kv, ":"); own[key(kv[1])] = percent(kv[2]); order[++nown] = kv[1] }
		else if (item[i] != "") { if (dflt != "") usage("two default percentages: " threshold); dflt = percent(item[i]) }
	}
	nwant = split(labs, want, /[, ]+/)
	if (nwant == 0 && nown == 0) {	# the whole file, every lab together
		if (dflt == "") usage("no percentage in " threshold)
		p = totalmax > 0 ? 100 * total / totalmax : 0
		printf "grade: %g / %g (%.1f %%); the threshold is %g %%\n", total, totalmax, p, dflt
		exit p + 1e-9 >= dflt ? 0 : 1
	}
	for (i = 1; i <= nwant; i++) {
		if (want[i] == "") continue
		if (key(want[i]) in own) { judge(want[i], own[key(want[i])]); done[key(want[i])] = 1 }
		else if (dflt == "") usage("no percentage for lab " want[i] " in " threshold)
		else judge(want[i], dflt)
	}
	for (i = 1; i <= nown; i++)
		if (!(key(order[i]) in done)) judge(order[i], own[key(order[i])])
	exit code
}'
