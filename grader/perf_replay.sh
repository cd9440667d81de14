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
	printf '%s\n' "$text" | sed -n 's/^\(speedup\|growth\) \([0-9.]*\)x.*/\2x/p' | head -n 1
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
		for check in $checks; do
			pass=0 inc=0 fail=0 figs=
			i=0
			while [ $i -lt "$n" ]; do
				i=$((i + 1))
				"$grader" --root . --lab "$num" --submission "$sub" --check "$check" \
					--json "$work/r.json" --progress none >/dev/null 2>&1 || true
				v=$(jq -r '.tests[0].extra_data.verdict // "missing"' "$work/r.json")
				f=$(jq -r '.tests[0].output' "$work/r.json" | figure)
				figs="$figs ${f:-?}"
				case $v in
				passed) pass=$((pass + 1)) ;;
				inconclusive) inc=$((inc + 1)) ;;
				*) fail=$((fail + 1))
				   echo "  $lab $check $name replay $i: $v" >&2
				   jq -r '.tests[0].output' "$work/r.json" | head -n 3 | sed 's/^/    /' >&2 ;;
				esac
			done
			fails=$((fails + fail))
			stats=$(echo "$figs" | tr ' ' '\n' | grep -v '^$' | grep -v '?' |
				sed 's/[%x]$//' | sort -n | awk '{ v[NR] = $1 } END {
					if (NR == 0) { print "-"; exit }
					m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
					printf "%.2f%s (%.2f-%.2f)", m, u, v[1], v[NR] }' u="$(echo "$figs" |
				grep -o '[%x]' | head -n 1)")
			say "$lab $check $name pass=$pass inconclusive=$inc fail=$fail median=$stats"
		done
	done
done
echo "perf_replay: $n replays each$([ -n "$hog" ] && echo ', one CPU hog beside'): $fails FAIL"
[ "$fails" -eq 0 ]
