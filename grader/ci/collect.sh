#!/bin/sh
# collect.sh - an upload (a zip's or tar's contents, laid out like labs/ or
# just the bare files) made into a submission folder laid out like labs/.
# Each lab's student files (its lab.json's student_files) are looked for
# anywhere in UPLOAD; a lab with at least one of them is graded. Prints the
# labs found as LAB= takes them ("01,04"), nothing when none was found.
#   usage: collect.sh ROOT UPLOAD DEST
# Used by Gradescope's run_autograder and Autolab's driver.
set -u
root=$1 upload=$2 dest=$3
labs=""
for spec in "$root"/labs/[0-9]*/lab.json; do
	lab=$(basename "$(dirname "$spec")")
	for f in $(jq -r '.student_files[]' "$spec"); do
		found=$(find "$upload" -type f -name "$f" | sort | head -n 1)
		[ -n "$found" ] || continue
		mkdir -p "$dest/$lab"
		cp "$found" "$dest/$lab/$f"
		case ",$labs," in *",${lab%%-*},"*) ;; *) labs="${labs:+$labs,}${lab%%-*}" ;; esac
	done
done
echo "$labs"
