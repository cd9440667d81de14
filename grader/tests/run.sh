#!/bin/sh
# run.sh - runs the project's Check suites one after the other (the self-test
# times speedups, so nothing may run beside it) and closes with one line
# adding them up. A suite that dies or reports no tests counts as a failure:
# Check exits 0 having run nothing when a name is wrong (TOOLCHAIN.md).
set -u
passed=0 failed=0
for suite in "$@"; do
	echo "== $suite"
	start=$(date +%s)
	log=$(mktemp)
	CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-30} "$suite" 2>&1 | tee "$log"
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -n 1)
	rm -f "$log"
	checks=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	bad=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p')
	if [ -z "$checks" ] || [ "$checks" -eq 0 ]; then
		echo "$suite ran no test: counted as a failure"
		failed=$((failed + 1))
		continue
	fi
	nbad=$(( ${bad% *} + ${bad#* } ))
	echo "-- $suite: $(( $(date +%s) - start )) s"
	passed=$((passed + checks - nbad))
	failed=$((failed + nbad))
done
echo "make test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
