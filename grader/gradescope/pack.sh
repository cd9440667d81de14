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

. grader/lab_pack.sh
lab=$(lab_folder "$want")
out=${out:-build/gradescope/$lab.zip}
shown=$out
case $out in /*) ;; *) out=$PWD/$out ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/zip"

lab_files "$lab" > "$tmp/files"
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
