#!/bin/sh
# trace_cost.sh - what recording a timeline costs a benchmark: the same
# program run PAIRS times without $TRACE_OUT and with it, in turn, and the
# median of the ratios of their BENCH times (traced / untraced; 1.00 = free).
#   usage: trace_cost.sh PAIRS PROGRAM [ARGS...]
#   e.g.   sh common/trace_cost.sh 11 build/labs/04-pool-ordering/bench_map sleep 8 32 10
set -eu
. "$(dirname "$0")/bench_lib.sh"

if [ $# -lt 2 ]; then
	echo "usage: trace_cost.sh PAIRS PROGRAM [ARGS...]" >&2
	exit 2
fi
pairs=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Nanoseconds of one run of $prog, from its BENCH line; $1: the trace file, or "" for none.
elapsed() {
	trace=$1
	shift
	bench_ns TRACE_OUT="$trace" "$prog" "$@" 2>/dev/null
}

prog=$1
shift
i=0
while [ $i -lt "$pairs" ]; do
	rm -f "$tmp/trace"
	plain=$(elapsed "" "$@")
	traced=$(elapsed "$tmp/trace" "$@")
	if [ -z "$plain" ] || [ -z "$traced" ]; then
		echo "trace_cost: $prog $* printed no BENCH line" >&2
		exit 1
	fi
	echo "$plain $traced" >> "$tmp/pairs"
	i=$((i + 1))
done
spans=$(grep -c '^SPAN' "$tmp/trace" || true)
p=$(cut -d' ' -f1 < "$tmp/pairs" | median)
t=$(cut -d' ' -f2 < "$tmp/pairs" | median)
r=$(awk '{ print $2 / $1 }' "$tmp/pairs" | median)
lo=$(awk '{ print $2 / $1 }' "$tmp/pairs" | sort -g | head -n 1)
hi=$(awk '{ print $2 / $1 }' "$tmp/pairs" | sort -g | tail -n 1)
awk -v p="$p" -v t="$t" -v r="$r" -v lo="$lo" -v hi="$hi" -v n="$pairs" -v s="$spans" 'BEGIN {
	printf "untraced %.2f ms, traced %.2f ms (medians of %d pairs, %d spans a run); ", p / 1e6, t / 1e6, n, s
	printf "traced / untraced %.3f (min %.3f, max %.3f)\n", r, lo, hi }'
