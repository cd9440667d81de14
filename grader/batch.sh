#!/bin/sh
# batch.sh - grades a class: every student folder of DIR (DIR/<student>/NN-topic/...)
# one after the other, so that no speedup trial overlaps another grade, into
# OUT/<student>.json (Gradescope schema) and OUT/<student>.txt, and one CSV
# gradebook: student, score, max_score, then one column per check.
#   usage: batch.sh GRADER DIR OUT GRADEBOOK [grader options, e.g. --lab 01]
set -u
grader=$1 dir=$2 out=$3 book=$4
shift 4
[ -d "$dir" ] || { echo "batch: $dir is not a folder" >&2; exit 2; }
mkdir -p "$out"
tmp="$book.tmp"
: > "$tmp"
worst=0
for sub in "$dir"/*/; do
	name=$(basename "$sub")
	"$grader" --root . --submission "$sub" --json "$out/$name.json" --color never \
		--progress none "$@" \
		> "$out/$name.txt" 2>&1
	code=$?
	[ "$code" -gt "$worst" ] && worst=$code
	if [ ! -s "$tmp" ]; then # the header, from the first results file
		jq -r '["student", "score", "max_score"] + [.tests[].name] | @csv' "$out/$name.json" > "$tmp"
	fi
	jq -r --arg n "$name" '[$n, .score, ([.tests[].max_score] | add)] + [.tests[].score] | @csv' \
		"$out/$name.json" >> "$tmp"
	echo "$name: $(jq -r '"\(.score) / \([.tests[].max_score] | add)"' "$out/$name.json") (exit $code)"
done
mv "$tmp" "$book"
echo "gradebook: $book"
exit "$worst"
