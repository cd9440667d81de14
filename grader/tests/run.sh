#!/bin/sh
# run.sh - runs the project's Check suites and closes with one line adding
# them up: run.sh ALONE... [--together TOGETHER...].
#
# A suite named before --together runs with nothing beside it: the
# self-test times speedups, the hostile corpus and the hang tests count the
# machine's processes and the seconds a grade takes. A suite named after it
# neither times anything nor looks at the machine's processes, so those run
# as many at once as there are CPUs, each into a log of its own, printed
# whole when it ends. A suite that dies or reports no tests counts as a
# failure: Check exits 0 having run nothing when a name is wrong
# (TOOLCHAIN.md).
set -u
passed=0 failed=0
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# count SUITE LOG: adds the log's tests to the totals, and keeps the
# lines that name a failed test for the end, where a CI's short tail of the
# output still shows them.
count() {
	grep -E ':[0-9]+:[FE]:' "$2" | sed "s|^|$1: |" | cut -c1-400 >> "$logs/failures"
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$2" | tail -n 1)
	checks=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	bad=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p')
	if [ -z "$checks" ] || [ "$checks" -eq 0 ]; then
		echo "$1 ran no test: counted as a failure" | tee -a "$logs/failures"
		failed=$((failed + 1))
		return
	fi
	nbad=$(( ${bad% *} + ${bad#* } ))
	passed=$((passed + checks - nbad))
	failed=$((failed + nbad))
}

# The two lists, and a log file for each suite named.
alone= together= list=alone
for suite in "$@"; do
	if [ "$suite" = --together ]; then
		list=together
	elif [ $list = alone ]; then
		alone="$alone $suite"
	else
		together="$together $suite"
	fi
done
log() { echo "$logs/$(echo "$1" | tr / _)"; }

for suite in $alone; do # its output as it comes
	echo "== $suite"
	start=$(date +%s)
	CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-30} "$suite" > "$(log "$suite")" 2>&1 &
	tail -q -f --pid=$! "$(log "$suite")" 2>/dev/null
	wait
	echo "-- $suite: $(( $(date +%s) - start )) s" | tee -a "$(log "$suite")"
	count "$suite" "$(log "$suite")"
done

# The rest, a CPU's worth at a time (xargs -P); their logs in the order named.
for suite in $together; do
	echo "$suite $(log "$suite")"
done | xargs -r -n 2 -P "$(nproc 2>/dev/null || echo 2)" sh -c "$(cat <<'RUN'
start=$(date +%s)
CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-30} "$0" > "$1" 2>&1
echo "-- $0: $(( $(date +%s) - start )) s" >> "$1"
RUN
)"
for suite in $together; do
	echo "== $suite (beside others)"
	cat "$(log "$suite")"
	count "$suite" "$(log "$suite")"
done
if [ -s "$logs/failures" ]; then
	echo "== what failed, again:"
	cat "$logs/failures"
fi
echo "make test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
