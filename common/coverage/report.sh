#!/bin/sh
# report.sh - make coverage's report, from the counts the coverage build's
# test programs left in DIR: per student file, the lines run and those never
# run, then each line with a branch never taken (the line ran, one way of its
# condition never did), an HTML page of every line, and what the figures
# leave out. Run in the lab folder.
#   usage: report.sh -d DIR -f "FILES" [-r "PROGRAMS RUN"] [-a "ALL PROGRAMS"]
#                    [-p PART] [-m MIN] [-w FROM]
#     -r, -a   the test programs that ran, and all of the lab's: when fewer
#              ran, the report says what it cannot show
#     -p PART  the make target of that part (coverage-PART), for the note
#     -m MIN   fail (exit 2) below MIN % of the lines
#     -w FROM  the folder the reader typed make in: the HTML's path is said
#              from there (default: here)
set -u
dir='' files='' ran='' all='' part='' min='' from=.
while getopts d:f:r:a:p:m:w: opt; do
	case $opt in
	d) dir=$OPTARG ;; f) files=$OPTARG ;; r) ran=$OPTARG ;; a) all=$OPTARG ;;
	p) part=$OPTARG ;; m) min=$OPTARG ;; w) from=$OPTARG ;;
	*) echo "usage: report.sh -d DIR -f FILES [-r RAN] [-a ALL] [-p PART] [-m MIN] [-w FROM]" >&2
	   exit 2 ;;
	esac
done

filters=''
for f in $files; do
	filters="$filters --filter $f"
done
# The line table (Missing: lines never run), the summary, and the details
# for the branches and the HTML page.
# shellcheck disable=SC2086 # the filters are meant to split
gcovr --root . --object-directory "$dir" $filters --txt --print-summary \
	--json "$dir/coverage.json" --html-details "$dir/coverage.html" \
	${min:+--fail-under-line "$min"} "$dir"
rc=$?

if command -v jq > /dev/null 2>&1 && [ -s "$dir/coverage.json" ]; then
	jq -r '.files[] | { file, at: [.lines[] | select(.count > 0 and
		(.["gcovr/noncode"] | not) and (.["gcovr/excluded"] | not) and
		any(.branches[]?; .count == 0)) | .line_number] } | select(.at | length > 0) |
		"\(.file): a branch never taken at line\(if (.at | length) > 1 then "s" else "" end)" +
		" \(.at | map(tostring) | join(", ")) (the line ran; one way of its condition never did)"' \
		"$dir/coverage.json"
fi

html=$(realpath -m --relative-to="$from" "$dir/coverage.html")
echo "every line, in a browser: $html"

for f in $files; do
	n=$(grep -c 'GCOVR_EXCL_\(START\|LINE\|BR_LINE\)' "$f")
	[ "$n" -gt 1 ] && w="$n places marked GCOVR_EXCL are" || w="1 place marked GCOVR_EXCL is"
	[ "$n" -gt 0 ] && echo "$f: $w left out of these figures: code a correct program never reaches (its comment says why)"
done

if [ -n "$ran" ] && [ "$ran" != "$all" ]; then
	echo "Only $ran ran (make ${part:-coverage-PART}): lines that the lab's other test programs ($all) reach show as never run here. make coverage runs them all."
fi
if [ "$rc" -ne 0 ] && [ -n "$min" ]; then
	echo "coverage: below $min% of the lines of $files"
fi
exit $rc
