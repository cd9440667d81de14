#!/bin/sh
# setup.sh - Gradescope's image setup: runs once, as root, with this project
# unpacked in /autograder/source (zip the project with grader/gradescope/'s
# two files at its top, as Gradescope asks). Installs the Debian packages
# (make deps) and builds the grader; run_autograder then grades each upload.
set -eu
cd /autograder/source
apt-get update
make deps
make build/grader/grader
cp grader/gradescope/run_autograder /autograder/run_autograder
chmod +x /autograder/run_autograder
