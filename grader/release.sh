#!/bin/sh
# release.sh - builds the student release, what students get and nothing
# else: the labs (handouts, skeletons, harnesses, visible tests), common/,
# the grader without its own tests, the top Makefile, the students' part of
# README.md, syllabus.md, and a RELEASE file at the top that the grader
# looks for.
# Left out: solutions/ (references, mutants, expect files), every lab's
# hidden/ folder, grader/tests/ (the self-test and the hostile corpus),
# this script, skeletons.sh, classroom.sh and grader/gradescope/pack.sh (make
# skeletons, make classroom and make gradescope, the instructor's). Run by `make release [RELEASE=F.tar.gz]` after
# check-skeletons, so the student files in labs/ are the skeletons.
#
#   sh grader/release.sh OUT.tar.gz
set -eu
out=$1
top=concurrency-labs	# the folder the archive unpacks into

# What is left out, as extended regular expressions on paths.
LEAVE_OUT='^solutions/|^labs/[^/]+/hidden(/|$)|^grader/tests/|^grader/(release|skeletons|classroom)\.sh$'
LEAVE_OUT="$LEAVE_OUT|^grader/(gradescope|autolab)/pack\.sh$|^grader/lab_pack\.sh$"	# make gradescope and make autolab, the instructor's
LEAVE_OUT="$LEAVE_OUT|(^|/)mutants/|(^|/)expect\.json$|\.patch$|(^|/)build/"
LEAVE_OUT="$LEAVE_OUT|\.backup-[0-9]"	# an edited file make skeletons FORCE=1 kept

# The students' part of README.md (its "The release's README" says how it
# is marked): what an instructor marked for instructors is left out, and the
# text of a students' comment is shown. A marker left open, nested, or
# misspelt (any HTML comment left over) stops the release: better no
# release than one that shows students the instructors' sections.
students_readme() {
	awk '
	function fail(why) { printf "release: %s line %d: %s\n", FILENAME, NR, why > "/dev/stderr"; bad = 1; exit 1 }
	/^<!-- instructors: from here -->$/ { if (drop || shown) fail("a block opened inside another"); drop = NR; next }
	/^<!-- instructors: to here -->$/ { if (!drop) fail("\"to here\" with no \"from here\" open"); drop = 0; next }
	drop { next }
	/^<!-- students:$/ { if (shown) fail("a students block opened inside another"); shown = NR; next }
	shown && /^-->$/ { shown = 0; next }
	/<!-- instructors: this line -->/ { next }
	/<!--|-->/ { fail("an HTML comment that is no marker (misspelt?)") }
	/^[ \t]*$/ { if (blank++) next; print; next }	# never two blank lines in a row
	{ blank = 0; print }
	END { if (bad) exit 1
	      if (drop) { NR = drop; fail("\"from here\" never closed by \"to here\"") }
	      if (shown) { NR = shown; fail("a students block never closed by -->") } }
	' "$1"
}

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
students_readme README.md > "$tmp/$top/README.md"

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
