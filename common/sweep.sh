#!/bin/sh
# sweep.sh - a lab's benchmark over 1, 2, 4 ... workers (make sweep). At
# each count the baseline and the candidate run in turn, ROUNDS pairs, and
# the median of their ratios is the speedup: the speedup check's method
# (PRODUCT.md), over a range instead of at one point. Prints the table and
# writes it for plot.sh.
#   usage: sweep.sh -o DATA -d BINDIR -t TITLE -x XLABEL -b 'BASELINE ARGS'
#                   -c 'CANDIDATE ARGS' [-r ROUNDS] W...
# @W@ in ARGS stands for the count. Each program prints one BENCH line.
set -eu
. "$(dirname "$0")/bench_lib.sh"

rounds=3
while getopts o:d:t:x:b:c:r: opt; do
	case $opt in
	o) data=$OPTARG ;; d) bin=$OPTARG ;; t) title=$OPTARG ;; x) xlabel=$OPTARG ;;
	b) base=$OPTARG ;; c) cand=$OPTARG ;; r) rounds=$OPTARG ;;
	*) echo "usage: sweep.sh -o DATA -d BINDIR -t TITLE -x XLABEL -b CMD -c CMD [-r N] W..." >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# Seconds of one run of "$1" with @W@ = $2, from its BENCH line.
seconds() {
	# shellcheck disable=SC2086 # the command's words are meant to split
	set -- $(echo "$1" | sed "s/@W@/$2/g")
	prog=$1
	shift
	ns=$(bench_ns "$bin/$prog" "$@")
	if [ -z "$ns" ]; then
		echo "sweep: $prog $* reported no result (see above): fix it with make test first" >&2
		exit 1
	fi
	awk -v ns="$ns" 'BEGIN { printf "%.6f\n", ns / 1e9 }'
}

cpus=$(nproc)
{
	echo "# title: $title (median of $rounds pairs each)"
	echo "# xlabel: $xlabel"
	echo "# ylabel: speedup over ${base%% *}"
	echo "# cpus: $cpus"
	echo "# ideal: yes"
	echo "# logy: yes"
	echo "\"${cand%% *}: your code\""
} > "$data"
echo "$title: ${base%% *} against ${cand%% *}, the median of $rounds pairs each; $cpus CPUs here."
for w in "$@"; do
	pairs=$(mktemp)
	r=0
	while [ $r -lt "$rounds" ]; do
		b=$(seconds "$base" "$w") && c=$(seconds "$cand" "$w") || exit 1
		echo "$b $c" >> "$pairs"
		r=$((r + 1))
	done
	b=$(cut -d' ' -f1 < "$pairs" | median)
	c=$(cut -d' ' -f2 < "$pairs" | median)
	s=$(awk '$2 > 0 { print $1 / $2 }' "$pairs" | median)
	rm -f "$pairs"
	printf '[%3d] %s %.3f s   %s %.3f s   speedup %5.1fx\n' "$w" "${base%% *}" "$b" \
		"${cand%% *}" "$c" "$s"
	echo "$w $s" >> "$data"
done
