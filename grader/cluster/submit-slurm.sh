#!/bin/sh
# submit-slurm.sh - grades a class on a Slurm cluster: a job array of one
# task per submission folder, then the merge (gradebook and summary) once
# every task has ended. Run from the project folder on the login node.
#   usage: submit-slurm.sh SUBMISSIONS OUT
set -eu
dir=$1 out=$2
n=$(ls -1 "$dir" | wc -l)
[ "$n" -gt 0 ] || { echo "submit-slurm.sh: no submissions in $dir" >&2; exit 2; }
mkdir -p "$out"
job=$(sbatch --parsable --array=1-"$n" grader/cluster/slurm.sbatch "$dir" "$out")
sbatch --dependency=afterany:"$job" --job-name=gradebook --output="$out/merge.log" \
	--wrap "build/grader/grader --merge '$out'"
echo "queued $n grading tasks (job $job) and the merge into $out/gradebook.csv"
