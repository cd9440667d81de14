# lab_pack.sh - what one lab's grader is made of, for the platform packages
# (grader/gradescope/pack.sh, grader/autolab/pack.sh). Sourced, from the
# project folder:
#   lab_folder WANT   the lab folder WANT names, as make grade reads LAB (a
#                     number or a name); says the labs and exits 2 if none.
#   lab_files LAB     the files that lab's grader needs, a path a line: the
#                     top Makefile, common/, the grader without its own
#                     tests and the instructor's scripts, and that lab with
#                     its hidden tests. No solutions/, build/, .git or other
#                     lab. From git's list in a clone (tracked and new,
#                     never ignored ones: no build output or editor file),
#                     else every file.

lab_folder() {
	_found=
	for _spec in labs/*/lab.json; do
		_name=$(basename "$(dirname "$_spec")")
		if [ "$1" = "$_name" ]; then
			_found=$_name
		elif expr "$1" : '[0-9][0-9]*$' >/dev/null &&
		     [ "$(expr "$1" + 0)" = "$(expr "${_name%%-*}" + 0 2>/dev/null || echo x)" ]; then
			_found=$_name
		fi
	done
	if [ -z "$_found" ]; then
		echo "LAB=$1 names no lab. The labs: $(ls labs | tr '\n' ' ')" >&2
		exit 2
	fi
	echo "$_found"
}

# What is left out, as extended regular expressions on paths (release.sh's,
# and the platform folders: their scripts go at a package's top).
LAB_PACK_LEAVE_OUT='^grader/tests/|^grader/(release|skeletons|classroom|lab_pack)\.sh$'
LAB_PACK_LEAVE_OUT="$LAB_PACK_LEAVE_OUT|^grader/(gradescope|autolab)/"
LAB_PACK_LEAVE_OUT="$LAB_PACK_LEAVE_OUT|(^|/)mutants/|(^|/)expect\.json$|\.patch$|(^|/)build/|\.backup-[0-9]"

lab_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard -- Makefile common grader "labs/$1"
	else
		find Makefile common grader "labs/$1" -type f
	fi | grep -v -E "$LAB_PACK_LEAVE_OUT" | while read -r _f; do
		[ -f "$_f" ] && printf '%s\n' "$_f" # a file deleted but not yet committed is gone
	done
}
