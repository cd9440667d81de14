#!/bin/sh
# pack.sh - one lab's Autolab autograder (make autolab LAB=NN [OUT=DIR]):
# into DIR (default build/autolab/NN-topic/) the three things an Autolab
# assessment of that lab takes:
#   autograde.tar         the lab's grader (grader/lab_pack.sh's files: no
#                         solutions/, build/, .git or other lab; the hidden
#                         tests in), driver.sh, and autolab-lab naming the lab
#                         and the instructor's SANDBOX (default required) and
#                         INCONCLUSIVE (default awarded);
#   autograde-Makefile    with HANDIN set to the lab's one student file, or
#                         handin.tar for a lab of several;
#   problems.yml          the assessment's problems, named as the scores line
#                         names them (grader --autolab-problems).
# Run by make autolab after check-skeletons, so the lab's student files are
# the skeletons. The image is grader/autolab/Dockerfile's.
#   sh grader/autolab/pack.sh LAB [DIR]
set -eu
. grader/lab_pack.sh
lab=$(lab_folder "$1")
out=${2:-build/autolab/$lab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tar/grader/autolab" "$out"

lab_files "$lab" > "$tmp/files"
tar -cf - -T "$tmp/files" | tar -xf - -C "$tmp/tar"
cp grader/autolab/driver.sh "$tmp/tar/grader/autolab/"
# The instructor's choices (make autolab SANDBOX=... INCONCLUSIVE=...): an
# assessment's total is fixed, so a row the machine could not judge is
# awarded by default rather than excluded.
printf 'LAB=%s\nSANDBOX=%s\nINCONCLUSIVE=%s\n' "$lab" "${SANDBOX:-required}" \
	"${INCONCLUSIVE:-awarded}" > "$tmp/tar/autolab-lab"
tar -cf "$out/autograde.tar" -C "$tmp/tar" .

files=$(jq -r '.student_files | length' "labs/$lab/lab.json")
handin=handin.tar
[ "$files" -eq 1 ] && handin=$(jq -r '.student_files[0]' "labs/$lab/lab.json")
sed "s/^HANDIN ?= .*/HANDIN ?= $handin/" grader/autolab/autograde-Makefile > "$out/autograde-Makefile"
build/grader/grader --root . --lab "$lab" --autolab-problems > "$out/problems.yml"
echo "autolab: $out/ holds autograde.tar, autograde-Makefile (handin: $handin) and" \
     "problems.yml for $lab. Set the assessment's image to grader/autolab/Dockerfile's."
