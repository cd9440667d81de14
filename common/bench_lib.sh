# bench_lib.sh - shell functions shared by the timing scripts (sweep.sh,
# trace_cost.sh, lab 05's costs.sh). Sourced, not run.
#
#   bench_ns [VAR=value ...] PROGRAM ARGS...
#       runs PROGRAM with its BENCH line on stdout (BENCH_OUT and TRACE_OUT
#       empty unless given) and prints the line's elapsed_ns; prints nothing
#       when the program reported no result.
#   median      the median of the numbers on stdin, one a line.

bench_ns() {
	env BENCH_OUT= TRACE_OUT= "$@" | sed -n 's/^BENCH elapsed_ns=\([0-9]*\).*/\1/p'
}

median() {
	sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
