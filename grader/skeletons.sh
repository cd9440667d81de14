#!/bin/sh
# skeletons.sh - the student files of labs/, made from solutions/ (their
# single source, grader/skeleton.awk), without ever losing an edit.
#
#   sh grader/skeletons.sh write          make skeletons (FORCE=1 in the environment: see below)
#   sh grader/skeletons.sh check WHAT     make check-skeletons, for make WHAT (test, release)
#
# solutions/skeletons.sha256 records the hash of every skeleton `write` last
# wrote. A file of labs/ that is neither that skeleton nor the new one was
# edited: a student's work, or an instructor's hand. `write` then writes
# nothing and lists the files; with FORCE=1 it copies each edited file to
# FILE.backup-DATE beside it before replacing it. An untouched older
# skeleton (a solution was edited since) is replaced without a question.
# Run from the project folder.
set -eu

MANIFEST=solutions/skeletons.sha256
mode=${1:-}
what=${2:-check-skeletons}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

hash_of() {
	sha256sum < "$1" | cut -d' ' -f1
}

# The hash `write` recorded for labs file $1, or nothing.
recorded() {
	[ -f "$MANIFEST" ] || return 0
	awk -v f="$1" '$2 == f { print $1 }' "$MANIFEST"
}

# Each reference with markers, its skeleton made into $tmp, classified:
# "SOURCE OUT SKELETON STATE" per line into $tmp/plan, where STATE is
#   same        OUT is the new skeleton, and the record says so
#   unrecorded  OUT is the new skeleton, and the record says another
#   stale       OUT is missing, or the skeleton last written: safe to replace
#   edited      OUT is neither: someone's work
plan() {
	n=0
	: > "$tmp/plan"
	# shellcheck disable=SC2013 # the paths of solutions/ have no blanks
	for src in $(grep -l -- '// BEGIN SOLUTION' solutions/*/*.c 2>/dev/null); do
		n=$((n + 1))
		out=labs/${src#solutions/}
		new=$tmp/$n.c
		if ! awk -f grader/skeleton.awk "$src" > "$new"; then
			echo "make skeletons: $src is not a valid reference (see above); nothing was written" >&2
			exit 1
		fi
		was=$(recorded "$out")
		if [ ! -f "$out" ]; then
			state=stale
		elif cmp -s "$new" "$out"; then
			state=same
			[ "$was" = "$(hash_of "$new")" ] || state=unrecorded
		elif [ -n "$was" ] && [ "$was" = "$(hash_of "$out")" ]; then
			state=stale
		else
			state=edited
		fi
		echo "$src $out $new $state" >> "$tmp/plan"
	done
}

edited_list() {
	awk '$4 == "edited" { print "  " $2 }' "$tmp/plan"
}

# "03" for labs/03-producer-consumer/queue.c, the first edited file's lab.
first_edited_lab() {
	awk '$4 == "edited" { split($2, p, "/"); split(p[2], n, "-"); print n[1]; exit }' "$tmp/plan"
}

# A name beside $1 that no file has yet: FILE.backup-20250301-141502.
backup_name() {
	b=$1.backup-$(date +%Y%m%d-%H%M%S)
	k=1
	while [ -e "$b" ]; do
		k=$((k + 1))
		b=$1.backup-$(date +%Y%m%d-%H%M%S)-$k
	done
	echo "$b"
}

refuse_write() {
	lab=$(first_edited_lab)
	cat >&2 <<EOF
make skeletons: these files of labs/ were edited since make skeletons last wrote them:
$(edited_list)
Nothing was written: regenerating would replace each with the empty skeleton.
  In a student's copy they are your work: keep them. Grade them with
  make grade LAB=$lab; make skeletons is the instructor's.
  To replace them anyway: make skeletons FORCE=1. Each edited file is first
  copied beside itself, as FILE.backup-DATE, and the copy's name is printed.
EOF
	exit 1
}

write_skeletons() {
	plan
	if [ ! -s "$tmp/plan" ]; then
		echo "make skeletons: no reference with solution markers in solutions/" >&2
		exit 1
	fi
	if grep -q ' edited$' "$tmp/plan" && [ "${FORCE:-}" != 1 ]; then
		refuse_write
	fi
	wrote=0 total=0
	while read -r src out new state; do
		total=$((total + 1))
		[ "$state" = same ] && continue
		if [ "$state" = edited ]; then
			b=$(backup_name "$out")
			cp -p "$out" "$b"
			echo "make skeletons: $out was edited: kept as $b"
		fi
		if ! cmp -s "$new" "$out" 2>/dev/null; then
			mkdir -p "$(dirname "$out")"
			cp "$new" "$out"
			wrote=$((wrote + 1))
			echo "make skeletons: wrote $out from $src"
		fi
	done < "$tmp/plan"
	said=
	write_manifest && said=" (their hashes recorded in $MANIFEST)"
	echo "make skeletons: $total skeletons, $wrote written," \
	     "$((total - wrote)) already up to date$said"
}

# The record, rewritten only when it changes (so git sees no change else):
# true when it was.
write_manifest() {
	{
		echo "# Written by make skeletons (grader/skeletons.sh): the hash of each skeleton it"
		echo "# last wrote into labs/, to tell an untouched skeleton from someone's edits."
		while read -r src out new state; do
			echo "$(hash_of "$new")  $out"
		done < "$tmp/plan"
	} > "$tmp/manifest"
	! cmp -s "$tmp/manifest" "$MANIFEST" 2>/dev/null && cp "$tmp/manifest" "$MANIFEST"
}

refuse_check() {
	lab=$(first_edited_lab)
	case $what in
	test) role="make test is the instructor's proof that the grader is right" ;;
	release) role="make release builds the student release, for the instructor" ;;
	classroom) role="make classroom builds the GitHub Classroom template, for the instructor" ;;
	*) role="make $what is part of the instructor's proof (make test)" ;;
	esac
	cat >&2 <<EOF
make $what: these files of labs/ hold edits, not the skeletons solutions/ makes:
$(edited_list)
$role:
it needs labs/ to hold exactly what make skeletons generates, and this
copy's labs/ holds work.
  In a student's copy these edits are your work, and nothing is wrong with
  them: grade them with make grade LAB=$lab (or make grade for every lab);
  inside a lab's folder, make test runs that lab's own tests.
  In the instructor's copy, labs/ is generated, never edited: put the change
  into solutions/ and run make skeletons. make skeletons FORCE=1 replaces the
  edited files with the skeletons, copying each first to FILE.backup-DATE.
EOF
}

check_skeletons() {
	plan
	rc=0
	while read -r src out new state; do
		case $state in
		stale)
			echo "make $what: $out is not the skeleton $src makes now: run make skeletons" \
			     "(it replaces only untouched skeletons)" >&2
			rc=1 ;;
		unrecorded)
			echo "make $what: $out is the skeleton, but $MANIFEST does not record it:" \
			     "run make skeletons (it writes only the record)" >&2
			rc=1 ;;
		esac
	done < "$tmp/plan"
	if grep -q ' edited$' "$tmp/plan"; then
		refuse_check
		rc=1
	fi
	return $rc
}

case $mode in
write) write_skeletons ;;
check) check_skeletons ;;
*) echo "usage: sh grader/skeletons.sh write | check [WHAT]" >&2; exit 2 ;;
esac
