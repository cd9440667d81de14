#!/bin/sh
# perf_replay.sh - the trust benchmark of the performance checks: every
# speedup or cost check of every lab, replayed N times on the lab's reference
# and on one correct variant (the first of expect.json's variants that must
# pass them all), and counted by verdict. Correct code must never get FAIL
# (PRODUCT.md, "Trust"); INCONCLUSIVE is allowed when the machine is busy.
#
#   sh grader/perf_replay.sh [-n N] [-l LABS] [-h] [-o TABLE]
#     -n N      replays per check and submission (default 20)
#     -l LABS   lab numbers, comma-separated (default: every lab)
#     -h        one CPU hog runs beside the grader the whole time
#     -o TABLE  also write the table (tab-separated) to TABLE
# Prints a line per check and submission: the verdicts counted, and the
# median figure of each replay's own median (min-max); exits 1 if any FAIL.
# Run it on a machine doing nothing else: it measures the grader's noise.
set -eu
cd "$(dirname "$0")/.."
n=20 labs= hog= table=
while getopts n:l:ho: opt; do
	case $opt in
	n) n=$OPTARG ;; l) labs=$OPTARG ;; h) hog=1 ;; o) table=$OPTARG ;;
	*) echo "usage: sh grader/perf_replay.sh [-n N] [-l LABS] [-h] [-o TABLE]" >&2; exit 2 ;;
	esac
done
make -s all >/dev/null
grader=build/grader/grader
work=$(mktemp -d)
chmod 755 "$work"
hog_pid=
cleanup() { [ -z "$hog_pid" ] || kill "$hog_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM
if [ -n "$hog" ]; then
	sh -c 'while :; do :; done' &
	hog_pid=$!
fi

# The figure of a row's words: a cpu-bound check's share of the control
# ("Your speedup is 99.0% of"), else its ratio ("speedup 7.81x", "growth
# 1.02x"). A busy machine's inconclusive row has only the ratio.
figure() {
	text=$(cat)
	share=$(printf '%s\n' "$text" | sed -n 's/.*Your speedup is \([0-9.]*\)% of.*/\1%/p' | head -n 1)
	[ -n "$share" ] && { echo "$share"; return; }
	printf '%s\n' "$text" | sed -n 's/^\(INCONCLUSIVE: \)\{0,1\}\(speedup\|growth\) \([0-9.]*\)x.*/\3x/p' |
		head -n 1
}

# "pass=N inconclusive=N fail=N median=F (min-max)" of "check verdict figure" lines.
summarise() {
	awk '{ n[$2]++; f = $3; u = f; sub(/^[0-9.]*/, "", u); sub(/[%x]$/, "", f)
	       if (f != "?") { v[++k] = f + 0; unit = u } }
	END {
		for (i = 2; i <= k; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		m = k == 0 ? 0 : k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
		printf "pass=%d inconclusive=%d fail=%d median=", n["passed"], n["inconclusive"],
		       n["failed"] + n["grader error"] + n["missing"] + 0
		if (k) printf "%.2f%s (%.2f-%.2f)\n", m, unit, v[1], v[k]; else print "-" }'
}

# A copy of the references with one variant applied: DIR/NN-topic/<files>.
stage_variant() { # lab patch dir
	mkdir -p "$3/$1"
	cp solutions/"$1"/*.c "$3/$1/"
	patch -s -d "$3/$1" -p0 < "solutions/$1/$2"
	chmod -R a+rX "$3"
}

say() { printf '%s\n' "$1"; [ -z "$table" ] || printf '%s\n' "$1" | tr -s ' ' '\t' >> "$table"; }
[ -z "$table" ] || : > "$table"
fails=0
for lab in $(ls -d labs/[0-9]*/ | sed 's|labs/||; s|/$||'); do
	num=${lab%%-*}
	case ",$labs," in ,,) ;; *",$num,"* | *",${num#0},"*) ;; *) continue ;; esac
	checks=$(jq -r '.checks[] | select(.kind == "speedup") | .name' "labs/$lab/lab.json")
	[ -n "$checks" ] || continue
	variant=$(jq -r --arg c "$(echo $checks)" '[.variants[]? |
		select(.patch and ($c | split(" ")) - .must_pass == [])][0].patch // empty' \
		"solutions/$lab/expect.json")
	subs="solutions"
	if [ -n "$variant" ]; then
		stage_variant "$lab" "$variant" "$work/variant"
		subs="solutions $work/variant"
	fi
	for sub in $subs; do
		name=$([ "$sub" = solutions ] && echo reference || basename "$variant" .patch)
		: > "$work/tally"
		i=0
		while [ $i -lt "$n" ]; do # one grade times every check of the lab, in turn
			i=$((i + 1))
			"$grader" --root . --lab "$num" --submission "$sub" \
				--check "$(echo $checks | tr ' ' ',')" \
				--json "$work/r.json" --progress none >/dev/null 2>&1 || true
			for check in $checks; do
				row=$(jq -c --arg c "$check" '[.tests[] | select(.extra_data.id == $c)][0]
					// {}' "$work/r.json")
				v=$(printf "%s\n" "$row" | jq -r '.extra_data.verdict // "missing"')
				f=$(printf "%s\n" "$row" | jq -r '.output // ""' | figure)
				echo "$check $v ${f:-?}" >> "$work/tally"
				case $v in passed | inconclusive) ;; *)
					echo "  $lab $check $name replay $i: $v" >&2
					printf "%s\n" "$row" | jq -r '.output // ""' | head -n 3 | sed 's/^/    /' >&2 ;;
				esac
			done
		done
		for check in $checks; do
			line=$(awk -v c="$check" '$1 == c' "$work/tally" | summarise)
			fails=$((fails + $(echo "$line" | sed 's/.*fail=\([0-9]*\).*/\1/')))
			say "$lab $check $name $line"
		done
	done
done
echo "perf_replay: $n replays each$([ -n "$hog" ] && echo ', one CPU hog beside'): $fails FAIL"
[ "$fails" -eq 0 ]
