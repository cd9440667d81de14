#!/bin/sh
# grade.sh - `make grade` for CI and scripts: the same VAR=value words
# (LAB=01 SUBMISSION=DIR JSON=F ...), run from the project folder, and the
# grader's own exit code (README.md, "Exit codes"; 4 also when the grader
# could not be built).
# make cannot pass these through: any failed recipe makes make exit 2.
set -u
for word in "$@"; do
	case $word in
	[A-Za-z_]*=*) ;;
	*) echo "grade.sh: '$word' is not VAR=value (as in: grader/grade.sh LAB=01 JSON=results.json)" >&2
	   exit 2 ;;
	esac
done
status=$(mktemp "${TMPDIR:-/tmp}/grade-status.XXXXXX") || exit 4
make --no-print-directory grade GRADE_STATUS="$status" "$@"
made=$?
code=$(cat "$status")
rm -f "$status"
case $code in
[0-4]) exit "$code" ;;
esac
echo "grade.sh: the grader did not run or did not finish (make exited $made)" >&2
exit 4
