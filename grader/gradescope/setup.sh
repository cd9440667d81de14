#!/bin/sh
# setup.sh - Gradescope's image setup, for an assignment of one lab (make
# gradescope LAB=NN built the zip): runs once, as root, with the zip unpacked
# in /autograder/source. Installs only what grading needs (common/deps.sh
# grade), builds the grader, compiles the lab's own files once for every
# submission (build/cache/), and makes the source unreadable to the user
# student code runs as, since it holds the hidden tests. run_autograder
# then grades each upload. AUTOGRADER_DIR replaces /autograder (for the tests).
set -eu
ag=${AUTOGRADER_DIR:-/autograder}
cd "$ag/source"
lab=$(cat gradescope-lab)
sh common/deps.sh grade
make --no-print-directory -j "$(nproc 2>/dev/null || echo 2)" DEPS=grade build/grader/grader

# Grading a submission without the lab's files compiles the lab's own files
# into build/cache/ and stops there ("not submitted"): each grade then
# compiles only the student's files.
empty=$(mktemp -d)
build/grader/grader --root . --lab "$lab" --submission "$empty" --color never \
	--progress none > /dev/null || true
rmdir "$empty"
if [ -d "build/cache/$lab" ]; then
	echo "setup: $lab's own files are compiled once, in build/cache/"
else
	echo "setup: $lab's own files could not be compiled ahead: each grade compiles them"
fi

# The grader runs as root and student code as another user (README,
# "Untrusted code"), who must not read the source: it holds the hidden tests.
chmod -R go-rwx "$ag/source"
cp run_autograder "$ag/run_autograder"
chmod 755 "$ag/run_autograder"
echo "setup: ready to grade $lab"
