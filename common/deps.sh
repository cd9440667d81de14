#!/bin/sh
# deps.sh - installs the Debian packages the labs and the grader need, and
# says what it installs. Safe to run again: it installs only what is missing.
# Runs apt-get directly as root, through sudo otherwise.
#   deps.sh         every package below
#   deps.sh grade   only those grading needs (marked grade): Gradescope's
#                   setup.sh and Autolab's image (grader/autolab/Dockerfile)
set -eu
want=${1:-all}
case $want in
all|grade) ;;
*) echo "deps.sh: say nothing (every package) or grade (what grading needs), not '$want'" >&2
   exit 2 ;;
esac

# package          needed for   what it is for
PACKAGES="
gcc                grade        compiles the labs and the grader
make               grade        builds everything
pkg-config         grade        finds the libraries' flags
check              grade        unit-test framework (Check) for the labs' tests
libsubunit-dev     grade        Check's link dependency
libjansson-dev     grade        JSON: reads lab specs, writes Gradescope results.json
libxml2-dev        grade        XML: reads Check and Helgrind logs, writes JUnit
valgrind           grade        Helgrind, the race detector
gdb                grade        backtraces of a hung test before it is killed
binutils           grade        addr2line: the lines of a controlled schedule's steps
bubblewrap         grade        the sandbox for student code
jq                 grade        reads results files (CI threshold, Gradescope, Autolab, bench targets)
gcovr              all          coverage reports from gcov
patch              all          applies the mutants in the self-test
parallel           all          GNU parallel: grades a class over several machines (grader/cluster)
gnuplot-nox        all          draws the speedup curves of make sweep (SVG or PNG)
yamllint           all          checks the YAML of the GitHub Classroom workflow (make test)
zip                all          packs a lab's Gradescope autograder (make gradescope)
unzip              all          unpacks it again in the self-test (check_gradescope)
python3            all          reads lab specs and mutant tables in grader/catch_rate.sh
"

# The packages of the set asked for: "package why..." lines.
chosen=$(printf '%s\n' "$PACKAGES" | awk -v want="$want" 'NF && (want == "all" || $2 == want) {
	p = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); print p, $0 }')

missing=$(printf '%s\n' "$chosen" | while read -r p why; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"
done)
[ -z "$missing" ] && exit 0

echo "Installing the Debian packages this project needs:"
printf '%s\n' "$chosen" | while read -r p why; do
	case " $(echo $missing) " in *" $p "*) echo "  $p: $why" ;; esac
done
if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "Installed: $(echo $missing)"
