#!/bin/sh
# pack.sh - one lab's Gradescope autograder: the zip a Gradescope assignment
# of that lab takes (make gradescope LAB=NN [OUT=F.zip]). Gradescope unzips
# it into /autograder/source, runs setup.sh there once as root, then
# run_autograder for each submission.
#
# It holds setup.sh, run_autograder and gradescope-lab (the lab it grades)
# at its top, then, from git's file list as grader/release.sh takes it: the
# top Makefile, common/, the grader without its own tests and the
# instructor's scripts, and the one lab with its hidden tests. No
# solutions/, build/, .git or other lab. Run by make gradescope after
# check-skeletons, so the lab's student files are the skeletons.
#
#   sh grader/gradescope/pack.sh LAB [OUT.zip]   (LAB: 04 or 04-pool-ordering)
set -eu
want=$1 out=${2:-}

# The lab folder LAB names, as make grade reads LAB (a number or a name).
lab=
for spec in labs/*/lab.json; do
	name=$(basename "$(dirname "$spec")")
	if [ "$want" = "$name" ]; then
		lab=$name
	elif expr "$want" : '[0-9][0-9]*$' >/dev/null &&
	     [ "$(expr "$want" + 0)" = "$(expr "${name%%-*}" + 0 2>/dev/null || echo x)" ]; then
		lab=$name
	fi
done
if [ -z "$lab" ]; then
	echo "make gradescope: LAB=$want names no lab. The labs: $(ls labs | tr '\n' ' ')" >&2
	exit 2
fi
out=${out:-build/gradescope/$lab.zip}
shown=$out
case $out in /*) ;; *) out=$PWD/$out ;; esac

# What is left out, as extended regular expressions on paths (release.sh's,
# and grader/gradescope/ itself: its two scripts go at the top).
LEAVE_OUT='^grader/tests/|^grader/(release|skeletons)\.sh$|^grader/gradescope/'
LEAVE_OUT="$LEAVE_OUT|(^|/)mutants/|(^|/)expect\.json$|\.patch$|(^|/)build/|\.backup-[0-9]"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/zip"

# The files: in a clone, git's list (tracked and new, never ignored ones,
# so no build output or editor file comes along); else every file.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files --cached --others --exclude-standard -- Makefile common grader "labs/$lab"
else
	find Makefile common grader "labs/$lab" -type f
fi | grep -v -E "$LEAVE_OUT" | while read -r f; do
	[ -f "$f" ] && printf '%s\n' "$f" # a file deleted but not yet committed is gone
done > "$tmp/files"
tar -cf - -T "$tmp/files" | tar -xf - -C "$tmp/zip"

cp grader/gradescope/setup.sh grader/gradescope/run_autograder "$tmp/zip/"
chmod 755 "$tmp/zip/setup.sh" "$tmp/zip/run_autograder"
echo "$lab" > "$tmp/zip/gradescope-lab"
# The instructor's choices for run_autograder (make gradescope SANDBOX=...
# INCONCLUSIVE=...): without bubblewrap, refuse (the default) or grade anyway;
# what a row the machine could not judge scores (awarded by default: a
# Gradescope assignment's total is fixed, so excluded points would be lost).
printf 'SANDBOX=%s\nINCONCLUSIVE=%s\n' "${SANDBOX:-required}" "${INCONCLUSIVE:-awarded}" \
	> "$tmp/zip/gradescope-settings"

mkdir -p "$(dirname "$out")"
rm -f "$out" # zip adds to an archive that is there
(cd "$tmp/zip" && zip -q -r -X "$out" .)
hidden=no
[ -d "$tmp/zip/labs/$lab/hidden" ] && hidden=its
echo "gradescope: $shown grades $lab only ($(wc -l < "$tmp/files") files of the project, with" \
     "$hidden hidden tests). Upload it as the assignment's autograder (README, Gradescope)."
