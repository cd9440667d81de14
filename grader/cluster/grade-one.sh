#!/bin/sh
# grade-one.sh - one job of a class spread over many machines: grades one
# submission folder of SUBMISSIONS into OUT/<name>.json, .xml and .txt, as
# `make grade-batch` would. Which one: NAME (always a folder's name, digits
# too: students named by their ID), or the Nth folder (1-based, in sorted
# order) with N from --index N or, with neither, $SLURM_ARRAY_TASK_ID.
# Run from the project folder, built (`make`), on a filesystem every machine
# sees at the same path. Grader options may follow `--` (--lab 01).
#   usage: grade-one.sh SUBMISSIONS OUT [NAME | --index N] [-- grader options]
# Exit 0 when the grade was written (whatever it is: a failing student is
# not a failed job); 4 when the grader failed, 2 on a usage error, so the
# engine retries or reports only what is worth it.
set -u
usage="usage: grade-one.sh SUBMISSIONS OUT [NAME | --index N] [-- grader options]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
dir=$1 out=$2
shift 2
index=${SLURM_ARRAY_TASK_ID:-} name=
if [ "${1:-}" = "--index" ] && [ $# -ge 2 ]; then index=$2; shift 2
elif [ $# -gt 0 ] && [ "$1" != "--" ]; then name=$1 index=; shift; fi
[ "${1:-}" = "--" ] && shift
if [ -z "$name" ]; then
	case $index in
	'' | *[!0-9]*) echo "grade-one.sh: say which submission (NAME, --index N, or set" \
	                    "SLURM_ARRAY_TASK_ID)" >&2; exit 2 ;;
	esac
	name=$(ls -1 "$dir" | sed -n "${index}p")
fi
[ -n "$name" ] && [ -d "$dir/$name" ] || { echo "grade-one.sh: no submission ${name:-number $index} in $dir" >&2; exit 2; }
mkdir -p "$out"
build/grader/grader --root . --submission "$dir/$name" --json "$out/$name.json" \
	--junit "$out/$name.xml" --color never --progress none --sandbox required "$@" \
	> "$out/$name.txt" 2>&1
code=$?
echo "$name: $(jq -r '"\(.score) / \([.tests[].max_score] | add)"' "$out/$name.json" 2>/dev/null) (grader exit $code)"
case $code in 0|1|3) exit 0 ;; *) exit "$code" ;; esac
