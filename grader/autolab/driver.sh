#!/bin/sh
# driver.sh - Autolab's autograder. Autolab copies the student's handin and
# autograde.tar (one lab's grader: make autolab LAB=NN) into one folder and runs
# `make -f autograde-Makefile` there (see autograde-Makefile); it reads the
# score from the LAST line of the output: {"scores": {"<row>": points, ...}}.
# That line is printed whatever happens: a handin with no lab file, code that
# does not build, hangs or cheats all still get a scores line.
#   usage: driver.sh ROOT HANDIN   (HANDIN: a file, a .tar or .tar.gz, or a folder)
set -u
root=$1 handin=$2
up=$(mktemp -d) sub=$(mktemp -d)
case $handin in
*.tar|*.tar.gz|*.tgz) tar -xf "$handin" -C "$up" ;;
*) cp -r "$handin" "$up/" ;;
esac
# One lab's package (make autolab) names its lab and the instructor's SANDBOX.
LAB= SANDBOX=${SANDBOX:-required} INCONCLUSIVE=${INCONCLUSIVE:-awarded}
[ -f "$root/autolab-lab" ] && . "$root/autolab-lab"
labs=$(sh "$root/grader/ci/collect.sh" "$root" "$up" "$sub" $LAB)
if [ -z "$labs" ]; then
	echo "No file of ${LAB:-any lab} was found in the handin: hand in the file(s) the lab's handout names."
	echo '{"scores": {}}'
	rm -rf "$up" "$sub"
	exit 0
fi
# The report, then the scores line last (--autolab prints it after the report).
# No student code runs without the sandbox unless SANDBOX=off-ok is set here.
# Replay lines read as the student types them in their own copy, never
# naming the temporary folder the handin was unpacked into.
"$root/build/grader/grader" --root "$root" --submission "$sub" --lab "$labs" \
	--replay-as labs --color never --progress none --autolab --sandbox "$SANDBOX" \
	--inconclusive "$INCONCLUSIVE" 2>&1
rm -rf "$up" "$sub"
exit 0
