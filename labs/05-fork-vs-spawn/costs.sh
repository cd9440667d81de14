#!/bin/sh
# costs.sh - what starting one process costs, by fork and by spawn, as the
# parent grows from 1 MiB to 1 GiB (make sweep, make costs): at each size
# the median of 3 runs of bench_start's 20 starts. Prints the table and
# writes it for common/plot.sh.
#   usage: costs.sh BENCH_START DATA
set -eu
. "$(dirname "$0")/../../common/bench_lib.sh"
bench=$1 data=$2

# Milliseconds a process, from one run's BENCH line.
per_process() {
	bench_ns "$bench" "$1" "$2" 20 | awk '{ printf "%.4f\n", $1 / 20e6 }'
}

printf '%s\n' '# title: Lab 05: what starting one process costs as the parent grows (median of 3 runs of 20)' \
	'# xlabel: memory the parent holds (MiB)' \
	'# ylabel: milliseconds to start and reap one process' '# logy: yes' > "$data"
for method in fork spawn; do
	echo "\"$method\"" >> "$data"
	for mib in 1 4 16 64 256 1024; do
		ms=$( (per_process $method $mib; per_process $method $mib; per_process $method $mib) |
			median)
		if [ -z "$ms" ]; then
			echo "costs: bench_start $method $mib 20 reported no result: fix it with make test first" >&2
			exit 1
		fi
		printf '  %-5s parent of %4d MiB: %7.3f ms a process\n' $method $mib "$ms"
		echo "$mib $ms" >> "$data"
	done
	printf '\n\n' >> "$data"
done
