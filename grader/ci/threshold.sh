#!/bin/sh
# threshold.sh - fails a CI job whose grade is below a percentage.
#   usage: threshold.sh RESULTS.json PERCENT
# Reads the grader's results file (Gradescope's schema); exits 0 when the
# score is at least PERCENT % of the points, 1 below it, 2 when the file
# cannot be read (a grade that was not written is never a pass).
set -u
[ $# -eq 2 ] || { echo "usage: threshold.sh RESULTS.json PERCENT" >&2; exit 2; }
line=$(jq -r '"\(.score) \([.tests[].max_score] | add // 0)"' "$1" 2>/dev/null) || {
	echo "threshold: cannot read $1: was the grade written?" >&2; exit 2; }
set -- $line "$2"
awk -v s="$1" -v m="$2" -v p="$3" 'BEGIN {
	pct = m > 0 ? 100 * s / m : 0
	printf "grade: %g / %g (%.1f %%); the threshold is %g %%\n", s, m, pct, p
	exit pct + 1e-9 >= p ? 0 : 1 }'
