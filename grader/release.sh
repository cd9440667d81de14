#!/bin/sh
# release.sh - builds the student release, what students get and nothing
# else: the labs (handouts, skeletons, harnesses, visible tests), common/,
# the grader without its own tests, the top Makefile, README.md and
# syllabus.md, and a RELEASE file at the top that the grader looks for.
# Left out: solutions/ (references, mutants, expect files), every lab's
# hidden/ folder, grader/tests/ (the self-test and the hostile corpus),
# this script, skeletons.sh and grader/gradescope/pack.sh (make skeletons and
# make gradescope, the instructor's). Run by `make release [RELEASE=F.tar.gz]` after
# check-skeletons, so the student files in labs/ are the skeletons.
#
#   sh grader/release.sh OUT.tar.gz
set -eu
out=$1
top=concurrency-labs	# the folder the archive unpacks into

# What is left out, as extended regular expressions on paths.
LEAVE_OUT='^solutions/|^labs/[^/]+/hidden(/|$)|^grader/tests/|^grader/(release|skeletons)\.sh$'
LEAVE_OUT="$LEAVE_OUT|^grader/gradescope/pack\.sh$"	# make gradescope, the instructor's
LEAVE_OUT="$LEAVE_OUT|(^|/)mutants/|(^|/)expect\.json$|\.patch$|(^|/)build/"
LEAVE_OUT="$LEAVE_OUT|\.backup-[0-9]"	# an edited file make skeletons FORCE=1 kept

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/$top"

# The files: in a clone, git's list (tracked and new, never ignored ones,
# so no build output or editor file comes along); else every file.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files --cached --others --exclude-standard -- \
		Makefile README.md syllabus.md common labs grader
else
	find Makefile README.md syllabus.md common labs grader -type f
fi | grep -v -E "$LEAVE_OUT" | while read -r f; do
	[ -f "$f" ] && printf '%s\n' "$f" # a file deleted but not yet committed is gone
done > "$tmp/files"
tar -cf - -T "$tmp/files" | tar -xf - -C "$tmp/$top"

version=$(git describe --always --dirty 2>/dev/null || echo unknown)
cat > "$tmp/$top/RELEASE" <<EOF
This is the student release of the concurrency labs (built by make release
from version $version).

It holds every lab (handout, skeleton, harness, visible tests), common/ and
the grader: make grade grades your work exactly as the instructor's copy
does, minus the hidden tests. It has no solutions and no hidden tests; when
your instructor grades, the hidden tests also count for credit.
EOF

mkdir -p "$(dirname "$out")"
tar -czf "$out" -C "$tmp" "$top"
echo "release: $out ($(wc -l < "$tmp/files") files, unpacks into $top/)"
