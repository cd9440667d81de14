#!/bin/sh
# catch_rate.sh - how often a unit check catches each mutant that must fail
# it, with the chaos seeds alone against the controlled schedules (issue 22's
# measurement). For every mutant of the labs asked for whose expect.json
# entry names a unit check's test (a mutant that does not compile aside),
# the test program is built once from the reference with the mutant applied
# and then run N times each way, as the unit check runs it, with only the
# tests the mutant must fail selected:
#   seeds      every seed of the check's "seeds" in turn (CHAOS_SEED=s),
#              stopping at the first that fails;
#   schedules  one run under the check's "schedules" (SCHEDULE=pct:3:1-10),
#              without the seeds.
# The unit check runs the seeds, then the schedules for the tests that
# passed them, so it catches a mutant when either does.
#
#   sh grader/catch_rate.sh [-n N] [-l LABS] [-m WORD] [-o TABLE]
#     -n N      runs each way per mutant (default 100)
#     -l LABS   lab numbers, comma-separated (default 01,02,03,04)
#     -m WORD   only the mutants whose name holds WORD
#     -o TABLE  also write the table (tab-separated) to TABLE
# Prints a line per mutant: caught/N each way and the median seconds of a
# run. The runs are the programs alone, without the grader's sandbox and
# diagnoses: the code is the project's own. Run it on a quiet machine: how
# often the seeds catch a race depends on the load.
set -eu
cd "$(dirname "$0")/.."
n=100 labs=01,02,03,04 only= table=
while getopts n:l:m:o: opt; do
	case $opt in
	n) n=$OPTARG ;; l) labs=$OPTARG ;; m) only=$OPTARG ;; o) table=$OPTARG ;;
	*) echo "usage: sh grader/catch_rate.sh [-n N] [-l LABS] [-m WORD] [-o TABLE]" >&2; exit 2 ;;
	esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cp -r common "$work/common"
mkdir "$work/labs"
[ -z "$table" ] || printf 'lab\tmutant\tprogram\tseeds\tseeds_s\tschedules\tschedules_s\n' > "$table"

# The mutants of lab folder $1 with unit tests to fail, a line each:
# "NAME<TAB>patch|files<TAB>PATH<TAB>PROGRAM<TAB>TESTS<TAB>SEEDS<TAB>SCHEDULE".
mutants() {
	python3 - "$1" <<'EOF'
import json, sys
lab = sys.argv[1]
spec = json.load(open("labs/%s/lab.json" % lab))
expect = json.load(open("solutions/%s/expect.json" % lab))
checks = {c["name"]: c for c in spec["checks"] if c.get("kind") == "unit"}
for m in expect["mutants"]:
    how, path = ("patch", m["patch"]) if "patch" in m else ("files", m["files"])
    name = path.rstrip("/").split("/")[-1].replace(".patch", "")
    if "compile" in name:
        continue
    by_check = {}
    for row in m["must_fail"]:
        check, _, test = row.partition("/")
        if check in checks:
            by_check.setdefault(check, []).extend([test] if test else [])
    for check, tests in by_check.items():
        c = checks[check]
        s = c.get("schedules", {})
        sched = ("random:1-%d" % s["count"] if s.get("strategy") == "random"
                 else "pct:%d:1-%d" % (s.get("depth", 3), s.get("count", 20))) if s else ""
        print("\t".join([name, how, path, c["program"], ",".join(tests),
                         " ".join(str(x) for x in c.get("seeds", [1])), sched,
                         str(c.get("test_timeout_s", 5))]))
EOF
}

# One run of the built program $1 in folder $2 with setting $3: 0 when it
# caught the mutant (a test failed).
caught() {
	! (cd "$2" && env "$3" CK_FORK=yes CK_DEFAULT_TIMEOUT="$timeout" CK_TIMEOUT_MULTIPLIER=1 \
	   CK_VERBOSITY=silent CHECK_TESTS="$tests" timeout 120 "./$1" > /dev/null 2>&1)
}

# The seconds since $1 (date +%s%N) added to $work/t, a line a grade.
took() {
	echo "$(( $(date +%s%N) - $1 ))" >> "$work/t"
}

# The median of the times in $work/t, in seconds; then empties it.
median() {
	sort -n "$work/t" | awk '{ a[NR] = $1 } END { printf "%.2f", NR ? a[int((NR + 1) / 2)] / 1e9 : 0 }'
	: > "$work/t"
}

echo "lab  mutant                          program        seeds       schedules   (N=$n; median s a run)"
for lab in $(echo "$labs" | tr , ' '); do
	dir=$(ls -d labs/"$lab"-* | head -n 1)
	lab_name=$(basename "$dir")
	mutants "$lab_name" | while IFS='	' read -r name how path prog tests seeds sched timeout; do
		case $name in *"$only"*) ;; *) continue ;; esac
		build="$work/labs/$lab_name"
		rm -rf "$build"
		cp -r "$dir" "$build"
		cp solutions/"$lab_name"/*.c "$build/"
		if [ "$how" = patch ]; then
			patch -s -d "$build" < "solutions/$lab_name/$path"
		else
			cp solutions/"$lab_name"/"$path"/* "$build/"
		fi
		if ! make -s -C "$build" all > "$work/make.log" 2>&1; then
			echo "$lab  $name: did not build" && cat "$work/make.log" && continue
		fi
		bin="$work/build/labs/$lab_name"
		: > "$work/t"
		by_seeds=0 by_sched=0 i=0 sched_s=-
		while [ $i -lt "$n" ]; do
			t0=$(date +%s%N)
			for s in $seeds; do
				if caught "$prog" "$bin" "CHAOS_SEED=$s"; then
					by_seeds=$((by_seeds + 1)) && break
				fi
			done
			took "$t0"
			i=$((i + 1))
		done
		seeds_s=$(median)
		i=0
		while [ -n "$sched" ] && [ $i -lt "$n" ]; do
			t0=$(date +%s%N)
			! caught "$prog" "$bin" "SCHEDULE=$sched" || by_sched=$((by_sched + 1))
			took "$t0"
			i=$((i + 1))
		done
		[ -z "$sched" ] || sched_s=$(median)
		printf '%s   %-31s %-14s %3d/%-3d %5ss %3d/%-3d %5ss\n' "$lab" "$name" "$prog" \
		       "$by_seeds" "$n" "$seeds_s" "$by_sched" "$n" "$sched_s"
		[ -z "$table" ] || printf '%s\t%s\t%s\t%d\t%s\t%d\t%s\n' "$lab" "$name" "$prog" \
		                          "$by_seeds" "$seeds_s" "$by_sched" "$sched_s" >> "$table"
	done
done
