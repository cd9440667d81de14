#!/bin/sh
# collect.sh - an upload (a zip's or tar's contents, laid out like labs/ or
# just the bare files) made into a submission folder laid out like labs/.
# Each lab's student files (its lab.json's student_files) are looked for
# anywhere in UPLOAD, never picked by path order:
#   - a copy inside a folder named after another lab (04-pool-ordering/
#     tasks.c, for lab 01) is that lab's, never this one's;
#   - the copy nearest the top of the upload wins; deeper ones are ignored;
#   - of copies equally near the top, the one inside a folder named after
#     the lab wins; otherwise none of them is graded (the student is told
#     to upload one).
# A lab with at least one of its files is graded (the grader gives it the
# skeleton for any other: grader/SPEC.md). Prints the labs found as LAB=
# takes them ("01,04"), nothing when none was; and on stderr, for the
# student, what was graded and what was ignored, and why.
#   usage: collect.sh ROOT UPLOAD DEST [LAB]   (LAB: that lab folder only)
# Used by Gradescope's run_autograder (one lab) and Autolab's driver (every lab).
set -u
root=$1 upload=$2 dest=$3 only=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every file of the upload, relative to its top; the lab folders of ROOT.
(cd "$upload" && find . -type f) | sed 's|^\./||' | sort > "$tmp/all"
all_labs=$(for spec in "$root"/labs/*/lab.json; do basename "$(dirname "$spec")"; done)

# The fate of each copy of FILE for LAB, a line each: graded, deeper (a copy
# nearer the top was graded), aside (the copy in the lab's folder was
# graded) or tied (equally near, none graded), then the path.
fates() {
	awk -v lab="$1" -v f="$2" -v labs="$(printf '%s\n' "$all_labs" | tr '\n' ' ')" '
	BEGIN { n = split(labs, l, " "); for (i = 1; i <= n; i++) if (l[i] != lab) other[l[i]] = 1 }
	{
		k = split($0, part, "/")
		if (part[k] != f) next
		own = 0
		for (i = 1; i < k; i++) {
			if (part[i] in other) next
			if (part[i] == lab) own = 1
		}
		m++; path[m] = $0; depth[m] = k; mine[m] = own
	}
	END {
		if (m == 0) exit
		top = depth[1]
		for (i = 2; i <= m; i++) if (depth[i] < top) top = depth[i]
		for (i = 1; i <= m; i++) if (depth[i] == top) { near++; nearest = i; if (mine[i]) { owned++; ownpick = i } }
		pick = near == 1 ? nearest : owned == 1 ? ownpick : 0
		if (pick)
			print "graded", path[pick]
		for (i = 1; i <= m; i++)
			if (i != pick)
				print (depth[i] > top ? "deeper" : pick ? "aside" : "tied"), path[i]
	}' "$tmp/all"
}

# "a, b and c"
and_list() {
	awk 'NR > 1 { s = s (NR == n ? " and " : ", ") } { s = s $0 } END { print s }' n="$(wc -l < "$1")" "$1"
}

labs=""
: > "$tmp/said"
: > "$tmp/named"
for lab in $all_labs; do
	[ -z "$only" ] || [ "$lab" = "$only" ] || continue
	: > "$tmp/lab"
	seen=""
	for f in $(jq -r '.student_files[]' "$root/labs/$lab/lab.json"); do
		fates "$lab" "$f" > "$tmp/fates"
		cut -d' ' -f2- "$tmp/fates" >> "$tmp/named"
		[ -s "$tmp/fates" ] && seen=1
		while read -r fate p; do
			case $fate in
			graded)
				mkdir -p "$dest/$lab"
				cp "$upload/$p" "$dest/$lab/$f"
				echo "  $lab/$f: graded $p" ;;
			deeper) echo "  $lab/$f: ignored $p, another copy deeper in the folders" ;;
			aside) echo "  $lab/$f: ignored $p: the copy in a folder named $lab was graded" ;;
			esac
		done < "$tmp/fates" >> "$tmp/lab"
		if grep -q '^tied ' "$tmp/fates"; then
			sed -n 's/^tied //p' "$tmp/fates" > "$tmp/tied"
			none=neither
			[ "$(wc -l < "$tmp/tied")" -eq 2 ] || none=none
			echo "  $lab/$f: not graded: $(and_list "$tmp/tied") are equally near the top of" \
			     "your upload, so $none was graded. Upload one." >> "$tmp/lab"
		elif ! grep -q '^graded ' "$tmp/fates"; then
			echo "  $lab/$f: not in your upload" >> "$tmp/lab"
		fi
	done
	[ -d "$dest/$lab" ] && labs="${labs:+$labs,}${lab%%-*}"
	# A lab none of whose files is in the upload is said only when it was asked for.
	if [ -n "$seen" ] || [ -n "$only" ]; then cat "$tmp/lab" >> "$tmp/said"; fi
done

# Every other file of the upload, by name (the first 20).
sort -u "$tmp/named" | comm -23 "$tmp/all" - > "$tmp/unused"
if [ -s "$tmp/unused" ]; then
	n=$(wc -l < "$tmp/unused")
	more=""
	[ "$n" -le 20 ] || more=" and $((n - 20)) more"
	head -n 20 "$tmp/unused" | paste -sd, - | sed 's/,/, /g' > "$tmp/names"
	whom="any lab"
	[ -z "$only" ] || whom="this lab"
	echo "  ignored, of no use to $whom: $(cat "$tmp/names")$more" >> "$tmp/said"
fi
{ echo "Your upload, as graded:"; cat "$tmp/said"; } >&2
echo "$labs"
