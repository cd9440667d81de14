#!/bin/sh
# summary.sh - a grade as Markdown, for the page of a GitHub Actions run
# (the workflow appends it to $GITHUB_STEP_SUMMARY): the score, what the
# threshold said, a row per check, then the text report, folded.
#   usage: summary.sh RESULTS.json REPORT.txt [THRESHOLD.txt]
# Any of the files may be missing (a grade that was not written says so).
# Always exits 0: the summary never decides whether the run fails.
set -u
results=$1 report=$2 threshold=${3:-}

# GitHub keeps at most 1 MiB of a step's summary: a flood of output in the
# report must not cost the table its place.
REPORT_MAX=200000

echo "## Grade (feedback only: your instructor grades with the hidden tests too)"
echo
if ! jq -e '.tests' "$results" >/dev/null 2>&1; then
	echo "No grade was written ($results): see the run's log."
else
	jq -r '"**\(.score) / \([.tests[].max_score] | add // 0) points**\n",
		"| check | points | verdict |", "|---|---|---|",
		(.tests[] | [.name, "\(.score) / \(.max_score)",
			(.extra_data.verdict // .status)]
		| map(tostring | gsub("\\|"; "\\|") | gsub("\n"; " ")) | "| " + join(" | ") + " |")' \
		"$results"
fi
if [ -n "$threshold" ] && [ -s "$threshold" ]; then
	echo
	sed 's/^/    /' "$threshold"	# an indented block: shown as typed
fi
if [ -s "$report" ]; then
	printf '\n<details><summary>The full report</summary>\n\n````text\n'
	head -c "$REPORT_MAX" "$report"
	printf '\n````\n</details>\n'
fi
exit 0
