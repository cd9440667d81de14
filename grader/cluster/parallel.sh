#!/bin/sh
# parallel.sh - grades a class over several machines with GNU parallel: one
# submission per job, one job at a time on each machine (-j1: its speedup
# trials run alone; the grader grades that submission's labs at once on the
# machine's CPUs), then the merge. HOSTS is GNU parallel's --sshloginfile
# (a line per machine, "user@host"; ":" is this machine). The project and
# SUBMISSIONS must be at the same path on every machine (a shared folder).
#   usage: parallel.sh SUBMISSIONS OUT HOSTS [-- grader options]
set -u
[ $# -ge 3 ] || { echo "usage: parallel.sh SUBMISSIONS OUT HOSTS [-- grader options]" >&2; exit 2; }
dir=$1 out=$2 hosts=$3
shift 3
[ "${1:-}" = "--" ] && shift
mkdir -p "$out"
here=$(pwd)
ls -1 "$dir" | parallel --sshloginfile "$hosts" -j1 --joblog "$out/jobs.log" --retries 2 \
	--workdir "$here" sh grader/cluster/grade-one.sh "$dir" "$out" {} -- "$@"
failed=$?
build/grader/grader --merge "$out" || exit 4
[ "$failed" -eq 0 ] || { echo "parallel.sh: $failed job(s) failed: see $out/jobs.log" >&2; exit 4; }
