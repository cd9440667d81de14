#!/bin/sh
# grade-one.sh - one job of a class spread over many machines: grades one
# submission folder of SUBMISSIONS into OUT/<name>.json, .xml and .txt, as
# `make grade-batch` would. Which one: NAME, or the Nth folder (1-based, in
# sorted order) with N from the argument or from $SLURM_ARRAY_TASK_ID.
# Run from the project folder, built (`make`), on a filesystem every machine
# sees at the same path. Grader options may follow `--` (--lab 01).
#   usage: grade-one.sh SUBMISSIONS OUT [N|NAME] [-- grader options]
# Exit 0 when the grade was written (whatever it is: a failing student is
# not a failed job); 4 when the grader failed, 2 on a usage error, so the
# engine retries or reports only what is worth it.
set -u
[ $# -ge 2 ] || { echo "usage: grade-one.sh SUBMISSIONS OUT [N|NAME] [-- grader options]" >&2; exit 2; }
dir=$1 out=$2
shift 2
which=${SLURM_ARRAY_TASK_ID:-}
if [ $# -gt 0 ] && [ "$1" != "--" ]; then which=$1; shift; fi
[ "${1:-}" = "--" ] && shift
case $which in
'') echo "grade-one.sh: say which submission (N or NAME, or set SLURM_ARRAY_TASK_ID)" >&2; exit 2 ;;
*[!0-9]*) name=$which ;;
*) name=$(ls -1 "$dir" | sed -n "${which}p") ;;
esac
[ -n "$name" ] && [ -d "$dir/$name" ] || { echo "grade-one.sh: no submission $which in $dir" >&2; exit 2; }
mkdir -p "$out"
build/grader/grader --root . --submission "$dir/$name" --json "$out/$name.json" \
	--junit "$out/$name.xml" --color never --progress none "$@" > "$out/$name.txt" 2>&1
code=$?
echo "$name: $(jq -r '"\(.score) / \([.tests[].max_score] | add)"' "$out/$name.json" 2>/dev/null) (grader exit $code)"
case $code in 0|1|3) exit 0 ;; *) exit "$code" ;; esac
