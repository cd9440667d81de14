#!/bin/sh
# classroom.sh - the GitHub Classroom template repository, made from the
# student release: the release's files at the top, a .gitignore (build/ and
# editor files), the workflow as .github/workflows/grade.yml and
# .github/grading.env (the labs a push grades, and the threshold).
# Run by `make classroom [TEMPLATE=DIR] [LABS=01] [THRESHOLD=60]` once make
# release has built RELEASE. It replaces a template it built before, never
# another folder (nor one that became a git repository).
#
#   sh grader/classroom.sh RELEASE.tar.gz DIR [LABS [THRESHOLD]]
set -eu
release=$1 dir=${2%/} labs=${3:-} threshold=${4:-}
top=concurrency-labs	# the folder the release unpacks into
ci=grader/ci

fail() { echo "make classroom: $*" >&2; exit 2; }

# LABS and THRESHOLD land in a file the workflow sources: only the
# characters their formats use (01,02 and 60,02:40).
case $labs in *[!0-9a-z,-]*) fail "LABS=$labs: lab numbers or folder names, by commas (01,02)" ;; esac
case $threshold in *[!0-9.,:]*) fail "THRESHOLD=$threshold: a percentage, or 60,02:40" ;; esac
for lab in $(echo "$labs" | tr , ' '); do	# as LAB= takes it: 1, 01 or 01-stdout-race
	found=
	for d in labs/"$lab" labs/"$lab"-* labs/0"$lab"-*; do [ -f "$d/lab.json" ] && found=1; done
	[ -n "$found" ] || fail "LABS: no lab $lab in labs/"
done

if [ -e "$dir" ]; then
	[ -f "$dir/RELEASE" ] && [ -f "$dir/.github/grading.env" ] && [ ! -e "$dir/.git" ] ||
		fail "$dir exists and is not a template make classroom built (or it is a git repository now): remove it or say TEMPLATE=DIR"
fi

# Unpacked beside DIR, then renamed into place: never half a template.
mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "$(dirname "$dir")/.classroom.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$release" -C "$tmp"
t=$tmp/$top
cp "$ci/gitignore" "$t/.gitignore"
mkdir -p "$t/.github/workflows"
cp "$ci/github-workflow.yml" "$t/.github/workflows/grade.yml"
sed -e "${labs:+s/^LABS=.*/LABS=$labs/}" -e "${threshold:+s/^THRESHOLD=.*/THRESHOLD=$threshold/}" \
	"$ci/grading.env" > "$t/.github/grading.env"
rm -rf "$dir"
mv "$t" "$dir"
. "$dir/.github/grading.env"
echo "classroom: $dir, the template repository (LABS=$LABS THRESHOLD=$THRESHOLD in .github/grading.env)"
